"""Instance: create/get/save/destroy, state guards, lazy loading, RPC shape."""

import json

import pytest

from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects
from nova.objects import base as obj_base
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def test_create_assigns_id_uuid_empty_info_cache_and_name(ctxt):
    inst = h.make_instance(ctxt)
    assert inst.id > 0 and len(inst.uuid) == 36
    assert inst.info_cache.network_info == []
    assert inst.name == "instance-%08x" % inst.id
    assert inst.locked is False and inst.hidden is False and inst.deleted is False
    assert inst.obj_what_changed() == set()


def test_create_twice_is_refused(ctxt):
    inst = h.make_instance(ctxt)
    with pytest.raises(exception.ObjectActionError):
        inst.create()


def test_create_keeps_a_given_uuid_and_refuses_a_duplicate(ctxt):
    uuid = "0fdc7d76-7a63-4b48-8b35-3b7e6fd0b1a1"
    h.make_instance(ctxt, uuid=uuid)
    assert objects.Instance.get_by_uuid(ctxt, uuid).uuid == uuid
    with pytest.raises(exception.InstanceExists):
        h.make_instance(ctxt, uuid=uuid)


def test_get_by_uuid_and_id_and_not_found(ctxt):
    inst = h.make_instance(ctxt, display_name="web1", access_ip_v4="10.0.0.5")
    by_uuid = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    by_id = objects.Instance.get_by_id(ctxt, inst.id)
    assert by_uuid.display_name == by_id.display_name == "web1"
    assert str(by_uuid.access_ip_v4) == "10.0.0.5"
    # info_cache is loaded by default, nothing else optional is.
    assert by_uuid.obj_attr_is_set("info_cache")
    assert not by_uuid.obj_attr_is_set("metadata")
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctxt, "9b1a4b8a-0000-4000-8000-000000000000")
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_id(ctxt, 4242)


def test_create_writes_metadata_system_metadata_tags_and_flavor(ctxt):
    inst = h.make_instance(
        ctxt, metadata={"role": "db"}, system_metadata={"image_os_distro": "debian"},
        flavor=h.make_flavor(), tags=objects.TagList(objects=[objects.Tag(tag="blue"),
                                                             objects.Tag(tag="red")]))
    loaded = objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["metadata", "system_metadata", "tags", "flavor"])
    assert loaded.metadata == {"role": "db"}
    assert loaded.system_metadata == {"image_os_distro": "debian"}
    assert loaded.tags.to_list() == ["blue", "red"]
    assert loaded.flavor.name == "m1.small"
    assert loaded.flavor.extra_specs == {"hw:cpu_policy": "shared"}
    assert loaded.old_flavor is None and loaded.new_flavor is None
    assert loaded.obj_what_changed() == set()


def test_create_with_too_many_tags_is_refused(ctxt):
    tags = objects.TagList(objects=[objects.Tag(tag="t%d" % i)
                                    for i in range(objects.instance.MAX_TAG_COUNT + 1)])
    with pytest.raises(exception.TagLimitExceeded):
        h.make_instance(ctxt, tags=tags)


def test_save_in_place_metadata_edits(ctxt):
    inst = h.make_instance(ctxt, metadata={"a": "1", "b": "2"})
    inst.metadata["c"] = "3"
    del inst.metadata["a"]
    assert "metadata" in inst.obj_what_changed()
    inst.save()
    assert inst.obj_what_changed() == set()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["metadata"])
    assert loaded.metadata == {"b": "2", "c": "3"}


def test_save_updates_columns_and_updated_at(ctxt):
    inst = h.make_instance(ctxt)
    assert inst.updated_at is None
    inst.display_name = "renamed"
    inst.host = "compute1"
    inst.save()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert loaded.display_name == "renamed" and loaded.host == "compute1"
    assert loaded.updated_at is not None


def test_save_with_expected_task_state(ctxt):
    inst = h.make_instance(ctxt)
    inst.task_state = task_states.REBOOTING
    inst.save(expected_task_state=[None])
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).task_state == "rebooting"

    stale = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    stale.task_state = task_states.PAUSING
    stale.display_name = "not written"
    with pytest.raises(exception.UnexpectedTaskStateError) as err:
        stale.save(expected_task_state=[None])
    assert "Actual: rebooting" in str(err.value)
    assert not isinstance(err.value, exception.UnexpectedDeletingTaskStateError)
    current = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert current.task_state == "rebooting" and current.display_name == "server"

    stale.save(expected_task_state=task_states.REBOOTING)
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).task_state == "pausing"


def test_save_against_a_deleting_instance(ctxt):
    inst = h.make_instance(ctxt, task_state=task_states.DELETING)
    other = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    other.task_state = None
    other.vm_state = vm_states.ACTIVE
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        other.save(expected_task_state=[task_states.SPAWNING])


def test_save_with_expected_vm_state(ctxt):
    inst = h.make_instance(ctxt, vm_state=vm_states.STOPPED)
    inst.vm_state = vm_states.ACTIVE
    with pytest.raises(exception.UnexpectedVMStateError):
        inst.save(expected_vm_state=[vm_states.PAUSED])
    inst.save(expected_vm_state=[vm_states.STOPPED])
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).vm_state == "active"


def test_save_flavor_change_for_a_resize(ctxt):
    inst = h.make_instance(ctxt, flavor=h.make_flavor())
    inst = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["flavor"])
    bigger = h.make_flavor(name="m1.large", memory_mb=8192, vcpus=4, flavor_id=4)
    inst.old_flavor = inst.flavor
    inst.new_flavor = bigger
    inst.save()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert loaded.new_flavor.name == "m1.large"   # lazy-loaded
    assert loaded.old_flavor.name == "m1.small"
    assert loaded.get_flavor("new").vcpus == 4
    loaded.flavor = loaded.new_flavor
    loaded.delete_flavor("old")
    loaded.delete_flavor("new")
    loaded.save()
    final = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["flavor"])
    assert final.flavor.name == "m1.large" and final.old_flavor is None


def test_save_info_cache_through_the_instance(ctxt):
    inst = h.make_instance(ctxt)
    inst.info_cache.network_info = [{"id": "port-1", "address": "fa:16:3e:00:00:01"}]
    assert "info_cache" in inst.obj_what_changed()
    inst.save()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert loaded.get_network_info()[0]["id"] == "port-1"


def test_keypairs_round_trip(ctxt):
    keypairs = objects.KeyPairList(objects=[objects.KeyPair(
        name="mykey", user_id="fake-user", fingerprint="aa:bb", public_key="ssh-rsa AAA",
        type="ssh")])
    inst = h.make_instance(ctxt, keypairs=keypairs)
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert [k.name for k in loaded.keypairs] == ["mykey"]
    plain = h.make_instance(ctxt)
    assert len(objects.Instance.get_by_uuid(ctxt, plain.uuid).keypairs) == 0


def test_lazy_loading(ctxt):
    inst = h.make_instance(ctxt, metadata={"k": "v"}, system_metadata={"s": "1"},
                           tags=objects.TagList(objects=[objects.Tag(tag="x")]))
    objects.InstanceFault(ctxt, instance_uuid=inst.uuid, code=500, message="boom",
                          details="tb", host="h1").create()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=[])
    for attr in ("metadata", "system_metadata", "tags", "fault", "info_cache"):
        assert not loaded.obj_attr_is_set(attr)
    assert loaded.metadata == {"k": "v"}
    assert loaded.system_metadata == {"s": "1"}
    assert loaded.tags.to_list() == ["x"]
    assert loaded.fault.message == "boom"
    assert loaded.info_cache.network_info == []
    assert loaded.obj_what_changed() == set()


def test_lazy_loading_refusals(ctxt):
    inst = h.make_instance(ctxt)
    with pytest.raises(exception.ObjectActionError):
        objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=[]).obj_load_attr(
            "hostname")
    orphan = objects.Instance(uuid=inst.uuid)
    with pytest.raises(exception.OrphanedObjectError):
        orphan.metadata


def test_refresh_picks_up_other_writers(ctxt):
    inst = h.make_instance(ctxt, metadata={"a": "1"})
    mine = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["metadata"])
    theirs = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["metadata"])
    theirs.vm_state = vm_states.STOPPED
    theirs.metadata["a"] = "2"
    theirs.save()
    mine.refresh()
    assert mine.vm_state == "stopped" and mine.metadata == {"a": "2"}
    assert mine.obj_what_changed() == set()


def test_delete_metadata_key(ctxt):
    inst = h.make_instance(ctxt, metadata={"a": "1", "b": "2"})
    inst.delete_metadata_key("a")
    assert inst.metadata == {"b": "2"} and inst.obj_what_changed() == set()
    assert objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["metadata"]).metadata == {"b": "2"}


def test_destroy_soft_deletes_instance_and_children(ctxt):
    inst = h.make_instance(ctxt, host="compute1", metadata={"a": "1"},
                           tags=objects.TagList(objects=[objects.Tag(tag="x")]))
    objects.InstanceFault(ctxt, instance_uuid=inst.uuid, code=500, message="boom").create()
    uuid = inst.uuid
    inst.destroy()
    assert inst.deleted and inst.deleted_at is not None
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctxt, uuid)
    with pytest.raises(exception.ObjectActionError):
        inst.destroy()

    deleted_ctxt = h.with_read_deleted(ctxt, "yes")
    gone = objects.Instance.get_by_uuid(deleted_ctxt, uuid, expected_attrs=[])
    assert gone.deleted is True
    # Lazy loads on a deleted instance see what it had, except tags (removed).
    assert gone.metadata == {}
    assert gone.tags.to_list() == []
    assert gone.fault.message == "boom"   # faults are kept for the record
    with pytest.raises(exception.InstanceInfoCacheNotFound):
        objects.InstanceInfoCache.get_by_instance_uuid(ctxt, uuid)


def test_destroy_refuses_when_a_host_was_assigned_meanwhile(ctxt):
    inst = h.make_instance(ctxt)   # not scheduled yet: no host
    scheduled = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    scheduled.host = "compute1"
    scheduled.save()
    with pytest.raises(exception.ObjectActionError) as err:
        inst.destroy()
    assert "host changed" in str(err.value)
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid).host == "compute1"


def test_hard_delete_removes_everything(ctxt):
    inst = h.make_instance(ctxt, metadata={"a": "1"})
    objects.InstanceFault(ctxt, instance_uuid=inst.uuid, code=500, message="x").create()
    uuid = inst.uuid
    inst.destroy(hard_delete=True)
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(h.with_read_deleted(ctxt, "yes"), uuid)
    assert objects.InstanceFault.get_latest_for_instance(ctxt, uuid) is None


def test_user_context_sees_only_its_project(ctxt):
    inst = h.make_instance(ctxt, project_id="other-project")
    mine = h.make_instance(ctxt, project_id="p1")
    user = h.user_context(ctxt, project_id="p1")
    assert objects.Instance.get_by_uuid(user, mine.uuid).uuid == mine.uuid
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(user, inst.uuid)


def test_rpc_round_trip_with_nested_objects(ctxt):
    inst = h.make_instance(ctxt, metadata={"a": "1"}, flavor=h.make_flavor(),
                           tags=objects.TagList(objects=[objects.Tag(tag="x")]))
    inst.info_cache.network_info = [{"id": "port-1"}]
    inst.save()
    objects.InstanceFault(ctxt, instance_uuid=inst.uuid, code=404, message="gone").create()
    loaded = objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["metadata", "system_metadata", "info_cache",
                                         "fault", "tags", "flavor", "keypairs"])
    loaded.task_state = task_states.REBOOTING   # a pending change crosses too

    serializer = obj_base.NovaObjectSerializer()
    wire = json.loads(json.dumps(serializer.serialize_entity(ctxt, loaded)))
    back = serializer.deserialize_entity(ctxt, wire)

    assert isinstance(back, objects.Instance)
    assert back.obj_to_primitive() == loaded.obj_to_primitive()
    assert back.info_cache.network_info == [{"id": "port-1"}]
    assert back.fault.message == "gone"
    assert back.tags.to_list() == ["x"]
    assert back.flavor.name == "m1.small"
    assert back.obj_what_changed() == {"task_state"}
    # The receiver can keep working with it: edit in place and save.
    back.metadata["b"] = "2"
    back.save(expected_task_state=[None])
    again = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["metadata"])
    assert again.metadata == {"a": "1", "b": "2"} and again.task_state == "rebooting"


def test_saving_one_flavor_keeps_the_others(ctxt):
    inst = h.make_instance(ctxt, flavor=h.make_flavor(),
                           old_flavor=h.make_flavor(name="m1.tiny", flavor_id=1))
    plain = objects.Instance.get_by_uuid(ctxt, inst.uuid)   # no flavors loaded
    plain.new_flavor = h.make_flavor(name="m1.large", flavor_id=4)
    plain.save()
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["flavor"])
    assert (loaded.flavor.name, loaded.old_flavor.name, loaded.new_flavor.name) == \
        ("m1.small", "m1.tiny", "m1.large")


DEVICES = [{"type": "nic", "bus": "pci", "address": "0000:00:03.0",
            "mac": "fa:16:3e:00:00:01", "tags": ["web"], "vlan": 42}]


def test_device_metadata_is_kept_in_instance_extra_and_lazy_loaded(ctxt):
    inst = h.make_instance(ctxt)
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid,
                                        expected_attrs=["device_metadata"]
                                        ).device_metadata is None
    inst.device_metadata = DEVICES
    DEVICES[0]["tags"].append("not-saved")     # the object holds its own copy
    inst.save()
    DEVICES[0]["tags"].remove("not-saved")
    loaded = objects.Instance.get_by_uuid(ctxt, inst.uuid,
                                          expected_attrs=["device_metadata"])
    assert loaded.device_metadata == DEVICES
    lazy = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    assert not lazy.obj_attr_is_set("device_metadata")
    assert lazy.device_metadata == DEVICES
    # Saving another field leaves it alone; None clears it.
    lazy.display_name = "renamed"
    lazy.save()
    inst.device_metadata = None
    inst.save()
    assert objects.Instance.get_by_uuid(ctxt, inst.uuid,
                                        expected_attrs=["device_metadata"]
                                        ).device_metadata is None
    with pytest.raises(ValueError):
        inst.device_metadata = [object()]


def test_device_metadata_is_dropped_for_a_1_0_peer(ctxt):
    inst = h.make_instance(ctxt)
    inst.device_metadata = DEVICES
    manifest = dict(obj_base.NovaObjectSerializer._obj_version_manifest(), Instance="1.0")
    primitive = inst.obj_to_primitive(target_version="1.0", version_manifest=manifest)
    assert primitive["nova_object.version"] == "1.0"
    assert "device_metadata" not in primitive["nova_object.data"]
    assert inst.obj_to_primitive()["nova_object.data"]["device_metadata"] == DEVICES
