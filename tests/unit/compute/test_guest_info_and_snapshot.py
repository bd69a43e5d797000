"""The pieces of snapshots, console logs and diagnostics that need no cloud:
the tail of a log, the snapshot's image properties, the Diagnostics format
and the fake hypervisor's side of the driver contract."""

import types

import pytest

from nova.compute import api_snapshot
from nova.compute import guest_info
from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.virt import diagnostics
from nova.virt import fake

LOG = b"one\ntwo\nthree\n"


@pytest.mark.parametrize("length, expected", [
    (None, LOG), (-1, LOG), (-5, LOG), (0, b""), (1, b"three\n"), (2, b"two\nthree\n"),
    (3, LOG), (10, LOG), ("2", b"two\nthree\n")])
def test_tail(length, expected):
    assert guest_info.tail(LOG, length) == expected


def test_tail_of_a_log_without_final_newline():
    assert guest_info.tail(b"a\nb\nc", 2) == b"b\nc"
    assert guest_info.tail(b"", 3) == b""


def _instance(**fields):
    values = dict(uuid="0e7c1b0a-7c4b-4b7e-9f5a-2c1d3e4f5a6b", project_id="p1",
                  image_ref="11111111-2222-3333-4444-555555555555", system_metadata={})
    values.update(fields)
    return types.SimpleNamespace(**values)


def test_snapshot_image_meta_inherits_and_drops_as_upstream():
    instance = _instance(system_metadata={
        "image_disk_format": "qcow2", "image_container_format": "bare",
        "image_min_ram": "64", "image_min_disk": "1",
        "image_hw_disk_bus": "virtio", "image_os_distro": "cirros",
        "image_img_signature": "sig", "image_img_signature_hash_method": "SHA-256",
        "image_cache_in_nova": "True", "image_os_glance_importing_to_stores": "x",
        "image_base_image_ref": "11111111-2222-3333-4444-555555555555",
        "image_image_type": "snapshot", "image_instance_uuid": "someone-else",
        "image_kernel_id": None, "owner_user_name": "not an image key"})
    ctxt = types.SimpleNamespace(user_id="u1", project_id="p9")
    meta = api_snapshot.snapshot_image_meta(ctxt, instance, "snap", {"purpose": "x"})
    assert meta == {
        "name": "snap", "owner": "p1", "visibility": "private",
        "disk_format": "qcow2", "container_format": "bare", "min_ram": 64, "min_disk": 1,
        "properties": {"hw_disk_bus": "virtio", "os_distro": "cirros", "purpose": "x",
                       "image_type": "snapshot", "instance_uuid": instance.uuid,
                       "user_id": "u1",
                       "base_image_ref": "11111111-2222-3333-4444-555555555555"}}


def test_user_properties_cannot_override_what_the_snapshot_sets():
    ctxt = types.SimpleNamespace(user_id="u1", project_id="p1")
    meta = api_snapshot.snapshot_image_meta(
        ctxt, _instance(), "snap", {"image_type": "backup", "instance_uuid": "x"})
    assert meta["properties"]["image_type"] == "snapshot"
    assert meta["properties"]["instance_uuid"] == _instance().uuid


def test_diagnostics_to_dict_has_every_field_and_counts_devices():
    diags = diagnostics.Diagnostics(state="running", driver="libvirt", uptime=5,
                                    memory_details={"maximum": 512, "used": 256})
    diags.add_cpu(id=0, time=10, utilisation=None)
    diags.add_nic(mac_address="fa:16:3e:00:00:01", rx_octets=1)
    diags.add_disk(read_bytes=2)
    diags.add_disk()
    body = diags.to_dict()
    assert list(body) == list(diagnostics.FIELDS)
    assert (body["num_cpus"], body["num_nics"], body["num_disks"]) == (1, 1, 2)
    assert body["cpu_details"] == [{"id": 0, "time": 10, "utilisation": None}]
    assert body["nic_details"][0]["rx_octets"] == 1
    assert body["nic_details"][0]["tx_rate"] is None
    assert body["disk_details"][1] == dict.fromkeys(diagnostics.DiskDiagnostics.COUNTERS)
    assert body["hypervisor"] is None and body["config_drive"] is None
    with pytest.raises(TypeError):
        diags.add_nic(mac_address="x", rx_bytes=1)
    with pytest.raises(TypeError):
        diags.add_disk(reads=1)


def _fake_with_guest(state=power_state.RUNNING):
    driver = fake.FakeDriver()
    driver.init_host("h")
    instance = types.SimpleNamespace(uuid="guest-1", name="instance-00000001",
                                     config_drive=False, get_network_info=lambda: [])
    driver.add_instance(instance.name, instance.uuid, state, vcpus=2, memory_mb=256)
    return driver, instance


def test_fake_snapshot_moves_the_task_states_in_order_before_uploading():
    driver, instance = _fake_with_guest()
    driver.fail_next_snapshots(message="stop before the upload")
    calls = []
    with pytest.raises(fake.SnapshotFailure):
        driver.snapshot(None, instance, "image-1",
                        lambda task_state, expected_state: calls.append(
                            (task_state, expected_state)))
    assert calls == [(task_states.IMAGE_PENDING_UPLOAD, task_states.IMAGE_SNAPSHOT),
                     (task_states.IMAGE_UPLOADING, task_states.IMAGE_PENDING_UPLOAD)]
    assert driver.snapshots == []


def test_fake_snapshot_of_a_missing_guest_is_instance_not_found():
    driver, instance = _fake_with_guest()
    driver.remove_instance(instance.uuid)
    with pytest.raises(exception.InstanceNotFound):
        driver.snapshot(None, instance, "image-1", lambda **kw: None)


def test_fake_console_log_and_diagnostics():
    driver, instance = _fake_with_guest()
    log = driver.get_console_output(None, instance)
    assert isinstance(log, bytes) and log.endswith(b"instance-00000001 login:\n")
    assert driver.get_diagnostics(instance)["cpu1_time"] > 0
    body = driver.get_instance_diagnostics(instance).to_dict()
    assert body["state"] == "running" and body["num_cpus"] == 2
    assert body["memory_details"] == {"maximum": 256, "used": 128}
    driver.pause(instance)
    assert driver.get_instance_diagnostics(instance).state == "paused"


def test_the_api_shows_every_field_the_drivers_fill():
    from nova.api.openstack.compute import server_diagnostics
    assert server_diagnostics.FIELDS == diagnostics.FIELDS


def test_snapshot_is_a_compute_operation_that_keeps_the_vm_state():
    from nova.compute import snapshot
    rules = snapshot.SnapshotOperations.snapshot_instance.operation_rules
    assert rules.event == "snapshot_instance"
    assert rules.success_vm_state is None  # the operation keeps the vm_state itself
    assert rules.vm_state_after(fake.SnapshotFailure("x")) is None  # never ERROR
    assert rules.on_error_allocation == "keep"
