"""BuildRequest objects against a private SQLite API database."""

import datetime

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base

objects.register_all()

UUIDS = ["%08d-0000-4000-8000-000000000000" % i for i in range(6)]


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


def _build_request(ctxt, uuid, name="vm", project_id="p1", tags=(), **inst_kwargs):
    flavor = objects.Flavor(id=1, flavorid="2", name="m1.small", memory_mb=512, vcpus=1,
                            root_gb=1, ephemeral_gb=0, swap=0, extra_specs={})
    instance = objects.Instance(uuid=uuid, display_name=name, project_id=project_id,
                                user_id=ctxt.user_id, vm_state="building",
                                task_state="scheduling", flavor=flavor,
                                metadata={"k": "v"}, **inst_kwargs)
    bdm = objects.BlockDeviceMapping(instance_uuid=uuid, source_type="image",
                                     destination_type="local", boot_index=0,
                                     image_id="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
    tag_list = objects.TagList(objects=[objects.Tag(resource_id=uuid, tag=t) for t in tags])
    req = objects.BuildRequest(ctxt, instance_uuid=uuid, project_id=project_id,
                               instance=instance,
                               block_device_mappings=objects.BlockDeviceMappingList(
                                   objects=[bdm]),
                               tags=tag_list)
    req.create()
    return req


def test_create_and_get(ctxt):
    req = _build_request(ctxt, UUIDS[0], name="web", tags=["blue"])
    assert req.id > 0
    got = objects.BuildRequest.get_by_instance_uuid(ctxt, UUIDS[0])
    inst = got.instance
    assert (inst.uuid, inst.display_name, inst.vm_state) == (UUIDS[0], "web", "building")
    assert inst.flavor.name == "m1.small"
    assert inst.metadata == {"k": "v"}
    # Cell-only fields read as unset, and the timestamps are the request's.
    assert inst.host is None and inst.launched_at is None and inst.deleted is False
    assert inst.created_at == got.created_at is not None
    assert [t.tag for t in inst.tags] == ["blue"] == [t.tag for t in got.tags]
    assert got.block_device_mappings[0].boot_index == 0
    assert not inst.obj_what_changed()


def test_create_needs_instance_uuid_and_is_once(ctxt):
    with pytest.raises(exception.ObjectActionError):
        objects.BuildRequest(ctxt, project_id="p1").create()
    req = _build_request(ctxt, UUIDS[0])
    with pytest.raises(exception.ObjectActionError):
        req.create()


def test_save_updates_instance(ctxt):
    req = _build_request(ctxt, UUIDS[0])
    req.instance.display_name = "renamed"
    req.instance = req.instance
    req.save()
    assert objects.BuildRequest.get_by_instance_uuid(
        ctxt, UUIDS[0]).instance.display_name == "renamed"


def test_destroy(ctxt):
    req = _build_request(ctxt, UUIDS[0])
    req.destroy()
    with pytest.raises(exception.BuildRequestNotFound):
        objects.BuildRequest.get_by_instance_uuid(ctxt, UUIDS[0])
    with pytest.raises(exception.BuildRequestNotFound):
        req.destroy()


def test_get_all_is_scoped_to_the_project(ctxt):
    _build_request(ctxt, UUIDS[0])
    _build_request(ctxt, UUIDS[1], project_id="p2")
    assert [r.instance_uuid for r in objects.BuildRequestList.get_all(ctxt)] == [UUIDS[0]]
    admin = ctxt.elevated()
    assert len(objects.BuildRequestList.get_all(admin)) == 2


def test_get_by_filters(ctxt):
    admin = ctxt.elevated()
    base_time = datetime.datetime(2024, 1, 1)
    for i, name in enumerate(["alpha", "beta", "gamma", "alphabet"]):
        req = _build_request(ctxt, UUIDS[i], name=name, tags=["even"] if i % 2 == 0 else [],
                             project_id="p1" if i < 3 else "p2")
        # Distinct creation times make the default (newest first) order certain.
        with api_db.get_engine().begin() as conn:
            conn.execute(api_models.BuildRequest.__table__.update().where(
                api_models.BuildRequest.id == req.id).values(
                created_at=base_time + datetime.timedelta(minutes=i),
                updated_at=base_time + datetime.timedelta(minutes=i)))
    uuids = lambda reqs: [r.instance_uuid for r in reqs]  # noqa: E731
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {})) == UUIDS[3::-1]
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"project_id": "p1"})) \
        == [UUIDS[2], UUIDS[1], UUIDS[0]]
    # A non-admin sees its own project only.
    assert uuids(objects.BuildRequestList.get_by_filters(ctxt, {})) \
        == [UUIDS[2], UUIDS[1], UUIDS[0]]
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"display_name": "^alpha"})) \
        == [UUIDS[3], UUIDS[0]]
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"uuid": UUIDS[1]})) \
        == [UUIDS[1]]
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"tags": ["even"]})) \
        == [UUIDS[2], UUIDS[0]]
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"deleted": True})) == []
    assert uuids(objects.BuildRequestList.get_by_filters(
        admin, {"changes-since": "2024-01-01T00:02:00Z"})) == [UUIDS[3], UUIDS[2]]
    assert len(objects.BuildRequestList.get_by_filters(admin, {"metadata": {"k": "v"}})) == 4
    assert uuids(objects.BuildRequestList.get_by_filters(admin, {"metadata": {"k": "x"}})) == []
    # Filters an instance outside any cell cannot have are not held against it.
    assert len(objects.BuildRequestList.get_by_filters(admin, {"ip": "10.0.0.1"})) == 4
    assert uuids(objects.BuildRequestList.get_by_filters(
        admin, {}, sort_keys=["display_name"], sort_dirs=["asc"])) == [
        UUIDS[0], UUIDS[3], UUIDS[1], UUIDS[2]]
    page = objects.BuildRequestList.get_by_filters(admin, {}, limit=2, marker=UUIDS[2])
    assert uuids(page) == [UUIDS[1], UUIDS[0]]
    with pytest.raises(exception.MarkerNotFound):
        objects.BuildRequestList.get_by_filters(admin, {}, marker=UUIDS[5])


def test_serializer_round_trip(ctxt):
    req = _build_request(ctxt, UUIDS[0], name="web")
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, req))
    assert back.instance.display_name == "web" and back.instance_uuid == UUIDS[0]
    reqs = objects.BuildRequestList.get_all(ctxt)
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, reqs))
    assert [r.instance.uuid for r in back] == [UUIDS[0]]
