"""The compute service when libvirtd stops, restarts, or is down at start.

A libvirtd of this test's own (tests/libvirtd_private.py: unprivileged, on a
private socket, libvirt's test hypervisor behind it) serves the libvirt
driver of compute1 in the whole control plane of one process. The test stops
and restarts that daemon (never the machine's): while it is gone the compute
service is disabled with an ``AUTO: Connection to libvirt lost: ...`` reason
(the scheduler skips the host), an action on a server fails with a fault
naming the broken connection, and once libvirtd answers again the service is
enabled by itself; a service an operator disabled stays disabled. A driver
started while libvirtd is down stays up, its service disabled until the daemon
comes.

Skips when libvirtd or setpriv is missing (fails under CI).
"""

import os
import subprocess
import uuid as uuidlib

import pytest

from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

import nova.conf  # noqa: E402
from tests import libvirtd_private  # noqa: E402
from tests.functional import inprocess  # noqa: E402
from tests.functional import stack_fixture  # noqa: E402

CONF = nova.conf.CONF
BRIDGE = "brnovarecon"


def _service(cloud, host):
    status, _h, body = cloud.request("GET", "/os-services?binary=nova-compute&host=%s" % host,
                                     version="2.53")
    assert status == 200, body
    (service,) = body["services"]
    return service


def _wait_service(cloud, host, status, reason_prefix=None, timeout=30):
    seen = {}

    def check():
        service = seen["last"] = _service(cloud, host)
        if service["status"] != status:
            return None
        if reason_prefix is not None and not (service["disabled_reason"] or "").startswith(
                reason_prefix):
            return None
        return service

    try:
        return inprocess.wait_for(check, timeout=timeout,
                                  what="service %s %s" % (host, status))
    except AssertionError:
        raise AssertionError("service %s never became %s (%s); last %s"
                             % (host, status, reason_prefix, seen.get("last")))


@pytest.fixture
def stack(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        realparts.missing("the flat network's bridge and setpriv need root")
    try:
        daemon = libvirtd_private.PrivateLibvirtd().start()
    except libvirtd_private.Unavailable as exc:
        realparts.missing(str(exc))
    from nova.virt.libvirt import driver as libvirt_driver
    CONF.set_override("instances_path", str(tmp_path / "instances"))
    CONF.set_override("connection_uri", daemon.uri, "libvirt")
    CONF.set_override("virt_type", "qemu", "libvirt")
    CONF.set_override("reconnect_interval", 1, "libvirt")
    CONF.set_override("bridge", BRIDGE, "flat_network")
    stops = []
    try:
        cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch,
                                                 compute_hosts=("compute1", "compute2"))
        manager = cloud.computes["compute1"].manager
        drv = libvirt_driver.LibvirtDriver(manager.virtapi)
        drv.init_host("compute1")
        manager.driver = drv
        manager.register_lifecycle_events()
        stops.append(lambda: drv.cleanup_host("compute1"))
        yield cloud, drv, daemon
    finally:
        stack_fixture.stop_all(stops)
        daemon.cleanup()
        for name, group in (("instances_path", None), ("connection_uri", "libvirt"),
                            ("virt_type", "libvirt"), ("reconnect_interval", "libvirt"),
                            ("bridge", "flat_network")):
            CONF.clear_override(name, group)
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


def _boot(cloud, tmp_path, host):
    flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=128, disk=1, flavor_id="1")
    status, _h, image = cloud.request_image("POST", "/v2/images", {
        "name": "disk", "disk_format": "qcow2", "container_format": "bare",
        "visibility": "public"})
    disk = tmp_path / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    assert cloud.request_image("PUT", "/v2/images/%s/file" % image["id"],
                               raw=disk.read_bytes())[0] == 204
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "lv", "flavorRef": flavor, "imageRef": image["id"],
        "networks": "auto", "availability_zone": "nova:%s" % host}}, version="2.37")
    assert status == 202, body
    server_id = body["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")
    return server_id


def test_libvirtd_going_away_disables_the_service_until_it_is_back(stack, tmp_path):
    cloud, drv, daemon = stack
    assert _service(cloud, "compute1")["status"] == "enabled"
    server_id = _boot(cloud, tmp_path, "compute1")
    assert drv.host.get_guest(server_id).is_active()

    daemon.stop()
    down = _wait_service(cloud, "compute1", "disabled",
                         "AUTO: Connection to libvirt lost")
    assert drv.node_is_available("compute1") is False

    # An action during the outage fails with a fault that names the cause; the
    # server keeps its state.
    assert cloud.request("POST", "/servers/%s/action" % server_id,
                         {"os-stop": None})[0] == 202

    def stop_failed():
        status, _h, body = cloud.request(
            "GET", "/servers/%s/os-instance-actions" % server_id, version="2.51")
        stops = [a for a in body["instanceActions"] if a["action"] == "stop"]
        if not stops:
            return None
        status, _h, detail = cloud.request(
            "GET", "/servers/%s/os-instance-actions/%s" % (server_id,
                                                             stops[0]["request_id"]),
            version="2.84")
        events = detail["instanceAction"]["events"]
        return events if events and events[0].get("result") == "Error" else None

    events = inprocess.wait_for(stop_failed, timeout=30, what="the stop to fail")
    assert "Connection to the hypervisor" in events[0]["details"]
    assert "HypervisorUnavailable" in events[0]["traceback"]
    inprocess.wait_for(lambda: cloud.request("GET", "/servers/%s" % server_id)[2]["server"][
        "OS-EXT-STS:task_state"] is None, timeout=30, what="the task state to be reverted")
    assert cloud.request("GET", "/servers/%s" % server_id)[2]["server"]["status"] == "ACTIVE"
    # The power-state sync has nothing to compare with: the database stays.
    cloud.computes["compute1"].manager.sync_power_states(cloud.ctxt)
    server = cloud.request("GET", "/servers/%s" % server_id)[2]["server"]
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:power_state"] == 1

    # A second driver started now (libvirtd down at start) stays up, its
    # service disabled for the same kind of reason.
    from nova.virt.libvirt import driver as libvirt_driver
    manager2 = cloud.computes["compute2"].manager
    drv2 = libvirt_driver.LibvirtDriver(manager2.virtapi)
    drv2.init_host("compute2")
    manager2.driver = drv2
    try:
        assert drv2.get_available_nodes(refresh=True) == []
        _wait_service(cloud, "compute2", "disabled", "AUTO: Connection to libvirt failed")

        daemon.start()
        up = _wait_service(cloud, "compute1", "enabled")
        assert up["disabled_reason"] is None and down["disabled_reason"] != up[
            "disabled_reason"]
        _wait_service(cloud, "compute2", "enabled")
        assert drv.node_is_available("compute1")
        # The new daemon's test hypervisor does not know the old domain: the
        # driver answers from the new connection (no stale-connection error).
        assert server_id not in drv.list_instance_uuids()
    finally:
        drv2.cleanup_host("compute2")

    # Lifecycle events come over the new connection: a guest that stops by
    # itself is seen without polling.
    from nova.virt import event as virtevent
    events = []
    drv.register_event_listener(events.append)
    uuid = str(uuidlib.uuid4())
    guest = drv.host.write_instance_config(
        "<domain type='test'><name>recon-%s</name><uuid>%s</uuid><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>" % (uuid[:8], uuid))
    try:
        guest.launch()
        guest.domain.destroy()
        inprocess.wait_for(lambda: [e.transition for e in events if e.uuid == uuid] == [
            virtevent.EVENT_LIFECYCLE_STARTED, virtevent.EVENT_LIFECYCLE_STOPPED],
            timeout=30, what="STARTED and STOPPED events after the reconnection")
    finally:
        guest.delete_configuration()


def test_a_service_disabled_by_the_operator_stays_disabled(stack):
    cloud, drv, daemon = stack
    service = _service(cloud, "compute1")
    status, _h, body = cloud.request("PUT", "/os-services/%s" % service["id"],
                                     {"status": "disabled",
                                      "disabled_reason": "maintenance"}, version="2.53")
    assert status == 200, body
    daemon.stop()
    inprocess.wait_for(lambda: drv.node_is_available("compute1") is False, timeout=30,
                       what="the driver to see libvirtd gone")
    daemon.start()
    inprocess.wait_for(lambda: drv.host.is_available, timeout=30, what="a reconnection")
    drv._service_status.wait(10)
    service = _service(cloud, "compute1")
    assert service["status"] == "disabled"
    assert service["disabled_reason"] == "maintenance"


def test_a_new_compute_host_started_while_libvirtd_is_down(stack):
    # Its service record does not exist yet when the driver first fails to
    # connect: the disabled state is written once the service registered.
    from nova import service
    cloud, _drv, daemon = stack
    daemon.stop()
    CONF.set_override("compute_driver", "libvirt.LibvirtDriver")
    svc = service.Service.create(host="compute3", binary="nova-compute", topic="compute")
    try:
        svc.start()
        service_ = _wait_service(cloud, "compute3", "disabled",
                                 "AUTO: Connection to libvirt failed")
        assert "libvirt-sock" in service_["disabled_reason"]
        assert svc.manager.driver.get_available_nodes(refresh=True) == []
        daemon.start()
        _wait_service(cloud, "compute3", "enabled")
        assert svc.manager.driver.get_available_nodes(refresh=True) == ["compute3"]
    finally:
        svc.stop()
        CONF.set_override("compute_driver", "fake.FakeDriver")
