"""InstanceList: filters, sorting, marker pagination, host queries, quota counts."""

import datetime

from oslo_utils import timeutils
import pytest

from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _names(instances):
    return sorted(i.display_name for i in instances)


def _filter(ctxt, filters, **kwargs):
    return objects.InstanceList.get_by_filters(ctxt, filters, **kwargs)


def test_exact_filters(ctxt):
    h.make_instance(ctxt, display_name="a", project_id="p1", user_id="u1", host="h1",
                    node="n1", image_ref="img-1", instance_type_id=1, reservation_id="r-1")
    h.make_instance(ctxt, display_name="b", project_id="p1", user_id="u2", host="h1",
                    node="n2", image_ref="img-2", instance_type_id=2, reservation_id="r-2",
                    vm_state=vm_states.STOPPED, task_state=task_states.POWERING_ON,
                    locked=True, locked_by="owner")
    h.make_instance(ctxt, display_name="c", project_id="p2", user_id="u3", host="h2",
                    node="n3", image_ref="img-1", instance_type_id=1, reservation_id="r-1")
    assert _names(_filter(ctxt, {"project_id": "p1"})) == ["a", "b"]
    assert _names(_filter(ctxt, {"user_id": "u2"})) == ["b"]
    assert _names(_filter(ctxt, {"host": "h1", "node": "n2"})) == ["b"]
    assert _names(_filter(ctxt, {"vm_state": [vm_states.STOPPED, vm_states.ERROR]})) == ["b"]
    assert _names(_filter(ctxt, {"task_state": None})) == ["a", "c"]
    assert _names(_filter(ctxt, {"image_ref": "img-1"})) == ["a", "c"]
    assert _names(_filter(ctxt, {"instance_type_id": 2})) == ["b"]
    assert _names(_filter(ctxt, {"reservation_id": "r-1"})) == ["a", "c"]
    assert _names(_filter(ctxt, {"locked": True})) == ["b"]
    assert _names(_filter(ctxt, {"locked": False})) == ["a", "c"]


def test_uuid_list_filter(ctxt):
    a = h.make_instance(ctxt, display_name="a")
    h.make_instance(ctxt, display_name="b")
    c = h.make_instance(ctxt, display_name="c")
    assert _names(_filter(ctxt, {"uuid": [a.uuid, c.uuid]})) == ["a", "c"]
    assert len(_filter(ctxt, {"uuid": []})) == 0


def test_display_name_is_a_regex(ctxt):
    for name in ("web-1", "web-2", "db-1"):
        h.make_instance(ctxt, display_name=name)
    assert _names(_filter(ctxt, {"display_name": "web"})) == ["web-1", "web-2"]
    assert _names(_filter(ctxt, {"display_name": "^db-[0-9]$"})) == ["db-1"]
    assert _names(_filter(ctxt, {"display_name": "1$"})) == ["db-1", "web-1"]


def test_metadata_filter(ctxt):
    h.make_instance(ctxt, display_name="a", metadata={"role": "web", "tier": "1"})
    h.make_instance(ctxt, display_name="b", metadata={"role": "db"})
    assert _names(_filter(ctxt, {"metadata": {"role": "web"}})) == ["a"]
    assert _names(_filter(ctxt, {"metadata": [{"role": "web"}, {"tier": "2"}]})) == []


def test_deleted_and_soft_deleted(ctxt):
    h.make_instance(ctxt, display_name="alive")
    h.make_instance(ctxt, display_name="soft", vm_state=vm_states.SOFT_DELETED)
    gone = h.make_instance(ctxt, display_name="gone", host="h1")
    gone.destroy()
    assert _names(_filter(ctxt, {})) == ["alive", "soft"]
    assert _names(_filter(ctxt, {"deleted": False})) == ["alive"]
    assert _names(_filter(ctxt, {"deleted": False, "soft_deleted": True})) == \
        ["alive", "soft"]
    assert _names(_filter(ctxt, {"deleted": True})) == ["gone", "soft"]
    assert _names(_filter(ctxt, {"deleted": True, "soft_deleted": False})) == ["gone"]
    deleted = _filter(ctxt, {"deleted": True, "soft_deleted": False})[0]
    assert deleted.deleted is True
    assert _names(_filter(h.with_read_deleted(ctxt, "yes"), {})) == ["alive", "gone", "soft"]


def test_changes_since_and_before(ctxt):
    old = h.make_instance(ctxt, display_name="old")
    h.make_instance(ctxt, display_name="new")
    stamp = timeutils.utcnow() + datetime.timedelta(seconds=1)
    timeutils.set_time_override(stamp + datetime.timedelta(seconds=5))
    try:
        old.display_name = "old-touched"
        old.save()
    finally:
        timeutils.clear_time_override()
    assert _names(_filter(ctxt, {"changes-since": stamp})) == ["old-touched"]
    assert _names(_filter(ctxt, {"changes-before": stamp})) == ["new"]
    # ISO 8601 strings with a zone work too, as the API passes them.
    iso = stamp.replace(tzinfo=datetime.timezone.utc).isoformat()
    assert _names(_filter(ctxt, {"changes-since": iso})) == ["old-touched"]


def test_tag_filters(ctxt):
    def tagged(name, *tags):
        h.make_instance(ctxt, display_name=name, tags=objects.TagList(
            objects=[objects.Tag(tag=t) for t in tags]))
    tagged("ab", "a", "b")
    tagged("a", "a")
    tagged("bc", "b", "c")
    tagged("none")
    assert _names(_filter(ctxt, {"tags": ["a", "b"]})) == ["ab"]
    assert _names(_filter(ctxt, {"tags-any": ["a", "c"]})) == ["a", "ab", "bc"]
    assert _names(_filter(ctxt, {"not-tags": ["a", "b"]})) == ["a", "bc", "none"]
    assert _names(_filter(ctxt, {"not-tags-any": ["a", "c"]})) == ["none"]


def test_sorting(ctxt):
    for name, mem in (("b", 2048), ("a", 1024), ("c", 1024)):
        h.make_instance(ctxt, display_name=name, memory_mb=mem)
    asc = _filter(ctxt, {}, sort_key="display_name", sort_dir="asc")
    assert [i.display_name for i in asc] == ["a", "b", "c"]
    multi = _filter(ctxt, {}, sort_keys=["memory_mb", "display_name"],
                    sort_dirs=["desc", "asc"])
    assert [i.display_name for i in multi] == ["b", "a", "c"]
    newest_first = _filter(ctxt, {})
    assert [i.display_name for i in newest_first] == ["c", "a", "b"]
    with pytest.raises(exception.InvalidSortKey):
        _filter(ctxt, {}, sort_keys=["no_such_column"], sort_dirs=["asc"])
    with pytest.raises(exception.InvalidInput):
        _filter(ctxt, {}, sort_keys=["display_name"], sort_dirs=["sideways"])


def test_marker_pagination_walks_every_instance_once(ctxt):
    made = {h.make_instance(ctxt, display_name="s%02d" % i).uuid for i in range(7)}
    seen, marker = [], None
    while True:
        page = _filter(ctxt, {}, sort_key="display_name", sort_dir="asc", limit=3,
                       marker=marker)
        if not page:
            break
        assert len(page) <= 3
        seen.extend(page)
        marker = page[-1].uuid
    assert [i.display_name for i in seen] == ["s%02d" % i for i in range(7)]
    assert {i.uuid for i in seen} == made
    with pytest.raises(exception.MarkerNotFound):
        _filter(ctxt, {}, marker="5b7c0c4e-0000-4000-8000-000000000000")


def test_expected_attrs_fill_latest_fault_and_tags(ctxt):
    a = h.make_instance(ctxt, display_name="a",
                        tags=objects.TagList(objects=[objects.Tag(tag="t")]))
    h.make_instance(ctxt, display_name="b")
    for message in ("first", "second"):
        objects.InstanceFault(ctxt, instance_uuid=a.uuid, code=500, message=message).create()
    result = {i.display_name: i for i in _filter(
        ctxt, {}, expected_attrs=["fault", "tags", "metadata", "flavor"])}
    assert result["a"].fault.message == "second"
    assert result["b"].fault is None
    assert result["a"].tags.to_list() == ["t"]
    assert result["b"].metadata == {} and result["b"].flavor is None
    assert all(i.obj_what_changed() == set() for i in result.values())


def test_host_queries(ctxt):
    a = h.make_instance(ctxt, display_name="a", host="h1", node="n1")
    b = h.make_instance(ctxt, display_name="b", host="h1", node="n2")
    h.make_instance(ctxt, display_name="c", host="h2", node="n3")
    gone = h.make_instance(ctxt, display_name="gone", host="h1", node="n1")
    gone.destroy()
    assert _names(objects.InstanceList.get_by_host(ctxt, "h1")) == ["a", "b"]
    assert _names(objects.InstanceList.get_by_host_and_node(ctxt, "h1", "n1")) == ["a"]
    assert objects.InstanceList.get_uuids_by_host(ctxt, "h1") == [a.uuid, b.uuid]
    assert objects.InstanceList.get_uuids_by_host_and_node(ctxt, "h1", "n2") == [b.uuid]
    assert len(objects.InstanceList.get_by_host(ctxt, "nowhere")) == 0


def test_user_context_lists_only_its_project(ctxt):
    h.make_instance(ctxt, display_name="mine", project_id="p1")
    h.make_instance(ctxt, display_name="theirs", project_id="p2")
    user = h.user_context(ctxt, project_id="p1")
    assert _names(_filter(user, {})) == ["mine"]
    assert _names(_filter(user, {"project_id": "p2"})) == []


def test_get_counts_for_quota(ctxt):
    h.make_instance(ctxt, project_id="p1", user_id="u1", vcpus=2, memory_mb=1024)
    h.make_instance(ctxt, project_id="p1", user_id="u2", vcpus=4, memory_mb=4096)
    h.make_instance(ctxt, project_id="p1", user_id="u1", vcpus=8, memory_mb=8192,
                    vm_state=vm_states.SOFT_DELETED)
    h.make_instance(ctxt, project_id="p1", user_id="u1", vcpus=16, memory_mb=1, hidden=True)
    gone = h.make_instance(ctxt, project_id="p1", user_id="u1", vcpus=32, memory_mb=1,
                           host="h")
    gone.destroy()
    h.make_instance(ctxt, project_id="p2", user_id="u1", vcpus=1, memory_mb=1)
    counts = objects.InstanceList.get_counts(ctxt, "p1", user_id="u1")
    assert counts == {"project": {"instances": 2, "cores": 6, "ram": 5120},
                      "user": {"instances": 1, "cores": 2, "ram": 1024}}
    assert objects.InstanceList.get_counts(ctxt, "empty") == {
        "project": {"instances": 0, "cores": 0, "ram": 0}}


def test_active_by_window(ctxt):
    now = timeutils.utcnow()
    day = datetime.timedelta(days=1)
    h.make_instance(ctxt, display_name="running", launched_at=now - 3 * day)
    h.make_instance(ctxt, display_name="ended-long-ago", launched_at=now - 9 * day,
                    terminated_at=now - 8 * day)
    h.make_instance(ctxt, display_name="future", launched_at=now + day)
    ended = h.make_instance(ctxt, display_name="ended-recently", host="h",
                            launched_at=now - 5 * day, terminated_at=now - day)
    ended.destroy()
    found = objects.InstanceList.get_active_by_window_joined(ctxt, now - 2 * day, now)
    assert _names(found) == ["ended-recently", "running"]
