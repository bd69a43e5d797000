"""nova.rpc: options, serializer, executor choice, and exceptions across the wire."""

import datetime
import threading

import oslo_messaging as messaging
import pytest

from nova import concurrency
import nova.conf
from nova.conf import opts as conf_opts
from nova import context
from nova import exception
from nova import objects
from nova.objects import base as objects_base
from nova import rpc

CONF = nova.conf.CONF


@pytest.fixture
def fake_transport():
    rpc.register_opts(CONF)
    objects.register_all()
    transport = messaging.get_rpc_transport(CONF, url="fake://",
                                            allowed_remote_exmods=rpc.get_allowed_exmods())
    yield transport
    transport.cleanup()


def test_messaging_options_are_registered_and_listed():
    rpc.register_opts(CONF)
    assert CONF.control_exchange == "nova"
    listed = {group: {opt.name for opt in opts} for group, opts in conf_opts.list_opts()}
    assert {"transport_url", "control_exchange", "rpc_response_timeout"} <= listed["DEFAULT"]
    assert "heartbeat_timeout_threshold" in listed["oslo_messaging_rabbit"]
    assert "driver" in listed["oslo_messaging_notifications"]


def test_context_and_objects_survive_serialization():
    objects.register_all()
    serializer = rpc.RequestContextSerializer(objects_base.NovaObjectSerializer())
    ctxt = context.RequestContext(user_id="u1", project_id="p1", roles=["member"])
    wire_ctxt = serializer.serialize_context(ctxt)
    assert isinstance(wire_ctxt, dict)
    back = serializer.deserialize_context(wire_ctxt)
    assert (back.user_id, back.project_id, back.roles) == ("u1", "p1", ["member"])
    assert abs(back.timestamp - ctxt.timestamp) < datetime.timedelta(milliseconds=1)

    svc = objects.Service(host="h1", binary="nova-compute", topic="compute", report_count=3)
    wire = serializer.serialize_entity(ctxt, {"svc": svc, "n": 1})
    assert wire["svc"]["nova_object.name"] == "Service"
    restored = serializer.deserialize_entity(back, wire)["svc"]
    assert isinstance(restored, objects.Service)
    assert (restored.host, restored.report_count) == ("h1", 3)


def test_executor_follows_the_concurrency_backend(monkeypatch, fake_transport):
    assert rpc.executor_name() == "threading"
    server = rpc.get_server(messaging.Target(topic="t", server="s"), [],
                            transport=fake_transport)
    assert server.executor_type == "threading"
    monkeypatch.setattr(concurrency, "_selected", "eventlet")
    assert rpc.executor_name() == "eventlet"


class _Endpoint:
    target = messaging.Target(version="1.0")

    def __init__(self):
        self.casts = []
        self.cast_seen = threading.Event()

    def where_is(self, context, host):
        raise exception.ComputeHostNotFound(host=host)

    def whoami(self, context):
        return {"user": context.user_id, "is_admin": context.is_admin}

    def remember(self, context, value):
        self.casts.append(value)
        self.cast_seen.set()


def test_call_cast_and_remote_nova_exceptions(fake_transport):
    endpoint = _Endpoint()
    server = rpc.get_server(messaging.Target(topic="unit", server="here"), [endpoint],
                            transport=fake_transport)
    server.start()
    try:
        client = rpc.get_client(messaging.Target(topic="unit", version="1.0"),
                                transport=fake_transport)
        ctxt = context.RequestContext(user_id="u9", project_id="p9")
        assert client.call(ctxt, "whoami") == {"user": "u9", "is_admin": False}
        with pytest.raises(exception.ComputeHostNotFound) as raised:
            client.call(ctxt, "where_is", host="nowhere")
        assert "nowhere" in str(raised.value)
        client.cast(ctxt, "remember", value=42)
        assert endpoint.cast_seen.wait(5)
        assert endpoint.casts == [42]
    finally:
        server.stop()
        server.wait()


def test_client_before_init_is_an_error(monkeypatch):
    monkeypatch.setattr(rpc, "TRANSPORT", None)
    with pytest.raises(RuntimeError):
        rpc.get_client(messaging.Target(topic="x"))
