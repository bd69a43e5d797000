"""GET /servers/{id}/diagnostics through the whole control plane (fake driver)."""

import pytest

from nova.virt import diagnostics
from nova.virt import fake
from tests.functional import stack_fixture

HOST = "diag1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from stack_fixture.module_cloud(tmp_path_factory, "diagnostics", HOST,
                                          flavor=("m1.small", 2, 1024, 1, "2"), boot="probed")


def _diagnostics(stack, server_id, version=None, **kwargs):
    return stack.request("GET", "/servers/%s/diagnostics" % server_id, version=version,
                         **kwargs)


def test_2_48_standard_format(stack):
    status, _h, body = _diagnostics(stack, stack.server, version="2.48")
    assert status == 200, body
    assert set(body) == set(diagnostics.FIELDS)
    assert body["state"] == "running"
    assert body["driver"] == "fake"
    assert body["num_cpus"] == 2 and len(body["cpu_details"]) == 2
    assert body["cpu_details"][0] == {"id": 0, "time": 17300000000, "utilisation": 15}
    assert body["memory_details"] == {"maximum": 1024, "used": 512}
    assert body["num_nics"] == 1 and body["num_disks"] == 1
    assert set(body["nic_details"][0]) == {
        "mac_address", "rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate",
        "tx_octets", "tx_errors", "tx_drop", "tx_packets", "tx_rate"}
    assert set(body["disk_details"][0]) == {
        "read_bytes", "read_requests", "write_bytes", "write_requests", "errors_count"}
    assert isinstance(body["uptime"], int) and body["uptime"] >= 0
    # The NIC is the server's port.
    _s, _h, shown = stack.request("GET", "/servers/%s" % stack.server)
    macs = [a["OS-EXT-IPS-MAC:mac_addr"] for a in shown["server"]["addresses"]["private"]]
    assert body["nic_details"][0]["mac_address"] == macs[0]
    assert body["config_drive"] is False


def test_before_2_48_the_drivers_own_dict(stack):
    for version in ("2.1", "2.47"):
        status, _h, body = _diagnostics(stack, stack.server, version=version)
        assert status == 200, body
        assert body["cpu0_time"] == 17300000000 and body["cpu1_time"] == 17300000000
        assert body["memory"] == 1024 * 1024
        assert "state" not in body


def test_cli_server_show_diagnostics(stack):
    shown = stack.osc("server", "show", "--diagnostics", stack.server)
    assert shown["driver"] == "fake" and shown["state"] == "running"
    assert shown["num_cpus"] == 2
    assert shown["memory_details"] == {"maximum": 1024, "used": 512}


def test_admin_only_by_default(stack):
    status, _h, body = _diagnostics(stack, stack.server, user="demo", project="admin")
    assert status == 403, body
    status, _h, body = _diagnostics(stack, stack.server, user="eve", project="other")
    assert status == 404, body


def test_a_server_that_is_not_running_is_a_409(stack):
    stack.request("POST", "/servers/%s/action" % stack.server, {"pause": None})
    stack.wait_for_status(stack.server, "PAUSED")
    try:
        for version in ("2.1", "2.48"):
            status, _h, body = _diagnostics(stack, stack.server, version=version)
            assert status == 409, body
            assert body["conflictingRequest"]["message"] == (
                "Cannot 'get_diagnostics' instance %s while it is in power state paused"
                % stack.server)
    finally:
        stack.request("POST", "/servers/%s/action" % stack.server, {"unpause": None})
        stack.wait_for_status(stack.server, "ACTIVE")
    stack.driver(HOST).fail_next_spawns()
    status, _h, created = stack.request("POST", "/servers", {"server": {
        "name": "hostless", "flavorRef": stack.flavor, "imageRef": stack.image}})
    hostless = created["server"]["id"]
    stack.wait_for_status(hostless, "ERROR")
    status, _h, body = _diagnostics(stack, hostless)
    assert status == 409, body
    assert body["conflictingRequest"]["message"] == "Instance %s is not ready" % hostless
    stack.request("DELETE", "/servers/%s" % hostless)


def test_a_hypervisor_that_cannot_tell_is_a_501(stack, monkeypatch):
    def cannot(self, instance):
        raise NotImplementedError()
    monkeypatch.setattr(fake.FakeDriver, "get_instance_diagnostics", cannot)
    monkeypatch.setattr(fake.FakeDriver, "get_diagnostics", cannot)
    for version in ("2.1", "2.48"):
        status, _h, body = _diagnostics(stack, stack.server, version=version)
        assert status == 501, body
        assert "notImplemented" in body


def test_a_compute_that_is_down_is_a_409_at_once(stack):
    status, _h, body = stack.request("PUT", "/os-services/force-down", {
        "host": HOST, "binary": "nova-compute", "forced_down": True}, version="2.11")
    assert status == 200, body
    try:
        expected = ("The compute service of host %s is down or did not answer in time; "
                    "try again later." % HOST)
        for version in ("2.1", "2.48"):
            status, _h, body = _diagnostics(stack, stack.server, version=version)
            assert status == 409, body
            assert body["conflictingRequest"]["message"] == expected
        status, _h, body = stack.request(
            "POST", "/servers/%s/action" % stack.server, {"os-getConsoleOutput": {}})
        assert status == 409, body
        assert body["conflictingRequest"]["message"] == expected
        # A snapshot is refused before any image is made.
        status, _h, body = stack.request(
            "POST", "/servers/%s/action" % stack.server,
            {"createImage": {"name": "while-down"}})
        assert status == 409, body
        assert body["conflictingRequest"]["message"] == expected
        assert stack.request_image("GET", "/v2/images?name=while-down")[2]["images"] == []
    finally:
        stack.request("PUT", "/os-services/force-down", {
            "host": HOST, "binary": "nova-compute", "forced_down": False}, version="2.11")
    status, _h, body = _diagnostics(stack, stack.server, version="2.48")
    assert status == 200, body
