"""nova-conductor and nova-compute as separate processes talking over RabbitMQ.

The compute has no [database] connection at all: its service row and compute
node reach the database only through the conductor (RPC calls). The test
itself calls both services, casts to the conductor, listens as two
schedulers for the compute's fanout, and finally cuts every broker connection
of the vhost to show the services reconnect.
"""

import configparser
import threading

import oslo_messaging as messaging
import pytest

from nova.compute import rpcapi as compute_rpcapi
import nova.conf
from nova import context
from nova import objects
from nova import rpc
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

CONF = nova.conf.CONF


class SchedulerListener:
    """A test-side server on topic 'scheduler' recording what it is told."""

    def __init__(self, transport, name):
        self.name = name
        self.received = []
        self.event = threading.Event()
        target = messaging.Target(topic="scheduler", server=name)
        self.server = rpc.get_server(target, [self], transport=transport)

    target = messaging.Target(version="4.0")

    def sync_instance_info(self, context, host_name, instance_uuids):
        self.received.append((host_name, list(instance_uuids)))
        self.event.set()


@pytest.fixture
def transport(rabbit_vhost):
    rpc.register_opts(CONF)
    objects.register_all()
    transport = messaging.get_rpc_transport(CONF, url=rabbit_vhost.url,
                                            allowed_remote_exmods=rpc.get_allowed_exmods())
    yield transport
    transport.cleanup()


def test_calls_casts_fanout_and_reconnect(tmp_path, rabbit_vhost, transport):
    db_path = tmp_path / "cell.sqlite"
    db_url = "sqlite:///%s" % db_path
    nova_procs.sync_cell_db(db_url)

    conductor_conf = nova_procs.write_config(
        str(tmp_path / "conductor.conf"),
        nova_procs.base_sections(tmp_path, "ctl-host", rabbit_vhost.url, db_url))
    compute_sections = nova_procs.base_sections(
        tmp_path, "cpu-host", rabbit_vhost.url, db_url=None,
        DEFAULT={"scheduler_instance_sync_interval": 1})
    compute_conf = nova_procs.write_config(str(tmp_path / "compute.conf"), compute_sections)
    parser = configparser.RawConfigParser(strict=False)
    parser.read(compute_conf)
    assert not parser.has_option("database", "connection")

    listeners = [SchedulerListener(transport, "sched-a"), SchedulerListener(transport,
                                                                            "sched-b")]
    for listener in listeners:
        listener.server.start()

    # The compute first: it waits for a conductor, whose queue does not exist
    # yet. Its pings come back undeliverable (none is dropped and waited out
    # for the early timeout) until the conductor starts.
    compute = nova_procs.Daemon("nova-compute", compute_conf)
    daemons = [compute]
    ctxt = context.get_admin_context()
    try:
        nova_procs.wait_for(lambda: "No nova-conductor is listening yet" in compute.log(),
                            timeout=60, what="the compute waiting for a conductor",
                            daemons=daemons)
        conductor = nova_procs.Daemon("nova-conductor", conductor_conf)
        daemons.append(conductor)
        nova_procs.wait_for(
            lambda: "nova-conductor connection established" in compute.log(),
            timeout=60, what="the compute hearing the conductor", daemons=daemons)
        assert "Timed out waiting for nova-conductor" not in compute.log()

        # Calls: the compute's object saves went to the conductor's database.
        rows = nova_procs.wait_for(
            lambda: (lambda r: r if {"nova-conductor", "nova-compute"} <= set(r) else None)(
                nova_procs.service_rows(db_path)),
            timeout=60, what="both service rows", daemons=daemons)
        assert rows["nova-compute"][0] == "cpu-host"
        nodes = nova_procs.wait_for(
            lambda: nova_procs.sqlite_rows(
                db_path, "SELECT host, hypervisor_hostname, vcpus, service_id "
                         "FROM compute_nodes WHERE deleted = 0"),
            timeout=30, what="the compute node", daemons=daemons)
        compute_service_id = nova_procs.sqlite_rows(
            db_path, "SELECT id FROM services WHERE binary = 'nova-compute'")[0][0]
        assert nodes == [("cpu-host", "cpu-host", 8, compute_service_id)]

        # Calls from here: ping the conductor, uptime from the compute.
        ping_client = rpc.get_client(messaging.Target(topic="conductor", namespace="baseapi",
                                                      version="1.0"), transport=transport)
        answer = ping_client.prepare(timeout=20).call(ctxt, "ping", arg="hello")
        assert answer == {"service": "conductor", "host": "ctl-host", "arg": "hello"}
        uptime = compute_rpcapi.ComputeAPI(transport=transport).get_host_uptime(
            ctxt, "cpu-host")
        assert " up " in uptime and "load average" in uptime

        # Fanout: the compute's periodic instance sync reaches both schedulers.
        for listener in listeners:
            assert listener.event.wait(30), "%s heard no sync_instance_info" % listener.name
            assert listener.received[0] == ("cpu-host", [])

        # Cast: ask the conductor (fire and forget) to save a change to a service.
        svc = objects.Service(ctxt)
        svc.id = compute_service_id
        svc.obj_reset_changes()
        svc.disabled = True
        svc.disabled_reason = "cast by the test"
        cast_client = rpc.get_client(messaging.Target(topic="conductor", version="3.0"),
                                     transport=transport)
        cast_client.cast(ctxt, "object_action", objinst=svc, objmethod="save", args=(),
                         kwargs={})
        nova_procs.wait_for(
            lambda: nova_procs.sqlite_rows(
                db_path, "SELECT disabled_reason FROM services WHERE id = ? AND disabled = 1",
                (compute_service_id,)),
            timeout=20, what="the cast's effect", daemons=daemons)

        # Reconnect: every connection on the vhost is cut; heartbeats resume.
        before = nova_procs.service_rows(db_path)
        closed = rabbit_vhost.close_connections()
        assert closed >= 2  # at least the two daemons' connections
        nova_procs.wait_for(
            lambda: all(nova_procs.service_rows(db_path)[b][1] >= before[b][1] + 3
                        for b in ("nova-conductor", "nova-compute")),
            timeout=60, what="heartbeats after the reconnect", daemons=daemons)
        assert rabbit_vhost.connections(), "nobody reconnected to the vhost"
        answer = ping_client.prepare(timeout=20).call(ctxt, "ping", arg="again")
        assert answer["arg"] == "again"
        assert " up " in compute_rpcapi.ComputeAPI(transport=transport).get_host_uptime(
            ctxt, "cpu-host")
    finally:
        for listener in listeners:
            listener.server.stop()
            listener.server.wait()
        for daemon in daemons:
            daemon.terminate()
            daemon.kill()
    assert "DBNotAllowed" not in compute.log()
