"""InstanceRecord (nova.objects.instance_listing): a listed server reads as its Instance object does."""

import datetime

import pytest

from nova.compute import instance_list
from nova.compute import vm_states
from nova.db.main import instances as instances_db
from nova import objects
from nova.objects import instance_listing
from tests.unit.objects import cell_helpers as h

ATTRS = ["metadata", "system_metadata", "info_cache", "flavor", "fault", "tags"]


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _both(ctxt):
    """(objects, records) of every instance of the cell, in id order."""
    columns = objects.instance.expected_attrs_to_columns(ATTRS)
    rows = instances_db.instance_get_all_by_filters_sort(
        ctxt, {}, columns_to_join=columns, sort_keys=["id"], sort_dirs=["asc"])
    return (instance_list._to_objects(ctxt, rows, ATTRS),
            instance_list._to_objects(ctxt, rows, ATTRS, records=True))


def _naive(value):
    # Records keep the database's naive UTC times: the views print no zone.
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value


def test_records_hold_the_values_of_the_objects(ctxt):
    flavor = h.make_flavor()
    nw_info = [{"id": "port-1", "address": "fa:16:3e:00:00:01",
                "network": {"id": "net-1", "label": "private", "subnets": [
                    {"cidr": "10.0.0.0/24", "ips": [
                        {"address": "10.0.0.5", "type": "fixed", "version": 4,
                         "floating_ips": [{"address": "172.24.4.9", "type": "floating",
                                           "version": 4}]}]}]}}]
    first = h.make_instance(
        ctxt, flavor=flavor, metadata={"role": "web"}, access_ip_v4="10.1.2.3",
        access_ip_v6="2001:DB8::1", system_metadata={"image_os_distro": "debian"},
        launched_at=datetime.datetime(2026, 1, 2, 3, 4, 5, 6), locked=True,
        locked_by="admin", tags=objects.TagList(objects=[objects.Tag(tag="b"),
                                                        objects.Tag(tag="a")]))
    first.info_cache.network_info = nw_info
    first.info_cache.save()
    h.make_instance(ctxt, flavor=flavor, vm_state=vm_states.ERROR, display_name="two")
    objects.InstanceFault(ctxt, instance_uuid=first.uuid, code=500, message="boom",
                          details="trace", host="h").create()

    built, records = _both(ctxt)
    assert [r.uuid for r in records] == [i.uuid for i in built]
    for inst, record in zip(built, records):
        for name in instance_listing.COLUMNS + ("deleted", "cleaned", "metadata",
                                                 "system_metadata"):
            assert _naive(getattr(record, name)) == _naive(getattr(inst, name)), name
        assert record.name == inst.name
        assert record.obj_attr_is_set("flavor") and record.flavor.flavorid == "2"
        assert [t.tag for t in record.tags] == sorted(t.tag for t in inst.tags)
        assert record._build_request is None and not record._down_cell
    # The coerced columns come out as the object's fields make them.
    assert str(records[0].access_ip_v6) == str(built[0].access_ip_v6) == "2001:db8::1"
    assert records[0].fault.message == built[0].fault.message == "boom"
    assert records[1].fault is None and built[1].fault is None
    # Servers with the same flavor text share one Flavor object.
    assert records[0].flavor is records[1].flavor
    assert records[0].info_cache.network_info == \
        instances_db.instance_get_by_uuid(ctxt, first.uuid, ["info_cache"])[
            "info_cache"]["network_info"]


def test_record_holds_the_loaded_fields_only(ctxt):
    h.make_instance(ctxt, display_name="named")
    _built, (record,) = _both(ctxt)
    assert record.display_name == "named" and record.obj_attr_is_set("display_name")
    assert not record.obj_attr_is_set("keypairs")
    with pytest.raises(AttributeError):
        record.keypairs
