"""RPC services in one process: registration, heartbeats, calls, casts and fanouts."""

import oslo_messaging as messaging
import pytest
import urllib.request

from nova import baserpc
import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova import context
from nova import objects
from nova import service
from nova import servicegroup
from tests.functional import inprocess

CONF = nova.conf.CONF


@pytest.fixture
def nova_env(tmp_path, monkeypatch):
    yield from inprocess.configured_nova(tmp_path, monkeypatch)


@pytest.fixture
def started():
    services = []

    def start(svc):
        svc.start()
        services.append(svc)
        return svc

    yield start
    for svc in reversed(services):
        svc.stop()


def test_conductor_registers_heartbeats_and_answers_ping(nova_env, started):
    conductor = started(service.Service.create(binary="nova-conductor", topic="conductor"))
    ctxt = context.get_admin_context()
    row = objects.Service.get_by_host_and_binary(ctxt, "test-host", "nova-conductor")
    assert (row.topic, row.version, row.disabled) == (
        "conductor", objects.service.SERVICE_VERSION, False)

    answer = baserpc.BaseAPI("conductor").ping(ctxt, "are you there", timeout=5)
    assert answer == {"service": "conductor", "host": "test-host", "arg": "are you there"}

    inprocess.wait_for(lambda: objects.Service.get_by_id(ctxt, row.id).report_count >= 2,
             what="two heartbeats")
    fresh = objects.Service.get_by_id(ctxt, row.id)
    assert fresh.last_seen_up is not None
    assert servicegroup.API().service_is_up(fresh)

    conductor.stop()
    with pytest.raises(messaging.MessagingTimeout):
        baserpc.BaseAPI("conductor").ping(ctxt, "gone?", timeout=1)


def test_restart_reuses_the_service_row(nova_env, started):
    first = service.Service.create(binary="nova-scheduler", topic="scheduler")
    first.start()
    first.stop()
    second = started(service.Service.create(binary="nova-scheduler", topic="scheduler"))
    assert second.service_ref.id == first.service_ref.id
    rows = objects.ServiceList.get_by_binary(context.get_admin_context(), "nova-scheduler")
    assert len(rows) == 1


def test_compute_records_its_node_answers_calls_and_fans_out(nova_env, started):
    started(service.Service.create(binary="nova-conductor", topic="conductor"))
    schedulers = [started(service.Service.create(host=h, binary="nova-scheduler",
                                                 topic="scheduler"))
                  for h in ("sched-1", "sched-2")]
    compute = started(service.Service.create(binary="nova-compute", topic="compute"))
    ctxt = context.get_admin_context()

    node = objects.ComputeNode.get_by_host_and_nodename(ctxt, "test-host", "test-host")
    assert node.service_id == compute.service_ref.id
    assert (node.vcpus, node.hypervisor_type) == (8, "fake")
    # Free memory leaves out the host's reservation, as upstream counts it.
    assert node.free_ram_mb == node.memory_mb - CONF.reserved_host_memory_mb

    uptime = compute_rpcapi.ComputeAPI().get_host_uptime(ctxt, "test-host")
    assert " up " in uptime

    # Every scheduler hears the (empty) list, then an instance is placed on
    # the host: the next periodic sync tells every scheduler.
    for sched in schedulers:
        inprocess.wait_for(lambda: "test-host" in sched.manager.instance_info.hosts(),
                 what="the first fanout to " + sched.host)
    objects.Instance(ctxt, uuid="5a3e0f4c-1d2b-4c3a-9e8f-7a6b5c4d3e2f", host="test-host",
                     node="test-host", project_id="p1", user_id="u1",
                     vm_state="active").create()
    for sched in schedulers:
        inprocess.wait_for(lambda: sched.manager.instance_info.instance_uuids("test-host") ==
                 ["5a3e0f4c-1d2b-4c3a-9e8f-7a6b5c4d3e2f"], what="the fanout to " + sched.host)


def test_api_service_registers_and_serves_versions(nova_env, started):
    api = started(service.WSGIService("osapi_compute", host="127.0.0.1", port=0))
    rows = objects.ServiceList.get_by_binary(context.get_admin_context(),
                                             "nova-osapi_compute")
    assert [r.host for r in rows] == ["test-host"]
    with urllib.request.urlopen("http://127.0.0.1:%d/" % api.port, timeout=5) as resp:
        assert b'"CURRENT"' in resp.read()
