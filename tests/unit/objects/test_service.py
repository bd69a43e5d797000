"""Service and ComputeNode objects against a real (SQLite) cell database."""

import pytest

from nova import exception
from nova import objects
from nova.objects import base as obj_base
from tests import dbfixtures

objects.register_all()


@pytest.fixture
def ctxt(tmp_path):
    return dbfixtures.cell_context("sqlite:///%s" % (tmp_path / "cell.db"))


def _service(ctxt, host="host1", binary="nova-compute"):
    svc = objects.Service(ctxt, host=host, binary=binary, topic="compute",
                          report_count=0, disabled=False, forced_down=False)
    svc.create()
    return svc


def test_create_assigns_id_uuid_and_current_version(ctxt):
    svc = _service(ctxt)
    assert svc.id > 0
    assert len(svc.uuid) == 36
    assert svc.version == objects.service.SERVICE_VERSION
    again = objects.Service.get_by_host_and_binary(ctxt, "host1", "nova-compute")
    assert again.uuid == svc.uuid


def test_duplicate_host_and_binary_is_refused(ctxt):
    _service(ctxt)
    with pytest.raises(exception.ServiceBinaryExists):
        _service(ctxt)


def test_create_twice_on_one_object_is_an_error(ctxt):
    svc = _service(ctxt)
    with pytest.raises(exception.ObjectActionError):
        svc.create()


def test_save_heartbeat_sets_last_seen_up(ctxt):
    svc = _service(ctxt)
    assert svc.last_seen_up is None
    svc.report_count += 1
    svc.save()
    fresh = objects.Service.get_by_id(ctxt, svc.id)
    assert fresh.report_count == 1
    assert fresh.last_seen_up is not None


def test_disable_with_reason_round_trips(ctxt):
    svc = _service(ctxt)
    svc.disabled = True
    svc.disabled_reason = "maintenance"
    svc.save()
    fresh = objects.Service.get_by_uuid(ctxt, svc.uuid)
    assert (fresh.disabled, fresh.disabled_reason) == (True, "maintenance")
    assert [s.host for s in objects.ServiceList.get_all(ctxt, disabled=True)] == ["host1"]
    assert len(objects.ServiceList.get_by_binary(ctxt, "nova-compute")) == 0
    assert len(objects.ServiceList.get_by_binary(ctxt, "nova-compute",
                                                 include_disabled=True)) == 1


def test_destroy_soft_deletes_service_and_its_compute_nodes(ctxt):
    svc = _service(ctxt)
    node = _node(ctxt, svc)
    svc.destroy()
    assert objects.Service.get_by_host_and_binary(ctxt, "host1", "nova-compute") is None
    with pytest.raises(exception.ServiceNotFound):
        objects.Service.get_by_id(ctxt, svc.id)
    with pytest.raises(exception.ComputeHostNotFound):
        objects.ComputeNode.get_by_id(ctxt, node.id)
    # The host can register again after its old record was deleted.
    assert _service(ctxt).id != svc.id


def test_minimum_version_ignores_forced_down(ctxt):
    a = _service(ctxt, host="a")
    b = _service(ctxt, host="b")
    a.version = 3
    a.save()
    b.version = 1
    b.forced_down = True
    b.save()
    assert objects.Service.get_minimum_version(ctxt, "nova-compute") == 3


def _node(ctxt, svc, name="node1", **kw):
    values = dict(service_id=svc.id, host=svc.host, vcpus=8, memory_mb=16384, local_gb=100,
                  vcpus_used=0, memory_mb_used=512, local_gb_used=0, hypervisor_type="fake",
                  hypervisor_version=1000, hypervisor_hostname=name, cpu_info="{}",
                  host_ip="127.0.0.1", supported_hv_specs=[["x86_64", "fake", "hvm"]],
                  stats={"num_instances": "0"}, cpu_allocation_ratio=4.0,
                  ram_allocation_ratio=1.0, disk_allocation_ratio=1.0, mapped=0)
    values.update(kw)
    node = objects.ComputeNode(ctxt, **values)
    node.create()
    return node


def test_compute_node_round_trip_keeps_json_fields(ctxt):
    node = _node(ctxt, _service(ctxt))
    fresh = objects.ComputeNode.get_by_uuid(ctxt, node.uuid)
    assert fresh.supported_hv_specs == [["x86_64", "fake", "hvm"]]
    assert fresh.stats == {"num_instances": "0"}
    assert str(fresh.host_ip) == "127.0.0.1"
    fresh.memory_mb_used = 2048
    fresh.stats = {"num_instances": "2"}
    fresh.save()
    again = objects.ComputeNode.get_by_host_and_nodename(ctxt, "host1", "node1")
    assert (again.memory_mb_used, again.stats) == (2048, {"num_instances": "2"})


def test_unmapped_nodes_and_hypervisor_search(ctxt):
    svc = _service(ctxt)
    a = _node(ctxt, svc, name="alpha.example")
    _node(ctxt, svc, name="beta.example", mapped=1)
    unmapped = objects.ComputeNodeList.get_all_by_not_mapped(ctxt, 1)
    assert [n.uuid for n in unmapped] == [a.uuid]
    assert [n.hypervisor_hostname for n in
            objects.ComputeNodeList.get_by_hypervisor(ctxt, "beta")] == ["beta.example"]
    page = objects.ComputeNodeList.get_all_by_pagination(ctxt, limit=1, marker=a.id)
    assert [n.hypervisor_hostname for n in page] == ["beta.example"]


def test_objects_survive_the_rpc_serializer(ctxt):
    svc = _service(ctxt)
    node = _node(ctxt, svc)
    ser = obj_base.NovaObjectSerializer()
    for obj in (svc, node, objects.ComputeNodeList.get_all(ctxt)):
        prim = ser.serialize_entity(ctxt, obj)
        assert "nova_object.name" in prim
        back = ser.deserialize_entity(ctxt, prim)
        assert type(back) is type(obj)
        assert back.obj_to_primitive() == obj.obj_to_primitive()
