"""The cell, host and instance mapping objects against a real API database."""

import pytest

from nova import context
from nova import exception
from nova.objects import cell_mapping as cell_obj
from nova.objects import host_mapping as host_obj
from nova.objects import instance_mapping as im_obj

UUID1 = "11111111-1111-4111-8111-111111111111"
UUID2 = "22222222-2222-4222-8222-222222222222"
INST1 = "aaaaaaaa-0000-4000-8000-000000000001"
INST2 = "aaaaaaaa-0000-4000-8000-000000000002"
INST3 = "aaaaaaaa-0000-4000-8000-000000000003"


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def make_cell(ctxt, uuid, name, **kw):
    cell = cell_obj.CellMapping(ctxt, uuid=uuid, name=name, transport_url="fake://",
                                database_connection="sqlite:///%s.db" % name, **kw)
    cell.create()
    return cell


def test_cell_mapping_crud(databases, ctxt):
    cell = make_cell(ctxt, UUID1, "one")
    assert cell.disabled is False
    assert not cell.is_cell0()
    loaded = cell_obj.CellMapping.get_by_uuid(ctxt, UUID1)
    assert (loaded.id, loaded.name) == (cell.id, "one")
    loaded.name = "uno"
    loaded.save()
    assert cell_obj.CellMapping.get_by_uuid(ctxt, UUID1).name == "uno"
    with pytest.raises(exception.CellMappingExists):
        make_cell(ctxt, UUID1, "dup")
    loaded.destroy()
    with pytest.raises(exception.CellMappingNotFound):
        cell_obj.CellMapping.get_by_uuid(ctxt, UUID1)


def test_cell0_uuid():
    cell0 = cell_obj.CellMapping(uuid=cell_obj.CellMapping.CELL0_UUID)
    assert cell0.is_cell0()
    assert cell_obj.CellMapping.CELL0_UUID == "00000000-0000-0000-0000-000000000000"


def test_cell_urls_may_be_templates(databases, ctxt, monkeypatch):
    from nova.conf import CONF
    CONF.set_override("connection", "mysql+pymysql://nova:s3cret@dbhost:3306/nova",
                      group="database")
    try:
        cell = cell_obj.CellMapping(
            ctxt, uuid=UUID1, name="t", transport_url="fake://",
            database_connection="{scheme}://{username}:{password}@{hostname}/nova_cell7")
        cell.create()
        loaded = cell_obj.CellMapping.get_by_uuid(ctxt, UUID1)
        assert loaded.database_connection == "mysql+pymysql://nova:s3cret@dbhost/nova_cell7"
    finally:
        CONF.set_override("connection", databases.main_url, group="database")
    assert cell_obj.format_url("plain://url", "x://y") == "plain://url"


def test_host_mapping(databases, ctxt):
    one = make_cell(ctxt, UUID1, "one")
    two = make_cell(ctxt, UUID2, "two")
    mapping = host_obj.HostMapping(ctxt, host="h1", cell_mapping=one)
    mapping.create()
    host_obj.HostMapping(ctxt, host="h2", cell_mapping=one).create()
    got = host_obj.HostMapping.get_by_host(ctxt, "h1")
    assert got.cell_mapping.uuid == UUID1
    with pytest.raises(exception.HostMappingExists):
        host_obj.HostMapping(ctxt, host="h1", cell_mapping=two).create()
    got.cell_mapping = two
    got.save()
    assert host_obj.HostMapping.get_by_host(ctxt, "h1").cell_mapping.name == "two"
    assert [m.host for m in host_obj.HostMappingList.get_by_cell_id(ctxt, one.id)] == ["h2"]
    assert sorted(m.host for m in host_obj.HostMappingList.get_all(ctxt)) == ["h1", "h2"]
    got.destroy()
    with pytest.raises(exception.HostMappingNotFound):
        host_obj.HostMapping.get_by_host(ctxt, "h1")


def test_instance_mapping(databases, ctxt):
    one = make_cell(ctxt, UUID1, "one")
    make_cell(ctxt, UUID2, "two")
    unscheduled = im_obj.InstanceMapping(ctxt, instance_uuid=INST1, project_id="p1",
                                         user_id="u1", cell_mapping=None)
    unscheduled.create()
    assert unscheduled.cell_mapping is None
    assert unscheduled.queued_for_delete is False
    unscheduled.cell_mapping = one
    unscheduled.save()
    got = im_obj.InstanceMapping.get_by_instance_uuid(ctxt, INST1)
    assert got.cell_mapping.uuid == UUID1
    im_obj.InstanceMapping(ctxt, instance_uuid=INST2, project_id="p1", user_id="u2",
                           cell_mapping=one).create()
    im_obj.InstanceMapping(ctxt, instance_uuid=INST3, project_id="p2", user_id="u1",
                           cell_mapping=one).create()
    with pytest.raises(exception.InstanceMappingExists):
        im_obj.InstanceMapping(ctxt, instance_uuid=INST1, project_id="p1").create()
    by_project = im_obj.InstanceMappingList.get_by_project_id(ctxt, "p1")
    assert sorted(m.instance_uuid for m in by_project) == [INST1, INST2]
    assert [c.uuid for c in cell_obj.CellMappingList.get_by_project_id(ctxt, "p1")] == [UUID1]
    assert im_obj.InstanceMappingList.get_counts(ctxt, "p1", "u1") == \
        {"project": {"instances": 2}, "user": {"instances": 1}}
    got.queued_for_delete = True
    got.save()
    assert im_obj.InstanceMappingList.get_counts(ctxt, "p1") == {"project": {"instances": 1}}
    live = im_obj.InstanceMappingList.get_not_deleted_by_cell_and_project(ctxt, UUID1, "p1")
    assert [m.instance_uuid for m in live] == [INST2]
    assert len(im_obj.InstanceMappingList.get_by_instance_uuids(ctxt, [INST1, INST3])) == 2
    got.destroy()
    with pytest.raises(exception.InstanceMappingNotFound):
        im_obj.InstanceMapping.get_by_instance_uuid(ctxt, INST1)
