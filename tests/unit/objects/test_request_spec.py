"""RequestSpec objects against a private SQLite API database."""

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base

objects.register_all()

INSTANCE = "11111111-2222-4333-8444-555555555555"
IMAGE = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


def _flavor():
    return objects.Flavor(id=1, flavorid="2", name="m1.small", memory_mb=2048, vcpus=2,
                          root_gb=20, ephemeral_gb=0, swap=0, extra_specs={"a": "b"})


def _image():
    return {"id": IMAGE, "name": "cirros", "min_ram": 64, "disk_format": "qcow2",
            "properties": {"hw_disk_bus": "virtio", "hw_qemu_guest_agent": True}}


def _spec(ctxt, **filter_props):
    props = {"scheduler_hints": {"group": "g", "different_host": ["x", "y"]},
             "retry": {"num_attempts": 2, "hosts": [["h1", "n1"]]},
             "limits": {"vcpu": 16, "memory_mb": 4096},
             "ignore_hosts": ["bad"], "force_hosts": ["h9"]}
    props.update(filter_props)
    return objects.RequestSpec.from_components(
        ctxt, INSTANCE, _image(), _flavor(), filter_properties=props,
        availability_zone="az1", security_groups=["default", {"name": "web"}])


def test_from_components(ctxt):
    spec = _spec(ctxt)
    assert (spec.project_id, spec.user_id, spec.num_instances) == ("p1", "u1", 1)
    assert spec.image.id == IMAGE and spec.image.min_ram == 64
    assert spec.image.properties.hw_disk_bus == "virtio"
    assert spec.image.properties.get("hw_qemu_guest_agent") == "true"
    assert spec.image.properties.hw_missing is None
    assert (spec.vcpus, spec.memory_mb, spec.root_gb) == (2, 2048, 20)
    assert spec.scheduler_hints == {"group": ["g"], "different_host": ["x", "y"]}
    assert spec.get_scheduler_hint("group") == "g"
    assert spec.get_scheduler_hint("different_host") == ["x", "y"]
    assert spec.get_scheduler_hint("nope", "dflt") == "dflt"
    assert spec.retry.num_attempts == 2 and spec.retry.to_dict()["hosts"] == [["h1", "n1"]]
    assert spec.limits.to_dict() == {"vcpu": 16, "memory_mb": 4096}
    assert spec.security_groups == ["default", "web"]
    assert spec.availability_zone == "az1"
    assert spec.instance_group is None and spec.is_bfv is False
    legacy = spec.to_legacy_filter_properties_dict()
    assert legacy["retry"] == {"num_attempts": 2, "hosts": [["h1", "n1"]]}
    assert legacy["scheduler_hints"] == {"group": "g", "different_host": ["x", "y"]}
    assert legacy["force_hosts"] == ["h9"]


def test_create_get_drops_per_request_fields(ctxt):
    spec = _spec(ctxt)
    spec.requested_destination = objects.Destination(host="h5", node="n5")
    spec.create()
    assert spec.id > 0
    # The object that was saved keeps what the caller set for this attempt...
    assert spec.retry.num_attempts == 2 and spec.requested_destination.host == "h5"
    # ...but a fresh read gets none of the per-request fields.
    got = objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE)
    assert got.retry is None and got.requested_destination is None
    assert got.ignore_hosts is None
    assert got.force_hosts == ["h9"]
    assert got.flavor.extra_specs == {"a": "b"} and got.flavor.flavorid == "2"
    assert got.image.properties.hw_disk_bus == "virtio"
    assert got.limits.vcpu == 16
    assert got.security_groups == ["default", "web"]
    assert not got.obj_what_changed()
    with pytest.raises(exception.ObjectActionError):
        spec.create()


def test_save_and_destroy(ctxt):
    spec = _spec(ctxt)
    spec.create()
    spec.availability_zone = "az2"
    spec.num_instances = 3
    spec.save()
    got = objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE)
    assert (got.availability_zone, got.num_instances) == ("az2", 3)
    got.destroy()
    with pytest.raises(exception.RequestSpecNotFound):
        objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE)
    with pytest.raises(exception.RequestSpecNotFound):
        got.destroy()


def test_instance_group_is_reloaded_fresh(ctxt):
    group = objects.InstanceGroup(ctxt, name="g", policy="affinity", project_id="p1",
                                  user_id="u1", members=[INSTANCE])
    group.create()
    spec = _spec(ctxt)
    spec.instance_group = group
    spec.create()
    other = "99999999-2222-4333-8444-555555555555"
    objects.InstanceGroup.add_members(ctxt, group.uuid, [other])
    got = objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE)
    assert got.instance_group.members == [INSTANCE, other]
    group.destroy()
    assert objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE).instance_group is None


def test_legacy_group_info_becomes_a_group(ctxt):
    spec = _spec(ctxt, group_updated=True, group_policies={"anti-affinity"},
                 group_hosts={"h1"}, group_members={INSTANCE})
    assert spec.instance_group.policy == "anti-affinity"
    assert spec.instance_group.hosts == ["h1"]
    assert spec.instance_group.members == [INSTANCE]


def test_reset_forced_destinations_is_not_persisted(ctxt):
    spec = _spec(ctxt)
    spec.create()
    spec.reset_forced_destinations()
    assert spec.force_hosts is None
    spec.availability_zone = "az3"
    spec.save()
    got = objects.RequestSpec.get_by_instance_uuid(ctxt, INSTANCE)
    assert got.availability_zone == "az3"


def test_destination_aggregates():
    dest = objects.Destination(host="h1")
    dest.require_aggregates(["a", "b"])
    dest.require_aggregates(["c"])
    assert dest.aggregates == ["a,b", "c"]
    dest.append_forbidden_aggregates(["x"])
    assert dest.forbidden_aggregates == {"x"}
    # Unset optional fields read as empty rather than failing.
    assert dest.cell is None and dest.node is None


def test_serializer_round_trip(ctxt):
    spec = _spec(ctxt)
    spec.requested_destination = objects.Destination(host="h5", node=None,
                                                     allow_cross_cell_move=True)
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, spec))
    assert isinstance(back, objects.RequestSpec)
    assert back.requested_destination.host == "h5"
    assert back.requested_destination.allow_cross_cell_move is True
    assert back.retry.to_dict() == spec.retry.to_dict()
    assert back.image.properties.hw_disk_bus == "virtio"
    assert back.scheduler_hints == spec.scheduler_hints
    assert back.flavor.extra_specs == {"a": "b"}
