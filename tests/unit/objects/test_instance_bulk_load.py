"""Instances read in bulk for lists: same rows, same objects as the one-by-one way."""

import datetime

from oslo_serialization import jsonutils
import pytest

from nova.db.main import instances as db
from nova import objects
from nova.objects import bulk
from nova.objects import instance as instance_obj
from tests.unit.objects import cell_helpers as h

ALL_ATTRS = ["metadata", "system_metadata", "info_cache", "tags", "flavor", "old_flavor",
             "new_flavor", "keypairs"]
NW_INFO = [{"id": "port-1", "address": "fa:16:3e:00:00:01",
            "network": {"id": "net-1", "label": "private", "subnets": [
                {"cidr": "10.0.0.0/24", "ips": [
                    {"address": "10.0.0.5", "type": "fixed", "version": 4,
                     "floating_ips": [{"address": "172.24.4.9", "type": "floating",
                                       "version": 4}]}]}]}}]


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _seed(ctxt):
    """Instances covering every related table, a deleted one and a bare one."""
    made = []
    for i in range(3):
        inst = h.make_instance(
            ctxt, display_name="s%d" % i, metadata={"b": "2", "a": str(i), "z": "x"},
            system_metadata={"image_os_distro": "debian", "locked_reason": None},
            flavor=h.make_flavor(), old_flavor=None, new_flavor=None,
            launched_at=datetime.datetime(2026, 1, 1, 12, 0, i))
        inst.info_cache = objects.InstanceInfoCache(ctxt, network_info=NW_INFO)
        inst.info_cache.instance_uuid = inst.uuid
        inst.info_cache.save()
        objects.TagList.create(ctxt, inst.uuid, ["web", "blue", "a-%d" % i])
        made.append(inst)
    made[1].delete_metadata_key("b")
    gone = h.make_instance(ctxt, display_name="gone", metadata={"k": "v"},
                           flavor=h.make_flavor())
    gone.destroy()
    h.make_instance(ctxt, display_name="bare")
    return made


def test_list_rows_match_the_single_row_reads(ctxt):
    _seed(ctxt)
    reading = h.with_read_deleted(ctxt, "yes")
    listed = db.instance_get_all_by_filters_sort(reading, {}, columns_to_join=db.JOINABLE,
                                                 sort_keys=["id"], sort_dirs=["asc"])
    assert [r["display_name"] for r in listed] == ["s0", "s1", "s2", "gone", "bare"]
    for row in listed:
        single = db.instance_get_by_uuid(reading, row["uuid"], columns_to_join=db.JOINABLE,
                                         read_deleted="yes")
        assert row == single
        assert list(row["metadata"]) == list(single["metadata"])
    assert listed[1]["metadata"] == {"a": "1", "z": "x"}
    assert listed[0]["tags"] == ["a-0", "blue", "web"]
    assert listed[3]["metadata"] == {}  # soft-deleted with the instance


def _reference(ctxt, row, attrs):
    """The instance built field by field through the properties (the slow way)."""
    inst = objects.Instance(ctxt)
    for name in inst.fields:
        if name in instance_obj.INSTANCE_OPTIONAL_ATTRS:
            continue
        value = row[name]
        setattr(inst, name, bool(value) if name in ("deleted", "cleaned") else value)
    inst.metadata = row["metadata"]
    inst.system_metadata = row["system_metadata"]
    cache = objects.InstanceInfoCache(ctxt)
    for key in cache.fields:
        value = row["info_cache"][key]
        setattr(cache, key, jsonutils.loads(value) if key == "network_info" else value)
    inst.info_cache = cache
    inst.tags = objects.TagList(ctxt, objects=[objects.Tag(ctxt, resource_id=inst.uuid,
                                                           tag=t) for t in row["tags"]])
    text = row["extra"]["flavor"]
    flavors = jsonutils.loads(text) if text else {}
    for attr, key in (("flavor", "cur"), ("old_flavor", "old"), ("new_flavor", "new")):
        value = flavors.get(key)
        setattr(inst, attr, objects.Flavor.obj_from_primitive(value) if value else None)
    inst._keypairs_from_db(row["extra"]["keypairs"])
    inst.obj_reset_changes(recursive=True)
    return inst


def test_listed_objects_equal_the_slow_build_and_are_clean(ctxt):
    _seed(ctxt)
    listed = objects.InstanceList.get_by_filters(ctxt, {"deleted": False},
                                                 expected_attrs=ALL_ATTRS, sort_key="id",
                                                 sort_dir="asc")
    rows = db.instance_get_all_by_filters_sort(ctxt, {"deleted": False},
                                               columns_to_join=db.JOINABLE,
                                               sort_keys=["id"], sort_dirs=["asc"])
    assert len(listed) == len(rows) == 4
    for inst, row in zip(listed, rows):
        ref = _reference(ctxt, row, ALL_ATTRS)
        assert inst.obj_to_primitive() == ref.obj_to_primitive()
        assert inst.obj_what_changed() == set()
        assert inst.created_at == ref.created_at and inst.created_at.tzinfo is not None
        assert isinstance(inst.deleted, bool) and isinstance(inst.cleaned, bool)
        assert inst.info_cache.obj_what_changed() == set()
        assert [t.obj_what_changed() for t in inst.tags] == [set()] * len(inst.tags)
    first = listed[0]
    # In-place edits are still seen as changes (the originals were recorded).
    first.metadata["new"] = "1"
    first.flavor.extra_specs["x"] = "y"
    assert {"metadata", "flavor"} <= first.obj_what_changed()
    assert first.flavor.obj_what_changed() == {"extra_specs"}
    # The flavors of two instances are separate objects.
    assert listed[1].flavor.extra_specs == {"hw:cpu_policy": "shared"}


def test_from_primitive_equals_obj_from_primitive_then_reset(ctxt):
    flavor = h.make_flavor()
    flavor.extra_specs["k"] = "v"  # a pending change travels in the primitive
    primitive = flavor.obj_to_primitive()
    slow = objects.Flavor.obj_from_primitive(primitive, context=ctxt)
    slow.obj_reset_changes(recursive=True)
    fast = bulk.from_primitive(primitive, ctxt)
    assert type(fast) is objects.Flavor and fast._context is ctxt
    assert fast.obj_to_primitive() == slow.obj_to_primitive()
    assert fast.obj_what_changed() == set() and fast.VERSION == slow.VERSION
    fast.extra_specs["more"] = "1"
    assert fast.obj_what_changed() == {"extra_specs"}


def test_bulk_fill_coerces_like_the_properties(ctxt):
    inst = objects.Instance(ctxt)
    bulk.fill(inst, {"launched_at": datetime.datetime(2026, 1, 2), "vcpus": "4",
                     "access_ip_v4": "192.0.2.1", "locked_by": "owner", "host": None})
    ref = objects.Instance(ctxt, launched_at=datetime.datetime(2026, 1, 2), vcpus="4",
                           access_ip_v4="192.0.2.1", locked_by="owner", host=None)
    for name in ("launched_at", "vcpus", "access_ip_v4", "locked_by", "host"):
        assert getattr(inst, name) == getattr(ref, name)
        assert type(getattr(inst, name)) is type(getattr(ref, name))
    assert inst.obj_what_changed() == set()
    with pytest.raises(ValueError):
        bulk.fill(inst, {"locked_by": "nobody"})


def test_from_primitive_templates_give_separate_equal_objects(ctxt):
    primitive = h.make_flavor().obj_to_primitive()
    templates = {}
    first = bulk.from_primitive(primitive, ctxt, templates)
    second = bulk.from_primitive(primitive, ctxt, templates)
    assert second is not first and second.obj_to_primitive() == first.obj_to_primitive()
    assert second.obj_what_changed() == set()
    second.extra_specs["only"] = "second"
    assert "only" not in first.extra_specs
    assert second.obj_what_changed() == {"extra_specs"}
    # The copy's containers coerce for the copy, as the property would.
    with pytest.raises(ValueError):
        second.extra_specs["bad"] = 1.5j
