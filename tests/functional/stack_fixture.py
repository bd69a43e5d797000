"""The whole control plane in this process: the ``cloud`` fixture.

The compute API (``tests.functional.api_fixture``), the real Placement
(``placement_fixture``), the embedded image store (``image_fixture``), and
nova-conductor, nova-scheduler and two nova-compute services with the fake
driver, all over oslo.messaging's fake:// transport, SQLite API and cell
databases, and the embedded flat network. ``cloud.sdk()`` / ``cloud.osc()``
reach the compute and image endpoints; ``cloud.computes`` are the compute
services (their drivers are ``cloud.driver(host)``).
"""

import threading

import pytest

import nova.conf
from nova import context as nova_context
from nova.objects import cell_setup
from nova.image import store as image_store_pkg
from nova import service
from tests.functional import api_fixture
from tests.functional import inprocess
from tests.functional import placement_fixture

CONF = nova.conf.CONF

COMPUTE_HOSTS = ("compute1", "compute2")


class Cloud:
    def __init__(self, api, placement, images, services):
        self.api = api
        self.placement = placement
        self.images = images
        self.services = services
        self.computes = {svc.host: svc for svc in services if svc.binary == "nova-compute"}
        self.ctxt = nova_context.get_admin_context()
        original = api._cloud

        def cloud(user, project):
            config = original(user, project)
            config["image_endpoint_override"] = images.endpoint
            return config

        api._cloud = cloud

    def driver(self, host):
        return self.computes[host].manager.driver

    def request(self, *args, **kwargs):
        return self.api.request(*args, **kwargs)

    def osc(self, *args, **kwargs):
        return self.api.osc(*args, **kwargs)

    def sdk(self, *args, **kwargs):
        conn = self.api.sdk(*args, **kwargs)
        conn.config.config["image_endpoint_override"] = self.images.endpoint
        return conn

    def create_image(self, name="cirros", size=1024, **properties):
        """An active image in the store; its id."""
        status, _h, image = self.request_image("POST", "/v2/images", {
            "name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": "public", **properties})
        assert status == 201, image
        status, _h, _b = self.request_image("PUT", "/v2/images/%s/file" % image["id"],
                                            raw=b"\0" * size)
        assert status == 204, _b
        return image["id"]

    def request_image(self, method, path, body=None, raw=None):
        import json
        import urllib.error
        import urllib.request
        headers = {"X-Auth-Token": "admin:admin"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            headers["Content-Type"] = "application/octet-stream"
        req = urllib.request.Request(self.images.endpoint + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, resp_headers, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, resp_headers, payload = exc.code, exc.headers, exc.read()
        try:
            return status, resp_headers, json.loads(payload) if payload else None
        except ValueError:
            return status, resp_headers, payload

    def create_flavor(self, name="m1.small", vcpus=1, ram=512, disk=1, flavor_id=None):
        body = {"flavor": {"name": name, "vcpus": vcpus, "ram": ram, "disk": disk}}
        if flavor_id:
            body["flavor"]["id"] = flavor_id
        status, _h, flavor = self.request("POST", "/flavors", body)
        assert status == 200, flavor
        return flavor["flavor"]["id"]

    def wait_for_status(self, server_id, statuses, timeout=30, **kwargs):
        """The server once its status is one of ``statuses`` (AssertionError if not)."""
        statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
        seen = {}

        def check():
            status, _h, body = self.request("GET", "/servers/%s" % server_id, **kwargs)
            seen["last"] = (status, body)
            if status == 200 and body["server"]["status"] in statuses:
                return body["server"]
            return None

        try:
            return inprocess.wait_for(check, timeout=timeout,
                                      what="server %s in %s" % (server_id, statuses))
        except AssertionError:
            raise AssertionError("server %s never reached %s; last answer %s" % (
                server_id, statuses, seen.get("last")))

    def wait_for_gone(self, server_id, timeout=30):
        def check():
            status, _h, _b = self.request("GET", "/servers/%s" % server_id)
            return status == 404
        inprocess.wait_for(check, timeout=timeout, what="server %s deleted" % server_id)

    def usages(self, project="admin"):
        return self.placement.get("/usages?project_id=%s" % project, version="1.9")["usages"]


def start_cloud(tmp_path, monkeypatch, compute_hosts=COMPUTE_HOSTS, api_overrides=None):
    api, stop_api = api_fixture.start_api(tmp_path, monkeypatch, api_overrides)
    stops = [stop_api]
    try:
        placement, stop_placement = placement_fixture.start_placement(tmp_path)
        stops.append(stop_placement)
        overrides = {("image_store", "data_dir"): str(tmp_path / "images"),
                     ("image_store", "port"): 0, ("image_store", "listen"): "127.0.0.1",
                     ("glance", "backend"): "local",
                     ("DEFAULT", "report_interval"): 1,
                     ("DEFAULT", "periodic_fuzzy_delay"): 0,
                     ("DEFAULT", "compute_driver"): "fake.FakeDriver"}
        for (group, name), value in overrides.items():
            CONF.set_override(name, value, group=None if group == "DEFAULT" else group)
        stops.append(lambda: [CONF.clear_override(n, group=None if g == "DEFAULT" else g)
                              for (g, n) in overrides])
        images = image_store_pkg.serve()
        stops.append(images.stop)
        services = [service.Service.create(binary="nova-conductor", topic="conductor"),
                    service.Service.create(binary="nova-scheduler", topic="scheduler")]
        services += [service.Service.create(host=host, binary="nova-compute",
                                            topic="compute") for host in compute_hosts]
        started = []
        stops.append(lambda: stop_services(started))
        for svc in services:
            svc.start()
            started.append(svc)
        cell_setup.discover_hosts(nova_context.get_admin_context())
        return Cloud(api, placement, images, services), stops
    except Exception:
        for stop in reversed(stops):
            stop()
        raise


def stop_services(services):
    """Stop the computes together, then the other services together.

    Each stop waits for its RPC server's idle worker threads, which notice the
    stop only at the end of their one-second idle wait: one by one, that second
    was paid per service in every test."""
    computes = [svc for svc in services if svc.binary == "nova-compute"]
    others = [svc for svc in services if svc.binary != "nova-compute"]
    for group in (computes, others):
        threads = [threading.Thread(target=_stop_quietly, args=(svc.stop,))
                   for svc in group]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _stop_quietly(stop):
    try:
        stop()
    except Exception:  # keep stopping the rest
        pass


def stop_all(stops):
    for stop in reversed(stops):
        try:
            stop()
        except Exception:  # keep stopping the rest
            pass


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    running, stops = start_cloud(tmp_path, monkeypatch)
    try:
        yield running
    finally:
        stop_all(stops)


def module_cloud(tmp_path_factory, label, host, flavor=("m1.tiny", 1, 512, 1, "1"),
                 image_properties=None, boot=None):
    """Body of a module-scoped fixture: one cloud with one compute ``host``, a
    flavor (name, vcpus, ram, disk, id) and an image on ``cloud.flavor`` /
    ``cloud.image``, and, when ``boot`` names one, an ACTIVE server on
    ``cloud.server``. Use as ``yield from stack_fixture.module_cloud(...)``."""
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp(label)
    running, stops = start_cloud(tmp_path, monkeypatch, compute_hosts=(host,))
    try:
        running.tmp_path = tmp_path
        name, vcpus, ram, disk, flavor_id = flavor
        running.flavor = running.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk,
                                               flavor_id=flavor_id)
        running.image = running.create_image(**(image_properties or {}))
        if boot:
            status, _h, body = running.request("POST", "/servers", {"server": {
                "name": boot, "flavorRef": running.flavor, "imageRef": running.image}})
            assert status == 202, body
            running.server = running.wait_for_status(body["server"]["id"], "ACTIVE")["id"]
        yield running
    finally:
        stop_all(stops)
        monkeypatch.undo()
