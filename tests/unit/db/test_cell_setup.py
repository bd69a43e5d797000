"""Cells v2 set-up against real SQLite databases: mapping cells and hosts."""

import pytest

import nova.conf
from nova import context
from nova.objects import cell_setup
from nova.db import migration
from nova import exception
from nova import objects
from nova.objects import cell_mapping as cell_obj
from nova.objects import compute_node as compute_obj
from nova.objects import host_mapping as host_obj
from nova.objects import instance_mapping as im_obj
from nova.objects import service as service_obj

objects.register_all()

CONF = nova.conf.CONF
FAKE_TRANSPORT = "fake://"


@pytest.fixture
def ctxt():
    return context.get_admin_context()


def make_compute(cctxt, host, node=None):
    service = service_obj.Service(cctxt, host=host, binary="nova-compute",
                                  topic="compute", report_count=0, disabled=False,
                                  forced_down=False)
    service.create()
    node = compute_obj.ComputeNode(
        cctxt, host=host, hypervisor_hostname=node or host, service_id=service.id,
        vcpus=4, memory_mb=4096, local_gb=40, vcpus_used=0, memory_mb_used=0,
        local_gb_used=0, hypervisor_type="fake", hypervisor_version=1, cpu_info="{}",
        supported_hv_specs=[], cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0,
        disk_allocation_ratio=1.0, mapped=0)
    node.create()
    return node


def test_cell0_url_is_derived_from_the_main_database():
    derive = cell_setup.cell0_database_connection
    assert derive("mysql+pymysql://nova:pw@db.example/nova?charset=utf8") == \
        "mysql+pymysql://nova:pw@db.example/nova_cell0?charset=utf8"
    assert derive("postgresql://u@h/nova") == "postgresql://u@h/nova_cell0"
    assert derive("sqlite:////var/lib/nova/nova.sqlite") == \
        "sqlite:////var/lib/nova/nova_cell0.sqlite"
    assert derive("sqlite:////var/lib/nova/nova") == "sqlite:////var/lib/nova/nova_cell0"
    with pytest.raises(cell_setup.InvalidDatabaseConnection):
        derive("sqlite://")


def test_map_cell0_is_idempotent(databases, ctxt):
    first = cell_setup.map_cell0(ctxt)
    assert first.is_cell0()
    assert first.name == "cell0"
    assert first.database_connection == databases.cell_url("nova_cell0")
    again = cell_setup.map_cell0(ctxt, database_connection="sqlite:///elsewhere")
    assert again.id == first.id
    assert again.database_connection == first.database_connection
    assert len(cell_obj.CellMappingList.get_all(ctxt)) == 1


def test_create_cell_refuses_a_duplicate(databases, ctxt):
    cell = cell_setup.create_cell(ctxt, "c1", FAKE_TRANSPORT, databases.cell_url("c1"))
    assert not cell.is_cell0()
    assert cell_obj.CellMapping.get_by_uuid(ctxt, cell.uuid).name == "c1"
    with pytest.raises(cell_setup.DuplicateCell) as err:
        cell_setup.create_cell(ctxt, "again", FAKE_TRANSPORT, databases.cell_url("c1"))
    assert cell.uuid in err.value.format_message()
    with pytest.raises(cell_setup.InvalidDatabaseConnection):
        cell_setup.create_cell(ctxt, "bad", FAKE_TRANSPORT, "nosuchdialect://x")
    with pytest.raises(cell_setup.InvalidTransportURL):
        cell_setup.create_cell(ctxt, "bad", "no-scheme-here", databases.cell_url("c2"))


def test_create_cell_checks_the_broker_is_reachable(databases, ctxt):
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(cell_setup.TransportUnreachable):
        cell_setup.create_cell(ctxt, "c1", "rabbit://guest:guest@127.0.0.1:%d/" % port,
                               databases.cell_url("c1"))
    assert len(cell_obj.CellMappingList.get_all(ctxt)) == 0


def test_simple_cell_setup_twice_gives_the_same_cells(databases, ctxt):
    first = cell_setup.simple_cell_setup(ctxt, transport_url=FAKE_TRANSPORT)
    assert first.cell.name == "cell1"
    assert first.cell.database_connection == databases.main_url
    assert migration.db_version("main", url=first.cell0.database_connection) == \
        migration.head_revision("main")
    second = cell_setup.simple_cell_setup(ctxt, transport_url=FAKE_TRANSPORT)
    assert (second.cell0.uuid, second.cell.uuid) == (first.cell0.uuid, first.cell.uuid)
    assert sorted(c.name for c in cell_obj.CellMappingList.get_all(ctxt)) == \
        ["cell0", "cell1"]


def test_simple_cell_setup_needs_a_transport_url(databases, ctxt):
    from nova import rpc
    rpc.register_opts(CONF)
    CONF.set_override("transport_url", None)
    try:
        with pytest.raises(cell_setup.MissingTransportURL):
            cell_setup.simple_cell_setup(ctxt, transport_url=None)
    finally:
        CONF.clear_override("transport_url")
    assert cell_obj.CellMappingList.get_all(ctxt).objects == []


def test_discover_hosts_maps_each_compute_once(databases, ctxt):
    setup = cell_setup.simple_cell_setup(ctxt, transport_url=FAKE_TRANSPORT)
    with context.target_cell(ctxt, setup.cell) as cctxt:
        make_compute(cctxt, "compute1")
        make_compute(cctxt, "compute2", node="compute2-a")
    messages = []
    added = cell_setup.discover_hosts(ctxt, status_fn=messages.append)
    assert sorted(m.host for m in added) == ["compute1", "compute2"]
    assert all(m.cell_mapping.uuid == setup.cell.uuid for m in added)
    assert any("cell0" in m for m in messages)
    assert host_obj.HostMapping.get_by_host(ctxt, "compute1").cell_mapping.name == "cell1"
    with context.target_cell(ctxt, setup.cell) as cctxt:
        assert all(n.mapped == 1 for n in compute_obj.ComputeNodeList.get_all(cctxt))
    assert cell_setup.discover_hosts(ctxt) == []
    assert cell_setup.discover_hosts(ctxt, cell_uuid=setup.cell.uuid) == []
    hosts = host_obj.HostMappingList.get_by_cell_id(ctxt, setup.cell.id)
    assert sorted(h.host for h in hosts) == ["compute1", "compute2"]


def test_discover_hosts_by_service(databases, ctxt):
    setup = cell_setup.simple_cell_setup(ctxt, transport_url=FAKE_TRANSPORT)
    with context.target_cell(ctxt, setup.cell) as cctxt:
        service_obj.Service(cctxt, host="svc-only", binary="nova-compute", topic="compute",
                            report_count=0, disabled=True, forced_down=False).create()
    assert cell_setup.discover_hosts(ctxt) == []
    added = cell_setup.discover_hosts(ctxt, by_service=True)
    assert [m.host for m in added] == ["svc-only"]
    assert cell_setup.discover_hosts(ctxt, by_service=True) == []


def test_discover_hosts_in_a_missing_cell(databases, ctxt):
    with pytest.raises(exception.CellMappingNotFound):
        cell_setup.discover_hosts(ctxt, cell_uuid="9f3c1f0a-0000-4000-8000-000000000000")


def test_delete_cell_refuses_while_hosts_are_mapped(databases, ctxt):
    setup = cell_setup.simple_cell_setup(ctxt, transport_url=FAKE_TRANSPORT)
    with context.target_cell(ctxt, setup.cell) as cctxt:
        make_compute(cctxt, "compute1")
    cell_setup.discover_hosts(ctxt)
    with pytest.raises(cell_setup.CellHasHosts):
        cell_setup.delete_cell(ctxt, setup.cell.uuid)
    cell_setup.delete_cell(ctxt, setup.cell.uuid, force=True)
    with pytest.raises(exception.HostMappingNotFound):
        host_obj.HostMapping.get_by_host(ctxt, "compute1")
    with pytest.raises(exception.CellMappingNotFound):
        cell_setup.delete_cell(ctxt, setup.cell.uuid)


def test_delete_cell_with_instance_mappings(databases, ctxt):
    cell = cell_setup.create_cell(ctxt, "c1", FAKE_TRANSPORT, databases.main_url)
    im_obj.InstanceMapping(ctxt, instance_uuid="5a1f2a5e-0000-4000-8000-000000000001",
                           cell_mapping=cell, project_id="p1", user_id="u1").create()
    # The instance itself is gone from the cell: only the mapping remains.
    with pytest.raises(cell_setup.CellHasInstanceMappings):
        cell_setup.delete_cell(ctxt, cell.uuid)
    cell_setup.delete_cell(ctxt, cell.uuid, force=True)
    assert im_obj.InstanceMappingList.get_by_project_id(ctxt, "p1").objects == []


def test_update_cell(databases, ctxt):
    cell0 = cell_setup.map_cell0(ctxt)
    cell = cell_setup.create_cell(ctxt, "c1", FAKE_TRANSPORT, databases.cell_url("c1"))
    other = cell_setup.create_cell(ctxt, "c2", FAKE_TRANSPORT, databases.cell_url("c2"))
    updated = cell_setup.update_cell(ctxt, cell.uuid, name="renamed", disable=True)
    assert (updated.name, updated.disabled) == ("renamed", True)
    assert [c.uuid for c in cell_obj.CellMappingList.get_by_disabled(ctxt, True)] == \
        [cell.uuid]
    assert {c.uuid for c in cell_obj.CellMappingList.get_by_disabled(ctxt, False)} == \
        {cell0.uuid, other.uuid}
    with pytest.raises(cell_setup.Cell0CannotBeToggled):
        cell_setup.update_cell(ctxt, cell0.uuid, disable=True)
    with pytest.raises(cell_setup.DuplicateCell):
        cell_setup.update_cell(ctxt, cell.uuid, database_connection=databases.cell_url("c2"))
    with pytest.raises(exception.CellMappingNotFound):
        cell_setup.update_cell(ctxt, "9f3c1f0a-0000-4000-8000-000000000000", name="x")


def test_mask_password():
    assert cell_setup.mask_password("rabbit://u:secret@h:5672/v") == "rabbit://u:****@h:5672/v"
    assert cell_setup.mask_password("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
