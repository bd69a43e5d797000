"""The same daemon under each concurrency backend: native threads and eventlet."""

import oslo_messaging as messaging
import pytest

import nova.conf
from nova import context
from nova import rpc
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

CONF = nova.conf.CONF


@pytest.mark.parametrize("backend,how", [("threading", "default"),
                                         ("eventlet", "env"),
                                         ("eventlet", "config")])
def test_conductor_registers_answers_and_stops(tmp_path, rabbit_vhost, backend, how):
    db_path = tmp_path / "cell.sqlite"
    db_url = "sqlite:///%s" % db_path
    nova_procs.sync_cell_db(db_url)
    sections = nova_procs.base_sections(tmp_path, "ev-host", rabbit_vhost.url, db_url)
    env = {"NOVA_CONCURRENCY_BACKEND": ""}
    if how == "env":
        env["NOVA_CONCURRENCY_BACKEND"] = backend
    elif how == "config":
        sections["DEFAULT"]["concurrency_backend"] = backend
    conf = nova_procs.write_config(str(tmp_path / "conductor.conf"), sections)

    rpc.register_opts(CONF)
    transport = messaging.get_rpc_transport(CONF, url=rabbit_vhost.url)
    daemon = nova_procs.Daemon("nova-conductor", conf, env=env)
    try:
        nova_procs.wait_for(lambda: nova_procs.service_rows(db_path).get("nova-conductor"),
                            timeout=60, what="the conductor's row", daemons=[daemon])
        # Its row is written before it consumes: a call sent in between is
        # dropped by RabbitMQ (no queue yet) and would wait out its timeout.
        nova_procs.wait_for(lambda: nova_procs.consuming(rabbit_vhost.url, "conductor"),
                            timeout=60, what="the conductor consuming", daemons=[daemon])
        client = rpc.get_client(messaging.Target(topic="conductor", namespace="baseapi",
                                                 version="1.0"), transport=transport)
        answer = client.prepare(timeout=30).call(context.get_admin_context(), "ping",
                                                 arg=backend)
        assert answer == {"service": "conductor", "host": "ev-host", "arg": backend}
        nova_procs.wait_for(
            lambda: nova_procs.service_rows(db_path)["nova-conductor"][1] >= 2,
            timeout=30, what="heartbeats", daemons=[daemon])
        code, seconds = daemon.terminate()
    finally:
        daemon.kill()
        transport.cleanup()
    assert code == 0, daemon.stderr()
    assert seconds < 5.0, "took %.1fs to stop" % seconds
    assert "concurrency backend %s" % backend in daemon.log()
