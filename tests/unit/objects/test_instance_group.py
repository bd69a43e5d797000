"""InstanceGroup (server group) objects against private SQLite databases."""

import pytest
import sqlalchemy as sa

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base
from tests import dbfixtures

objects.register_all()

UUIDS = ["%08d-0000-4000-8000-000000000000" % i for i in range(6)]


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


def _group(ctxt, name="g1", policy="anti-affinity", **kwargs):
    group = objects.InstanceGroup(ctxt, name=name, policy=policy, user_id=ctxt.user_id,
                                  project_id=ctxt.project_id, **kwargs)
    group.create()
    return group


def test_create_with_policy_rules_members(ctxt):
    group = _group(ctxt, rules={"max_server_per_host": "2"}, members=UUIDS[:2])
    assert len(group.uuid) == 36 and group.id > 0
    got = objects.InstanceGroup.get_by_uuid(ctxt, group.uuid)
    assert (got.name, got.policy, got.rules) == ("g1", "anti-affinity",
                                                  {"max_server_per_host": "2"})
    assert got.members == UUIDS[:2]
    assert got.policies == ["anti-affinity"]
    assert (got.user_id, got.project_id) == ("u1", "p1")
    plain = _group(ctxt, name="g2", policy="soft-affinity")
    assert objects.InstanceGroup.get_by_uuid(ctxt, plain.uuid).rules == {}


def test_lookups_by_name_instance_and_hint(ctxt):
    group = _group(ctxt, members=[UUIDS[0]])
    assert objects.InstanceGroup.get_by_name(ctxt, "g1").uuid == group.uuid
    assert objects.InstanceGroup.get_by_instance_uuid(ctxt, UUIDS[0]).uuid == group.uuid
    assert objects.InstanceGroup.get_by_hint(ctxt, group.uuid).name == "g1"
    assert objects.InstanceGroup.get_by_hint(ctxt, "g1").uuid == group.uuid
    other_project = nova_context.RequestContext(user_id="u1", project_id="p2")
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_name(other_project, "g1")
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_instance_uuid(ctxt, UUIDS[5])
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_uuid(ctxt, UUIDS[5])


def test_add_members_and_save(ctxt):
    group = _group(ctxt, members=[UUIDS[0]])
    added = objects.InstanceGroup.add_members(ctxt, group.uuid, [UUIDS[0], UUIDS[1]])
    assert added == [UUIDS[1]]
    group.members = group.members + [UUIDS[2]]
    group.name = "renamed"
    group.save()
    got = objects.InstanceGroup.get_by_uuid(ctxt, group.uuid)
    assert got.members == UUIDS[:3] and got.name == "renamed"
    objects.InstanceGroup.destroy_members(ctxt, [UUIDS[1]])
    assert objects.InstanceGroup.get_by_uuid(ctxt, group.uuid).members == [UUIDS[0],
                                                                           UUIDS[2]]


def test_save_refuses_hosts_and_policy(ctxt):
    group = _group(ctxt)
    group.hosts = ["h1"]
    with pytest.raises(exception.InstanceGroupSaveException):
        group.save()
    group.obj_reset_changes(["hosts"])
    group.policy = "affinity"
    with pytest.raises(exception.InstanceGroupSaveException):
        group.save()


def test_destroy(ctxt):
    group = _group(ctxt, members=[UUIDS[0]])
    group.destroy()
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_uuid(ctxt, group.uuid)
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_instance_uuid(ctxt, UUIDS[0])


def test_lists_and_counts(ctxt):
    _group(ctxt, name="a")
    _group(ctxt, name="b")
    other_user = nova_context.RequestContext(user_id="u2", project_id="p1")
    _group(other_user, name="c")
    elsewhere = nova_context.RequestContext(user_id="u3", project_id="p2")
    _group(elsewhere, name="d")
    assert sorted(g.name for g in objects.InstanceGroupList.get_by_project_id(ctxt, "p1")) \
        == ["a", "b", "c"]
    assert len(objects.InstanceGroupList.get_all(ctxt)) == 4
    assert objects.InstanceGroupList.get_counts(ctxt, "p1") == {
        "project": {"server_groups": 3}}
    assert objects.InstanceGroupList.get_counts(ctxt, "p1", user_id="u2") == {
        "project": {"server_groups": 3}, "user": {"server_groups": 1}}


def test_count_members_by_user_reads_instance_mappings(ctxt):
    group = _group(ctxt, members=UUIDS[:4])
    table = api_models.InstanceMapping.__table__
    with api_db.get_engine().begin() as conn:
        conn.execute(sa.insert(table), [
            {"instance_uuid": UUIDS[0], "project_id": "p1", "user_id": "u1",
             "queued_for_delete": False},
            {"instance_uuid": UUIDS[1], "project_id": "p1", "user_id": "u1",
             "queued_for_delete": True},
            {"instance_uuid": UUIDS[2], "project_id": "p1", "user_id": "u2",
             "queued_for_delete": False},
            {"instance_uuid": UUIDS[3], "project_id": "p1", "user_id": "u1",
             "queued_for_delete": None},
        ])
    assert group.count_members_by_user("u1") == 2
    assert group.count_members_by_user("u2") == 1


def test_hosts_are_computed_from_the_cell(ctxt, tmp_path):
    cell_ctxt = dbfixtures.cell_context("sqlite:///%s" % (tmp_path / "cell.db"))
    for uuid, host in zip(UUIDS[:3], ["h1", "h2", None]):
        objects.Instance(cell_ctxt, uuid=uuid, host=host, project_id="p1",
                         user_id="u1").create()
    group = _group(ctxt, members=UUIDS[:3])
    with group.obj_alternate_context(cell_ctxt):
        group = objects.InstanceGroup.get_by_uuid(cell_ctxt, group.uuid)
        assert group.hosts == ["h1", "h2"]
        assert not group.obj_what_changed()
        assert group.get_hosts(exclude=[UUIDS[0]]) == ["h2"]


def test_serializer_round_trip(ctxt):
    group = _group(ctxt, rules={"max_server_per_host": "3"}, members=[UUIDS[0]])
    group.hosts = ["h1"]
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, group))
    assert (back.uuid, back.policy, back.rules, back.members, back.hosts) == (
        group.uuid, "anti-affinity", {"max_server_per_host": "3"}, [UUIDS[0]], ["h1"])
