"""Power states the hypervisor reports on its own reach the API.

A guest that powers itself off makes its driver emit a lifecycle event; the
compute manager turns the server SHUTOFF without anyone asking. The periodic
power-state sync corrects what an event did not say.
"""

import pytest

from nova.compute import power_state
from nova.virt import event as virtevent
from tests.functional import stack_fixture


@pytest.fixture
def ready(tmp_path, monkeypatch):
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=("compute1",))
    try:
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1, flavor_id="1")
        image = cloud.create_image()
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "s1", "flavorRef": flavor, "imageRef": image}})
        assert status == 202, body
        server = cloud.wait_for_status(body["server"]["id"], "ACTIVE")
        yield cloud, server["id"]
    finally:
        stack_fixture.stop_all(stops)


def test_guest_powering_itself_off_becomes_shutoff(ready):
    cloud, server_id = ready
    manager = cloud.computes["compute1"].manager
    manager.stopped_event_delay = 0
    driver = cloud.driver("compute1")
    driver.instances[server_id].state = power_state.SHUTDOWN
    driver.emit_event(virtevent.LifecycleEvent(server_id, virtevent.EVENT_LIFECYCLE_STOPPED))
    server = cloud.wait_for_status(server_id, "SHUTOFF", timeout=15)
    assert server["OS-EXT-STS:power_state"] == power_state.SHUTDOWN
    assert server["OS-EXT-STS:vm_state"] == "stopped"


def test_a_stale_stopped_event_changes_nothing(ready):
    cloud, server_id = ready
    manager = cloud.computes["compute1"].manager
    manager.stopped_event_delay = 0
    # A reboot: stopped then started again before the event is handled.
    manager.handle_lifecycle_event(
        virtevent.LifecycleEvent(server_id, virtevent.EVENT_LIFECYCLE_STOPPED))
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id)
    assert body["server"]["status"] == "ACTIVE"
    assert body["server"]["OS-EXT-STS:power_state"] == power_state.RUNNING


def test_periodic_sync_stops_and_powers_off(ready):
    cloud, server_id = ready
    manager = cloud.computes["compute1"].manager
    driver = cloud.driver("compute1")
    driver.instances[server_id].state = power_state.SHUTDOWN     # no event came
    manager.sync_power_states(cloud.ctxt)
    cloud.wait_for_status(server_id, "SHUTOFF", timeout=5)
    # The database says stopped but the guest runs: the sync powers it off.
    driver.instances[server_id].state = power_state.RUNNING
    manager.sync_power_states(cloud.ctxt)
    assert driver.instances[server_id].state == power_state.SHUTDOWN
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id)
    assert body["server"]["status"] == "SHUTOFF"


def test_guests_of_active_servers_start_again_after_a_host_reboot(ready):
    import nova.conf
    cloud, server_id = ready
    manager = cloud.computes["compute1"].manager
    driver = cloud.driver("compute1")
    driver.instances[server_id].state = power_state.SHUTDOWN     # the host rebooted
    assert manager.resume_guests_state(cloud.ctxt) == []          # off by default
    assert driver.instances[server_id].state == power_state.SHUTDOWN
    nova.conf.CONF.set_override("resume_guests_state_on_host_boot", True)
    try:
        assert manager.resume_guests_state(cloud.ctxt) == [server_id]
    finally:
        nova.conf.CONF.clear_override("resume_guests_state_on_host_boot")
    assert driver.instances[server_id].state == power_state.RUNNING
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id)
    assert body["server"]["status"] == "ACTIVE"
    assert body["server"]["OS-EXT-STS:power_state"] == power_state.RUNNING


def test_periodic_sync_reads_an_instance_again_only_when_it_would_change_it(ready, monkeypatch):
    from nova import objects
    cloud, server_id = ready
    manager = cloud.computes["compute1"].manager
    driver = cloud.driver("compute1")
    refreshed = []
    real_refresh = objects.Instance.refresh

    def counting_refresh(self, *args, **kwargs):
        refreshed.append(self.uuid)
        return real_refresh(self, *args, **kwargs)

    monkeypatch.setattr(objects.Instance, "refresh", counting_refresh)
    manager.sync_power_states(cloud.ctxt)          # guest and database agree
    assert refreshed == []
    driver.instances[server_id].state = power_state.SHUTDOWN
    manager.sync_power_states(cloud.ctxt)          # they differ: read again, then act
    assert refreshed == [server_id]
    cloud.wait_for_status(server_id, "SHUTOFF", timeout=5)
