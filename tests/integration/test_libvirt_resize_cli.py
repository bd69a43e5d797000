"""A real guest resized and cold-migrated through the whole stack with the CLI.

One deployment for the module (tests/integration/boot_cluster.py): nova-api,
nova-conductor, nova-scheduler and two nova-compute daemons with
``compute_driver = libvirt.LibvirtDriver`` over RabbitMQ and MariaDB. Each
compute has a libvirtd of its own (tests/libvirtd_namespaced.py: a private
daemon in its own namespaces, listening on 127.0.0.2 / 127.0.0.3) and its
own ``[DEFAULT] instances_path``, so the two hosts share nothing but the
machine. The test guest (tests/libvirt_guest.py) is booted with
``openstack server create``, then ``openstack server resize`` (to a flavor
with more vCPUs, memory and disk) moves it to the other host, where it boots
again from the copied disks (its serial marker seen again through
``openstack console log show``), and ``resize confirm`` removes it from the
first; ``openstack server migrate`` + ``migrate confirm`` brings it back.
After each step Placement holds the instance's allocation on its host only
and no migration consumer is left. Three boots of the guest in all.

Skips (fails under CI) without root, QEMU, libvirtd, unshare, MariaDB or
RabbitMQ.
"""

import json
import os
import subprocess
import threading
import time
from wsgiref import simple_server
from xml.etree import ElementTree

import pytest

from tests import libvirtd_namespaced
from tests import osc_session
from tests import realparts
from tests.integration import boot_cluster
from tests.integration import libvirt_cluster
from tests.integration import nova_procs

libvirt = libvirt_cluster.libvirt

pytestmark = pytest.mark.timeout(1800)

OPENSTACK = os.path.join(nova_procs.VENV_BIN, "openstack")
HOSTS = {"lvmiga": "127.0.0.2", "lvmigb": "127.0.0.3"}
BOOT_TIMEOUT = 240      # software emulation on a loaded two-core machine
MICROVERSION = "2.79"


def _wait(predicate, timeout, what, interval=1.0):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


class _Quiet(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class TwoHostCluster(boot_cluster.BootCluster):
    """A BootCluster whose computes each get their own options (``per_host``:
    {host: {group: {option: value}}}) on top of ``compute_extra``."""

    def __init__(self, *args, per_host=None, **kwargs):
        self.per_host = per_host or {}
        super().__init__(*args, **kwargs)

    def _config(self, name, host, database=True, compute=False):
        if not compute or host not in self.per_host:
            return super()._config(name, host, database, compute)
        shared = self.compute_extra
        merged = {group: dict(values) for group, values in shared.items()}
        for group, values in self.per_host[host].items():
            merged.setdefault(group, {}).update(values)
        self.compute_extra = merged
        try:
            return super()._config(name, host, database, compute)
        finally:
            self.compute_extra = shared

    def _wait_http(self, client, path, what, timeout=90):
        # Two libvirt computes and their daemons start beside the rest.
        super()._wait_http(client, path, what, timeout=max(timeout, 300))


class Stack:
    def __init__(self, cluster, run, guest, daemons, identity_port):
        self.cluster, self.run, self.guest, self.daemons = cluster, run, guest, daemons
        self.workdir = run.workdir
        self.clouds_yaml = os.path.join(self.workdir, "clouds.yaml")
        root = "http://127.0.0.1:%d" % cluster.ports["api"]
        with open(self.clouds_yaml, "w") as f:
            json.dump({"clouds": {"lv": {
                "auth_type": "admin_token",
                "auth": {"endpoint": root + "/v2.1", "token": "admin:admin"},
                "compute_endpoint_override": root + "/v2.1",
                "image_endpoint_override": "http://127.0.0.1:%d" % cluster.ports["images"],
                "identity_endpoint_override": "http://127.0.0.1:%d/v3" % identity_port,
                "identity_api_version": "3",
                "region_name": "RegionOne"}}}, f)

    def osc(self, *args, fmt=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = self.clouds_yaml
        cmd = [OPENSTACK, "--os-cloud", "lv", "--os-compute-api-version", MICROVERSION]
        cmd += list(args) + (["-f", "json"] if fmt else [])
        # Through this test process's one CLI process (tests/osc_session.py).
        proc = osc_session.run(cmd[1:], env=env, cwd=self.workdir,
                               timeout=BOOT_TIMEOUT + 60)
        if proc.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s\n%s" % (
                " ".join(args), proc.returncode, proc.stdout, proc.stderr[-3000:],
                self.cluster.logs()))
        return json.loads(proc.stdout) if fmt and proc.stdout.strip() else proc.stdout

    def server(self, server_id):
        status, body = self.cluster.compute("GET", "/servers/%s" % server_id,
                                            version=MICROVERSION)
        assert status == 200, body
        return body["server"]

    def wait_status(self, server_id, wanted, timeout=BOOT_TIMEOUT):
        def reached():
            server = self.server(server_id)
            if server["status"] == "ERROR":
                raise AssertionError("server went to ERROR: %s\n%s" % (
                    server.get("fault"), self.cluster.logs()))
            return (server["status"] == wanted
                    and server["OS-EXT-STS:task_state"] is None) and server
        return _wait(reached, timeout, "server %s to be %s" % (server_id, wanted))

    def markers(self, server_id):
        text = self.osc("console", "log", "show", server_id, fmt=False)
        return text.count(self.guest.marker)

    def wait_markers(self, server_id, count):
        _wait(lambda: self.markers(server_id) >= count, BOOT_TIMEOUT,
              "%d boot markers of %s" % (count, server_id), interval=3)

    def domain(self, host, server_id):
        """The domain of ``server_id`` on ``host``'s libvirtd, or None."""
        conn = libvirt.open(self.daemons[host].uri)
        try:
            try:
                dom = conn.lookupByUUIDString(server_id)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return None
                raise
            return {"active": bool(dom.isActive()),
                    "xml": ElementTree.fromstring(dom.XMLDesc(0))}
        finally:
            conn.close()

    def instance_dir(self, host, server_id):
        return os.path.join(self.workdir, "instances-" + host, server_id)

    def allocations(self, consumer):
        status, body = self.cluster.placement.request("GET", "/allocations/%s" % consumer)
        assert status == 200, body
        return body["allocations"]

    def provider(self, host):
        return {p["name"]: p["uuid"] for p in self.cluster.providers()}[host]

    def migrations(self, server_id):
        """[{"uuid", "status"}] of the server's migrations (the cell database:
        GET /os-migrations is not built yet)."""
        dbs = self.cluster.dbs
        conn = dbs.connect(dbs.cell)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT uuid, status FROM migrations WHERE instance_uuid = %s "
                            "ORDER BY id", (server_id,))
                return [{"uuid": u, "status": st} for u, st in cur.fetchall()]
        finally:
            conn.close()


@pytest.fixture(scope="module")
def stack():
    guest = libvirt_cluster.require()
    try:
        libvirtd_namespaced.check()
    except libvirtd_namespaced.Unavailable as exc:
        realparts.missing(str(exc))
    from nova.cmd import all_identity
    run = libvirt_cluster.Run(prefix="nova-lv-resize-")
    identity = simple_server.make_server("127.0.0.1", 0, all_identity.application,
                                         handler_class=_Quiet)
    threading.Thread(target=identity.serve_forever, daemon=True).start()
    vhost = dbs = cluster = None
    daemons = {}
    try:
        port = libvirtd_namespaced.free_port(tuple(HOSTS.values()))
        for host, addr in HOSTS.items():
            daemons[host] = libvirtd_namespaced.NamespacedLibvirtd(host, addr, port)
            try:
                daemons[host].start()
            except libvirtd_namespaced.Unavailable as exc:
                realparts.missing(str(exc))
        vhost = realparts.RabbitVhost()
        dbs = boot_cluster.ClusterDatabases.create()
        per_host = {host: {
            "DEFAULT": {"instances_path": os.path.join(run.workdir, "instances-" + host),
                        "my_ip": addr},
            "libvirt": {"connection_uri": daemons[host].uri,
                        "live_migration_inbound_addr": addr}}
            for host, addr in HOSTS.items()}
        compute_extra = run.compute_extra()
        compute_extra["libvirt"]["live_migration_uri"] = "qemu+tcp://%%s:%d/system" % port
        cluster = TwoHostCluster(run.workdir, dbs, vhost.url, compute_hosts=tuple(HOSTS),
                                 report_interval=2, extra=run.extra(),
                                 compute_extra=compute_extra, per_host=per_host)
        cluster.start()
        yield Stack(cluster, run, guest, daemons, identity.server_port)
    finally:
        steps = [d.destroy_domains for d in daemons.values()]
        if cluster is not None:
            steps.append(cluster.stop)
        steps += [d.cleanup for d in daemons.values()]
        if dbs is not None:
            steps.append(dbs.drop)
        if vhost is not None:
            steps.append(vhost.delete)
        steps += [identity.shutdown, identity.server_close, run.cleanup]
        for step in steps:
            try:
                step()
            except Exception as exc:    # noqa: BLE001 - report, go on cleaning
                print("clean-up step failed: %r" % exc)


def _placement_on(stack, server_id, host, flavor):
    """The instance holds ``flavor`` on ``host`` only; no migration consumer left."""
    allocations = stack.allocations(server_id)
    assert list(allocations) == [stack.provider(host)], allocations
    assert allocations[stack.provider(host)]["resources"] == {
        "VCPU": flavor[0], "MEMORY_MB": flavor[1], "DISK_GB": flavor[2]}
    for migration in stack.migrations(server_id):
        assert stack.allocations(migration["uuid"]) == {}, migration


SMALL = (1, 128, 1)
BIG = (2, 192, 2)


def test_boot_resize_confirm_migrate_confirm(stack):
    g = stack.guest
    ids = libvirt_cluster.upload_guest(stack.cluster, g)
    stack.osc("flavor", "create", "--vcpus", "1", "--ram", "128", "--disk", "1",
              "--id", "mv1", "mv.small")
    stack.osc("flavor", "create", "--vcpus", "2", "--ram", "192", "--disk", "2",
              "--id", "mv2", "mv.big")
    started = time.monotonic()
    server = stack.osc("server", "create", "--flavor", "mv.small", "--image",
                       ids["machine"], "--config-drive", "True", "--wait", "lv-mover")
    sid = server["id"]
    first = server["OS-EXT-SRV-ATTR:host"]
    other = [h for h in HOSTS if h != first][0]
    stack.wait_markers(sid, 1)
    print("\nbooted on %s in %.1fs" % (first, time.monotonic() - started))
    _placement_on(stack, sid, first, SMALL)

    # resize: to the other host (allow_resize_to_same_host is off), bigger.
    started = time.monotonic()
    stack.osc("server", "resize", "--flavor", "mv.big", sid, fmt=False)
    resized = stack.wait_status(sid, "VERIFY_RESIZE")
    assert resized["OS-EXT-SRV-ATTR:host"] == other
    dom = stack.domain(other, sid)
    assert dom["active"]
    assert dom["xml"].findtext("vcpu") == "2"
    assert int(dom["xml"].findtext("memory")) == 192 * 1024
    disk = os.path.join(stack.instance_dir(other, sid), "disk")
    info = json.loads(subprocess.run(["qemu-img", "info", "-U", "--output=json", disk],
                                     check=True, capture_output=True, text=True).stdout)
    assert info["virtual-size"] == 2 * 1024 ** 3
    stack.wait_markers(sid, 2)
    print("resized onto %s, marker again after %.1fs" % (other, time.monotonic() - started))
    # The source kept the guest, stopped, for a revert.
    assert stack.domain(first, sid)["active"] is False
    assert os.path.isdir(stack.instance_dir(first, sid) + "_resize")

    stack.osc("server", "resize", "confirm", sid, fmt=False)
    stack.wait_status(sid, "ACTIVE")
    _wait(lambda: stack.domain(first, sid) is None, 60, "the source's guest to go")
    assert not os.path.exists(stack.instance_dir(first, sid) + "_resize")
    _placement_on(stack, sid, other, BIG)

    # cold migration back, the same flavor.
    started = time.monotonic()
    stack.osc("server", "migrate", sid, fmt=False)
    migrated = stack.wait_status(sid, "VERIFY_RESIZE")
    assert migrated["OS-EXT-SRV-ATTR:host"] == first
    assert stack.domain(first, sid)["active"]
    stack.wait_markers(sid, 3)
    print("migrated back to %s, marker again after %.1fs"
          % (first, time.monotonic() - started))
    stack.osc("server", "migrate", "confirm", sid, fmt=False)
    stack.wait_status(sid, "ACTIVE")
    _wait(lambda: stack.domain(other, sid) is None, 60, "the other host's guest to go")
    _placement_on(stack, sid, first, BIG)
    assert [m["status"] for m in stack.migrations(sid)] == ["confirmed", "confirmed"]

    stack.osc("server", "delete", "--wait", sid, fmt=False)
    assert stack.domain(first, sid) is None and stack.domain(other, sid) is None
    assert not os.path.exists(stack.instance_dir(first, sid))
