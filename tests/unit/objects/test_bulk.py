"""Lists built from rows in bulk: same objects as one by one, optional fields on demand."""

import datetime

import pytest
import sqlalchemy as sa

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import objects
from nova.objects import base as obj_base
from nova.objects import bulk

objects.register_all()


@pytest.fixture
def admin(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        statements = []
        engines = {mgr.writer.get_engine(), mgr.reader.get_engine()}
        for engine in engines:
            sa.event.listen(engine, "before_cursor_execute",
                            lambda conn, cursor, stmt, *args: statements.append(stmt))
        ctxt = nova_context.RequestContext(user_id="admin", project_id="admin-proj",
                                           is_admin=True)
        ctxt.statements = statements
        yield ctxt


def _flavors(ctxt, count):
    for i in range(count):
        flavor = objects.Flavor(ctxt, name="f%d" % i, flavorid=str(i), memory_mb=64 + i,
                                vcpus=1, root_gb=i, rxtx_factor=1.5, is_public=(i != 1),
                                description="d%d" % i if i else None,
                                extra_specs={"k": str(i)} if i % 2 else {})
        flavor.create()
        if i == 1:
            flavor.add_access("p1")


def _selects(ctxt, table):
    return [s for s in ctxt.statements if s.lstrip().upper().startswith("SELECT")
            and ("FROM %s" % table) in s]


def test_list_equals_one_by_one_and_is_clean(admin):
    _flavors(admin, 4)
    listed = objects.FlavorList.get_all(admin)
    assert not listed.obj_what_changed()
    for flavor in listed:
        single = objects.Flavor.get_by_flavor_id(admin, flavor.flavorid)
        for name in single.fields:
            if name != "projects":
                assert getattr(flavor, name) == getattr(single, name), name
        assert not flavor.obj_what_changed()
        assert flavor.created_at.tzinfo is not None
        assert not flavor.obj_attr_is_set("projects")


def test_extra_specs_in_one_query_or_on_demand(admin):
    _flavors(admin, 5)
    del admin.statements[:]
    with_specs = objects.FlavorList.get_all(admin)
    assert len(_selects(admin, "flavor_extra_specs")) == 1
    assert not _selects(admin, "flavor_projects")
    assert [f.extra_specs for f in with_specs] == [{}, {"k": "1"}, {}, {"k": "3"}, {}]

    del admin.statements[:]
    without = objects.FlavorList.get_all(admin, expected_attrs=[])
    assert not _selects(admin, "flavor_extra_specs")
    assert not any(f.obj_attr_is_set("extra_specs") for f in without)
    # Read when first used, and still saved by difference afterwards.
    flavor = without[3]
    assert flavor.extra_specs == {"k": "3"}
    flavor.extra_specs["new"] = "v"
    flavor.save()
    assert objects.Flavor.get_by_flavor_id(admin, "3").extra_specs == {"k": "3", "new": "v"}


def test_listed_objects_cross_rpc(admin):
    _flavors(admin, 2)
    ser = obj_base.NovaObjectSerializer()
    listed = objects.FlavorList.get_all(admin, expected_attrs=[])
    back = ser.deserialize_entity(admin, ser.serialize_entity(admin, listed))
    assert [(f.flavorid, f.rxtx_factor, f.description) for f in back] == [
        ("0", 1.5, None), ("1", 1.5, "d1")]
    assert not back[0].obj_attr_is_set("extra_specs")


def test_build_coerces_what_is_not_already_the_field_type():
    rows = [{"id": 1, "name": "k", "user_id": "u", "fingerprint": None, "public_key": "pk",
             "type": "x509", "created_at": datetime.datetime(2020, 1, 2, 3, 4, 5),
             "updated_at": None}]
    names = ("id", "name", "user_id", "fingerprint", "public_key", "type", "created_at",
             "updated_at")
    (kp,) = bulk.build(objects.KeyPair, None, rows, names)
    assert kp.created_at == datetime.datetime(2020, 1, 2, 3, 4, 5,
                                              tzinfo=datetime.timezone.utc)
    assert (kp.fingerprint, kp.type, kp.updated_at) == (None, "x509", None)
    assert not kp.obj_what_changed()
    # An enum value outside its choices is refused, as the property refuses it.
    with pytest.raises(ValueError):
        bulk.build(objects.KeyPair, None, [dict(rows[0], type="rsa")], names)
    # A string id is converted as setting it would.
    (kp,) = bulk.build(objects.KeyPair, None, [dict(rows[0], id="7")], names)
    assert kp.id == 7


def test_reader_falls_back_to_properties_for_unset_fields(admin):
    _flavors(admin, 2)
    listed = objects.FlavorList.get_all(admin, expected_attrs=[])
    read = bulk.reader(("flavorid", "extra_specs"))
    assert read(listed[1]) == ("1", {"k": "1"})  # loaded on first use
    assert read(listed[0]) == ("0", {})
