"""Flavor objects against a private SQLite API database."""

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base

objects.register_all()


@pytest.fixture
def admin(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="admin", project_id="admin-proj",
                                          is_admin=True)


def _user(project_id="p1"):
    return nova_context.RequestContext(user_id="u1", project_id=project_id)


def _flavor(ctxt, name="m1.small", flavorid="2", memory_mb=2048, vcpus=1, root_gb=20,
            **kwargs):
    flavor = objects.Flavor(ctxt, name=name, flavorid=flavorid, memory_mb=memory_mb,
                            vcpus=vcpus, root_gb=root_gb, **kwargs)
    flavor.create()
    return flavor


def test_create_fills_defaults_and_reads_back(admin):
    flavor = _flavor(admin, extra_specs={"hw:cpu_policy": "dedicated"},
                     description="two gigs")
    got = objects.Flavor.get_by_flavor_id(admin, "2")
    assert got.id == flavor.id
    assert (got.name, got.memory_mb, got.vcpus, got.root_gb) == ("m1.small", 2048, 1, 20)
    assert (got.ephemeral_gb, got.swap, got.rxtx_factor) == (0, 0, 1.0)
    assert got.is_public is True and got.disabled is False
    assert got.extra_specs == {"hw:cpu_policy": "dedicated"}
    assert got.description == "two gigs"
    assert objects.Flavor.get_by_id(admin, flavor.id).flavorid == "2"
    assert objects.Flavor.get_by_name(admin, "m1.small").id == flavor.id
    assert not got.obj_what_changed()


@pytest.mark.parametrize("flavorid", [None, "auto"])
def test_flavorid_is_generated_when_auto(admin, flavorid):
    flavor = _flavor(admin, flavorid=flavorid)
    assert len(flavor.flavorid) == 36
    assert objects.Flavor.get_by_flavor_id(admin, flavor.flavorid).name == "m1.small"


def test_duplicates_are_refused(admin):
    _flavor(admin)
    with pytest.raises(exception.FlavorExists):
        _flavor(admin, flavorid="other")
    with pytest.raises(exception.FlavorIdExists):
        _flavor(admin, name="other")


def test_missing_flavors(admin):
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(admin, "nope")
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_id(admin, 42)
    with pytest.raises(exception.FlavorNotFoundByName):
        objects.Flavor.get_by_name(admin, "nope")


def test_save_extra_specs_add_change_delete_and_description(admin):
    flavor = _flavor(admin, extra_specs={"a": "1", "b": "2"})
    flavor.extra_specs["a"] = "10"
    flavor.extra_specs["c"] = "3"
    del flavor.extra_specs["b"]
    flavor.description = "new words"
    flavor.save()
    got = objects.Flavor.get_by_flavor_id(admin, "2")
    assert got.extra_specs == {"a": "10", "c": "3"}
    assert got.description == "new words"
    assert not flavor.obj_what_changed()


def test_save_refuses_read_only_changes(admin):
    flavor = _flavor(admin)
    flavor.vcpus = 8
    with pytest.raises(exception.ObjectActionError):
        flavor.save()
    assert objects.Flavor.get_by_flavor_id(admin, "2").vcpus == 1


def test_destroy_removes_flavor_and_its_rows(admin):
    flavor = _flavor(admin, extra_specs={"a": "1"}, is_public=False, projects=["p1"])
    flavor.destroy()
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(admin, "2")
    with pytest.raises(exception.FlavorNotFound):
        flavor.destroy()
    # The name and flavorid are free again.
    assert _flavor(admin).extra_specs == {}


def test_access_list_and_private_visibility(admin):
    private = _flavor(admin, name="private", flavorid="p", is_public=False)
    _flavor(admin, name="public", flavorid="q")
    assert private.projects == []
    private.add_access("p1")
    assert private.projects == ["p1"]
    with pytest.raises(exception.FlavorAccessExists):
        private.add_access("p1")

    # p1 sees the private flavor; p2 does not, even by id.
    assert objects.Flavor.get_by_flavor_id(_user("p1"), "p").name == "private"
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(_user("p2"), "p")
    assert [f.flavorid for f in objects.FlavorList.get_all(_user("p1"))] == ["p", "q"]
    assert [f.flavorid for f in objects.FlavorList.get_all(_user("p2"))] == ["q"]
    # is_public=True for a project: public ones plus those shared with it.
    listed = objects.FlavorList.get_all(_user("p1"), filters={"is_public": True})
    assert [f.flavorid for f in listed] == ["p", "q"]
    listed = objects.FlavorList.get_all(admin, filters={"is_public": False})
    assert [f.flavorid for f in listed] == ["p"]

    private.remove_access("p1")
    assert private.projects == []
    with pytest.raises(exception.FlavorAccessNotFound):
        private.remove_access("p1")
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(_user("p1"), "p")


def test_projects_lazy_load_and_save(admin):
    flavor = _flavor(admin, is_public=False, projects=["p1", "p2"])
    got = objects.Flavor.get_by_flavor_id(admin, "2")
    assert not got.obj_attr_is_set("projects")
    assert got.projects == ["p1", "p2"]
    got.projects = ["p2", "p3"]
    got.save()
    assert objects.Flavor.get_by_id(admin, flavor.id).projects == ["p2", "p3"]


def test_list_filters_sorting_and_pagination(admin):
    for i, (mem, root) in enumerate([(512, 1), (2048, 20), (4096, 40), (8192, 80)]):
        _flavor(admin, name="f%d" % i, flavorid=str(i + 1), memory_mb=mem, root_gb=root,
                disabled=(i == 3))
    everything = objects.FlavorList.get_all(admin)
    assert [f.flavorid for f in everything] == ["1", "2", "3", "4"]
    big = objects.FlavorList.get_all(admin, filters={"min_memory_mb": 2048, "min_root_gb": 30})
    assert [f.flavorid for f in big] == ["3", "4"]
    enabled = objects.FlavorList.get_all(admin, filters={"disabled": False})
    assert [f.flavorid for f in enabled] == ["1", "2", "3"]
    by_mem = objects.FlavorList.get_all(admin, sort_key="memory_mb", sort_dir="desc")
    assert [f.memory_mb for f in by_mem] == [8192, 4096, 2048, 512]
    page1 = objects.FlavorList.get_all(admin, limit=2)
    page2 = objects.FlavorList.get_all(admin, limit=2, marker=page1[-1].flavorid)
    assert [f.flavorid for f in page1 + page2] == ["1", "2", "3", "4"]
    assert len(objects.FlavorList.get_all(admin, limit=2, marker="4")) == 0
    with pytest.raises(exception.MarkerNotFound):
        objects.FlavorList.get_all(admin, marker="missing")


def test_serializer_round_trip(admin):
    flavor = _flavor(admin, extra_specs={"a": "1"})
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(admin, ser.serialize_entity(admin, flavor))
    assert isinstance(back, objects.Flavor)
    assert (back.id, back.flavorid, back.extra_specs) == (flavor.id, "2", {"a": "1"})
    assert not back.obj_what_changed()
    flist = objects.FlavorList.get_all(admin)
    back = ser.deserialize_entity(admin, ser.serialize_entity(admin, flist))
    assert [f.name for f in back] == ["m1.small"]


def test_duplicates_and_visibility_on_every_backend(any_db_url):
    """The duplicate errors depend on each backend's constraint messages."""
    with api_db.use_connection(any_db_url) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        admin = nova_context.get_admin_context()
        flavor = _flavor(admin, is_public=False, extra_specs={"A": "1", "a": "2"})
        with pytest.raises(exception.FlavorExists):
            _flavor(admin, flavorid="other")
        with pytest.raises(exception.FlavorIdExists):
            _flavor(admin, name="other")
        flavor.add_access("p1")
        with pytest.raises(exception.FlavorAccessExists):
            flavor.add_access("p1")
        assert objects.Flavor.get_by_flavor_id(_user("p1"), "2").extra_specs == {
            "A": "1", "a": "2"}
        assert len(objects.FlavorList.get_all(_user("p2"))) == 0
        flavor.destroy()
