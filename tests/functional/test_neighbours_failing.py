"""Neutron, Glance or Placement down, slow or failing while servers are created,
listed and deleted.

The whole control plane runs in this process (stack_fixture) with the Neutron
stand-in, the image store and the real Placement each served through a
``FlakyService`` (tests/functional/flaky.py) that a test takes down (connection
refused), slows past the client's ``[group] timeout`` or makes answer 5xx.

What a user sees: the API answers 503 ``serviceUnavailable`` (504 when the
service did not answer in time) naming the service, never a 500 or a
traceback, and creates nothing; a build already under way ends in ERROR with a
fault naming the service, its ports and allocation released; a delete that
cannot release the ports leaves the server in ERROR with its ports, and a
delete once Neutron is back removes both.
"""

import pytest

from nova.api.openstack.compute import server_create
from nova.scheduler.client import embedded
from nova import service_auth
from tests.functional import flaky
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
USER = {"user": "u1", "project": "p1"}
PLACEMENT_TIMEOUT = 5


class Stack:
    def __init__(self, cloud, standin, neutron, glance, placement, network, flavor, image):
        self.cloud, self.standin = cloud, standin
        self.neutron, self.glance, self.placement = neutron, glance, placement
        self.network, self.flavor, self.image = network, flavor, image

    def request(self, method, path, body=None):
        return self.cloud.request(method, path, body, **USER)

    def create(self, name="s1"):
        return self.request("POST", "/servers", {"server": {
            "name": name, "flavorRef": self.flavor, "imageRef": self.image,
            "networks": [{"uuid": self.network["id"]}]}})

    def server(self, server_id):
        status, _h, body = self.request("GET", "/servers/%s" % server_id)
        assert status == 200, body
        return body["server"]

    def wait_status(self, server_id, wanted, timeout=30):
        def check():
            server = self.server(server_id)
            return server if server["status"] == wanted else None
        return inprocess.wait_for(check, timeout=timeout,
                                  what="server %s %s" % (server_id, wanted))

    def boot(self, name="s1"):
        status, _h, body = self.create(name)
        assert status == 202, body
        return self.wait_status(body["server"]["id"], "ACTIVE")

    def servers(self):
        status, _h, body = self.request("GET", "/servers")
        assert status == 200, body
        return body["servers"]

    def usages(self):
        return self.cloud.usages("p1")


@pytest.fixture
def stack(tmp_path, monkeypatch):
    standin = neutron_standin.NeutronStandIn()
    neutron = flaky.FlakyService(standin)
    placement = flaky.FlakyService()
    glance = flaky.FlakyService()
    for name, value in (("backend", "neutron"), ("endpoint_override", neutron.url),
                        ("http_retries", 0)):
        CONF.set_override(name, value, group="neutron")
    monkeypatch.setattr(server_create.COMPUTE, "_network_api", None, raising=False)

    def configure_client(service, conf=CONF):
        placement.app = service.app
        conf.set_override("endpoint_override", placement.url, group="placement")
        conf.set_override("auth_type", None, group="placement")

    monkeypatch.setattr(embedded.EmbeddedPlacement, "configure_client", configure_client)
    # Report clients keep their adapter from their first use: the timeout is set
    # before the services start.
    CONF.set_override("timeout", PLACEMENT_TIMEOUT, group="placement")
    service_auth.reset()
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch)
    try:
        glance.app = cloud.images.app
        CONF.set_override("endpoint_override", glance.url, group="glance")
        network = standin.add_network("private", "p1", cidr="10.7.0.0/24")
        standin.add_security_group("p1", "default")
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
        image = cloud.create_image()
        yield Stack(cloud, standin, neutron, glance, placement, network, flavor, image)
    finally:
        for service in (neutron, glance, placement):
            service.ok()
        stack_fixture.stop_all(stops)
        for service in (neutron, glance, placement):
            service.stop()
        for group, name in (("neutron", "backend"), ("neutron", "endpoint_override"),
                            ("neutron", "http_retries"), ("neutron", "timeout"),
                            ("glance", "endpoint_override"), ("glance", "timeout"),
                            ("placement", "timeout")):
            CONF.clear_override(name, group=group)
        service_auth.reset()


def _fault(body, code):
    assert isinstance(body, dict) and len(body) == 1, body
    (name, fault), = body.items()
    assert name == {503: "serviceUnavailable", 504: "computeFault"}[code], body
    assert fault["code"] == code, body
    assert "Traceback" not in fault["message"]
    return fault["message"]


# -- the API answers ---------------------------------------------------------------

def test_create_while_neutron_is_down_answers_503_and_creates_nothing(stack):
    stack.neutron.down()
    status, _h, body = stack.create()
    assert status == 503, body
    assert "network service (Neutron) is unavailable" in _fault(body, 503)
    stack.neutron.up()
    assert stack.servers() == []
    assert stack.standin.ports == {}


@pytest.mark.parametrize("error", [500, 502, 503])
def test_create_while_neutron_answers_5xx_answers_503(stack, error):
    stack.neutron.fail(error)
    status, _h, body = stack.create()
    assert status == 503, body
    message = _fault(body, 503)
    assert "network service (Neutron)" in message and str(error) in message
    stack.neutron.ok()
    assert stack.servers() == []


def test_create_while_neutron_is_slower_than_its_timeout_answers_504(stack):
    CONF.set_override("timeout", 0.5, group="neutron")
    stack.neutron.slow(3)
    status, _h, body = stack.create()
    assert status == 504, body
    assert "network service (Neutron) did not answer in time" in _fault(body, 504)
    stack.neutron.ok()
    assert stack.servers() == []


def test_create_while_glance_is_down_or_slow(stack):
    stack.glance.down()
    status, _h, body = stack.create()
    assert status == 503, body
    assert "image service" in _fault(body, 503)
    stack.glance.up()
    CONF.set_override("timeout", 0.5, group="glance")
    stack.glance.slow(3)
    status, _h, body = stack.create()
    assert status == 504, body
    assert "image service" in _fault(body, 504)
    stack.glance.ok()
    assert stack.servers() == []
    # And with everything back, the same request works.
    stack.boot()


def test_list_and_show_while_neutron_and_placement_are_down(stack):
    server = stack.boot()
    stack.neutron.down()
    stack.placement.down()
    status, _h, body = stack.request("GET", "/servers/detail")
    assert status == 200, body
    (listed,) = body["servers"]
    assert listed["id"] == server["id"]
    assert list(listed["addresses"]) == ["private"]
    assert stack.server(server["id"])["status"] == "ACTIVE"


# -- a build under way ---------------------------------------------------------------

def _ports_post(method, path):
    return method == "POST" and path.endswith("/ports")


def test_build_fails_when_neutron_breaks_after_the_api_checked(stack):
    stack.neutron.fail(503, when=_ports_post)
    status, _h, body = stack.create()
    assert status == 202, body
    server = stack.wait_status(body["server"]["id"], "ERROR")
    assert "network service (Neutron)" in server["fault"]["message"], server["fault"]
    # Not rescheduled to the other host (Neutron is the same from there).
    assert server["fault"]["code"] == 503 or "Exceeded" not in server["fault"]["message"]
    assert stack.standin.ports == {}
    inprocess.wait_for(lambda: not stack.usages(), timeout=10, what="allocation released")
    stack.neutron.ok()
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204
    stack.cloud.wait_for_gone(server["id"])


def test_build_fails_when_neutron_is_slow_during_port_creation(stack):
    CONF.set_override("timeout", 0.5, group="neutron")
    stack.neutron.slow(2, when=_ports_post)
    status, _h, body = stack.create()
    assert status == 202, body
    server = stack.wait_status(body["server"]["id"], "ERROR")
    assert "network service (Neutron) did not answer in time" in server["fault"]["message"]
    stack.neutron.ok()
    # A port Neutron made after nova gave up is removed with the server.
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204
    stack.cloud.wait_for_gone(server["id"])
    assert stack.standin.ports == {}


def _candidates(method, path):
    return path.startswith("/allocation_candidates")


@pytest.mark.parametrize("outage", ["down", "5xx", "slow"])
def test_build_fails_naming_placement_when_it_is_unavailable(stack, outage):
    if outage == "down":
        stack.placement.down()
    elif outage == "5xx":
        stack.placement.fail(503, when=_candidates)
    else:
        stack.placement.slow(PLACEMENT_TIMEOUT + 3, when=_candidates)
    status, _h, body = stack.create()
    assert status == 202, body
    server = stack.wait_status(body["server"]["id"], "ERROR")
    assert "placement service" in server["fault"]["message"], server["fault"]
    assert stack.standin.ports == {}
    stack.placement.ok()
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204
    stack.cloud.wait_for_gone(server["id"])


# -- delete --------------------------------------------------------------------------

def test_delete_while_neutron_is_down_finishes_once_it_is_back(stack):
    server = stack.boot()
    (port_id,) = stack.standin.ports
    assert stack.usages()
    stack.neutron.down()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204, body
    failed = stack.wait_status(server["id"], "ERROR")
    assert "network service (Neutron)" in failed["fault"]["message"], failed["fault"]
    # Nothing half-gone: the port and the claim are still there, and recorded.
    assert list(stack.standin.ports) == [port_id]
    assert stack.usages()
    stack.neutron.up()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204, body
    stack.cloud.wait_for_gone(server["id"])
    assert stack.standin.ports == {}
    inprocess.wait_for(lambda: not stack.usages(), timeout=10, what="allocation released")


def test_delete_while_placement_is_down_finishes_once_it_is_back(stack):
    server = stack.boot()
    stack.placement.down()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204, body
    failed = stack.wait_status(server["id"], "ERROR")
    assert "placement service" in failed["fault"]["message"], failed["fault"]
    stack.placement.up()
    assert stack.usages()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204, body
    stack.cloud.wait_for_gone(server["id"])
    assert stack.standin.ports == {}
    assert not stack.usages()


def test_local_delete_while_neutron_is_down_answers_503_and_keeps_the_server(stack):
    """The server's compute is down, so the API deletes it itself: not without
    releasing its ports."""
    server = stack.boot()
    status, _h, body = stack.cloud.request("GET", "/servers/%s" % server["id"])  # as admin
    host = body["server"]["OS-EXT-SRV-ATTR:host"]
    status, _h, body = stack.cloud.request(
        "PUT", "/os-services/force-down",
        {"host": host, "binary": "nova-compute", "forced_down": True}, version="2.11")
    assert status == 200, body
    stack.neutron.down()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 503, body
    assert "network service (Neutron)" in _fault(body, 503)
    assert stack.server(server["id"])["status"] == "ACTIVE"
    stack.neutron.up()
    status, _h, body = stack.request("DELETE", "/servers/%s" % server["id"])
    assert status == 204, body
    stack.cloud.wait_for_gone(server["id"])
    assert stack.standin.ports == {}
    inprocess.wait_for(lambda: not stack.usages(), timeout=10, what="allocation released")
