"""The conductor's group writes against real (SQLite) API and cell databases:
several instances with their rows at once, mappings pointed at a cell, build
requests deleted, and what each reports."""

import pytest

from nova import context
from nova import exception
from nova import objects
from nova.objects import cell_mapping as cell_obj

objects.register_all()

CELL = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def ctxt():
    ctxt = context.get_admin_context()
    ctxt.project_id, ctxt.user_id = "p1", "u1"
    return ctxt


def new_instance(ctxt, n, **kw):
    return objects.Instance(ctxt, uuid="aaaaaaaa-0000-4000-8000-%012d" % n, project_id="p1",
                            user_id="u1", host="h1", node="n1", vm_state="building",
                            task_state="scheduling", display_name="vm%d" % n,
                            memory_mb=64, vcpus=1, root_gb=1, ephemeral_gb=0,
                            metadata={"n": str(n)}, system_metadata={"image_x": "y"}, **kw)


def test_create_many_returns_each_instance_with_its_rows(databases, ctxt):
    instances = [new_instance(ctxt, n) for n in range(1, 4)]
    instances[1].tags = objects.TagList(objects=[objects.Tag(tag="b"), objects.Tag(tag="a")])
    objects.Instance.create_many(ctxt, instances)
    assert len({i.id for i in instances}) == 3
    for n, instance in enumerate(instances, 1):
        assert instance.obj_what_changed() == set()
        assert instance.created_at is not None
        got = objects.Instance.get_by_uuid(ctxt, instance.uuid,
                                           expected_attrs=["metadata", "system_metadata",
                                                           "info_cache", "tags"])
        assert got.id == instance.id
        assert got.metadata == {"n": str(n)} == instance.metadata
        assert got.system_metadata == {"image_x": "y"}
        assert got.info_cache.network_info == []
    assert [t.tag for t in instances[1].tags] == ["a", "b"]
    assert sorted(t.tag for t in objects.TagList.get_by_resource_id(
        ctxt, instances[1].uuid)) == ["a", "b"]


def test_create_many_refuses_a_taken_uuid(databases, ctxt):
    new_instance(ctxt, 1).create()
    with pytest.raises(exception.InstanceExists):
        objects.Instance.create_many(ctxt, [new_instance(ctxt, 2), new_instance(ctxt, 1)])


def test_block_device_mappings_and_actions_in_one_go(databases, ctxt):
    instances = [new_instance(ctxt, n) for n in (1, 2)]
    objects.Instance.create_many(ctxt, instances)
    bdms = [objects.BlockDeviceMapping(ctxt, instance_uuid=i.uuid, source_type="image",
                                       destination_type="local", boot_index=0,
                                       image_id="img", device_name="/dev/vda")
            for i in instances]
    objects.BlockDeviceMapping.create_many(ctxt, bdms)
    for instance, bdm in zip(instances, bdms):
        assert bdm.id and bdm.uuid and bdm.obj_what_changed() == set()
        listed = objects.BlockDeviceMappingList.get_by_instance_uuid(ctxt, instance.uuid)
        assert [b.id for b in listed] == [bdm.id]
    ctxt.request_id = "req-1"
    objects.InstanceAction.action_start_many(ctxt, [i.uuid for i in instances], "create")
    for instance in instances:
        action = objects.InstanceAction.get_by_request_id(ctxt, instance.uuid, "req-1")
        assert action.action == "create" and action.user_id == "u1"


def test_mappings_pointed_at_a_cell_and_build_requests_removed(databases, ctxt):
    cell = cell_obj.CellMapping(ctxt, uuid=CELL, name="one", transport_url="fake://",
                                database_connection="sqlite:///one.db")
    cell.create()
    uuids = []
    for n in (1, 2, 3):
        instance = new_instance(ctxt, n)
        uuids.append(instance.uuid)
        objects.InstanceMapping(ctxt, instance_uuid=instance.uuid, project_id="p1",
                                user_id="u1", cell_mapping=None).create()
        if n != 2:  # the second was deleted while it was scheduled
            objects.BuildRequest(ctxt, instance_uuid=instance.uuid, project_id="p1",
                                 instance=instance,
                                 block_device_mappings=objects.BlockDeviceMappingList(),
                                 tags=objects.TagList()).create()
    assert objects.InstanceMappingList.set_cell_by_instance_uuids(ctxt, uuids, cell) == 3
    for uuid in uuids:
        assert objects.InstanceMapping.get_by_instance_uuid(ctxt, uuid).cell_mapping.uuid \
            == CELL
    assert objects.BuildRequestList.destroy_by_instance_uuids(ctxt, uuids) == \
        sorted([uuids[0], uuids[2]])
    assert objects.BuildRequestList.destroy_by_instance_uuids(ctxt, uuids) == []
    with pytest.raises(exception.BuildRequestNotFound):
        objects.BuildRequest.get_by_instance_uuid(ctxt, uuids[0])
