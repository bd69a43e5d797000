"""Aggregate objects against a private SQLite API database."""

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base

objects.register_all()


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.get_admin_context()


def _agg(ctxt, name, metadata=None):
    agg = objects.Aggregate(ctxt, name=name)
    if metadata is not None:
        agg.metadata = metadata
    agg.create()
    return agg


def test_create_with_az_and_get(ctxt):
    agg = _agg(ctxt, "rack1", {"availability_zone": "az1", "ssd": "true"})
    assert agg.id > 0 and len(agg.uuid) == 36
    assert agg.availability_zone == "az1"
    assert agg.hosts == []
    got = objects.Aggregate.get_by_uuid(ctxt, agg.uuid)
    assert got.metadata == {"availability_zone": "az1", "ssd": "true"}
    assert objects.Aggregate.get_by_id(ctxt, agg.id).name == "rack1"
    assert _agg(ctxt, "plain").availability_zone is None


def test_duplicate_name_and_missing(ctxt):
    _agg(ctxt, "rack1")
    with pytest.raises(exception.AggregateNameExists):
        _agg(ctxt, "rack1")
    with pytest.raises(exception.AggregateNotFound):
        objects.Aggregate.get_by_id(ctxt, 999)


def test_rename_and_set_az_via_save(ctxt):
    agg = _agg(ctxt, "rack1", {"a": "1"})
    other = _agg(ctxt, "rack2")
    agg.name = "rack-one"
    agg.save()
    assert objects.Aggregate.get_by_id(ctxt, agg.id).name == "rack-one"
    other.name = "rack-one"
    with pytest.raises(exception.AggregateNameExists):
        other.save()
    agg.metadata = {"availability_zone": "az9"}
    agg.save()
    got = objects.Aggregate.get_by_id(ctxt, agg.id)
    assert got.metadata == {"availability_zone": "az9"}
    assert got.availability_zone == "az9"


def test_update_metadata_adds_changes_and_deletes(ctxt):
    agg = _agg(ctxt, "rack1", {"a": "1", "b": "2"})
    agg.update_metadata({"a": "10", "b": None, "c": "3", "missing": None})
    assert agg.metadata == {"a": "10", "c": "3"}
    assert objects.Aggregate.get_by_id(ctxt, agg.id).metadata == {"a": "10", "c": "3"}
    agg.update_metadata({"availability_zone": "az2"})
    assert objects.Aggregate.get_by_id(ctxt, agg.id).availability_zone == "az2"


def test_hosts(ctxt):
    agg = _agg(ctxt, "rack1")
    agg.add_host("h1")
    agg.add_host("h2")
    with pytest.raises(exception.AggregateHostExists):
        agg.add_host("h1")
    assert objects.Aggregate.get_by_id(ctxt, agg.id).hosts == ["h1", "h2"]
    agg.delete_host("h1")
    assert agg.hosts == ["h2"]
    with pytest.raises(exception.AggregateHostNotFound):
        agg.delete_host("h1")
    assert objects.Aggregate.get_by_id(ctxt, agg.id).hosts == ["h2"]


def test_destroy(ctxt):
    agg = _agg(ctxt, "rack1", {"a": "1"})
    agg.add_host("h1")
    agg.destroy()
    with pytest.raises(exception.AggregateNotFound):
        objects.Aggregate.get_by_id(ctxt, agg.id)
    assert len(objects.AggregateList.get_by_host(ctxt, "h1")) == 0
    assert _agg(ctxt, "rack1").metadata == {}


def test_lists(ctxt):
    a = _agg(ctxt, "a", {"availability_zone": "az1", "ssd": "true"})
    b = _agg(ctxt, "b", {"ssd": "false"})
    c = _agg(ctxt, "c", {"gpu": "yes"})
    a.add_host("h1")
    b.add_host("h1")
    c.add_host("h2")
    names = lambda aggs: sorted(x.name for x in aggs)  # noqa: E731
    assert names(objects.AggregateList.get_all(ctxt)) == ["a", "b", "c"]
    assert names(objects.AggregateList.get_by_host(ctxt, "h1")) == ["a", "b"]
    assert names(objects.AggregateList.get_by_host(ctxt, "h1", key="availability_zone")) \
        == ["a"]
    assert names(objects.AggregateList.get_by_metadata_key(ctxt, "ssd")) == ["a", "b"]
    assert names(objects.AggregateList.get_by_metadata_key(ctxt, "ssd", hosts=["h2"])) == []
    assert names(objects.AggregateList.get_by_metadata(ctxt, key="ssd", value="true")) \
        == ["a"]
    assert names(objects.AggregateList.get_by_metadata(ctxt, value="yes")) == ["c"]


def test_serializer_round_trip(ctxt):
    agg = _agg(ctxt, "rack1", {"availability_zone": "az1"})
    agg.add_host("h1")
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, agg))
    assert (back.uuid, back.hosts, back.availability_zone) == (agg.uuid, ["h1"], "az1")
