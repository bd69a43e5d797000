"""Tag and TagList: server tags and the per-server limit."""

import pytest

from nova import exception
from nova import objects
from nova.objects import tag as tag_obj
from tests.unit.objects import cell_helpers as h

MISSING = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def test_add_check_and_remove_one_tag(ctxt):
    inst = h.make_instance(ctxt)
    tag = objects.Tag(ctxt, resource_id=inst.uuid, tag="blue")
    tag.create()
    tag.create()   # adding an existing tag changes nothing
    assert objects.Tag.exists(ctxt, inst.uuid, "blue")
    assert not objects.Tag.exists(ctxt, inst.uuid, "red")
    assert objects.TagList.get_by_resource_id(ctxt, inst.uuid).to_list() == ["blue"]
    objects.Tag.destroy(ctxt, inst.uuid, "blue")
    assert not objects.Tag.exists(ctxt, inst.uuid, "blue")
    with pytest.raises(exception.TagNotFound):
        objects.Tag.destroy(ctxt, inst.uuid, "blue")


def test_taglist_create_replaces_and_destroy_removes_all(ctxt):
    inst = h.make_instance(ctxt)
    objects.TagList.create(ctxt, inst.uuid, ["a", "b"])
    replaced = objects.TagList.create(ctxt, inst.uuid, ["b", "c", "c"])
    assert replaced.to_list() == ["b", "c"]
    assert objects.TagList.get_by_resource_id(ctxt, inst.uuid).to_list() == ["b", "c"]
    objects.TagList.destroy(ctxt, inst.uuid)
    assert objects.TagList.get_by_resource_id(ctxt, inst.uuid).to_list() == []


def test_tags_of_several_servers(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    objects.TagList.create(ctxt, a.uuid, ["x"])
    objects.TagList.create(ctxt, b.uuid, ["y", "z"])
    tags = objects.TagList.get_by_resource_ids(ctxt, [a.uuid, b.uuid])
    assert sorted((t.resource_id == a.uuid, t.tag) for t in tags) == \
        [(False, "y"), (False, "z"), (True, "x")]


def test_limit_of_tags_per_server(ctxt):
    inst = h.make_instance(ctxt)
    limit = tag_obj.MAX_TAG_COUNT
    assert limit == 50
    with pytest.raises(exception.TagLimitExceeded) as err:
        objects.TagList.create(ctxt, inst.uuid, ["t%d" % i for i in range(limit + 1)])
    assert err.value.code == 400 and "50" in str(err.value)
    objects.TagList.create(ctxt, inst.uuid, ["t%d" % i for i in range(limit)])
    with pytest.raises(exception.TagLimitExceeded):
        objects.Tag(ctxt, resource_id=inst.uuid, tag="one-more").create()
    # Re-adding a present tag at the limit is still fine.
    objects.Tag(ctxt, resource_id=inst.uuid, tag="t0").create()
    assert len(objects.TagList.get_by_resource_id(ctxt, inst.uuid)) == limit


def test_tags_need_a_live_server(ctxt):
    with pytest.raises(exception.InstanceNotFound):
        objects.Tag(ctxt, resource_id=MISSING, tag="x").create()
    with pytest.raises(exception.InstanceNotFound):
        objects.TagList.create(ctxt, MISSING, ["x"])
    with pytest.raises(exception.InstanceNotFound):
        objects.Tag.exists(ctxt, MISSING, "x")
    inst = h.make_instance(ctxt, host="h1")
    objects.TagList.create(ctxt, inst.uuid, ["x"])
    inst.destroy()
    with pytest.raises(exception.InstanceNotFound):
        objects.TagList.destroy(ctxt, inst.uuid)
