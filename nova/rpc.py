"""Messaging: the RPC and notification transports every nova service shares.

``init(conf)`` builds them once per process from ``transport_url`` (and
``[oslo_messaging_notifications]``); ``get_client``/``get_server`` wrap
oslo.messaging with nova's serializer, so request contexts travel as dicts
and versioned objects as primitives, and nova exceptions raised by a server
are raised again, as the same class, in the caller.
"""

import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts
from oslo_serialization import jsonutils

from nova import concurrency
import nova.context
import nova.exception
from nova.objects import base as objects_base

__all__ = [
    "init", "cleanup", "register_opts", "create_transport", "get_client", "get_server",
    "get_notifier", "get_versioned_notifier", "TRANSPORT", "NOTIFICATION_TRANSPORT",
    "NOTIFIER", "RequestContextSerializer", "ALLOWED_EXMODS",
]

TRANSPORT = None
NOTIFICATION_TRANSPORT = None
NOTIFIER = None

# Exceptions from these modules cross the wire and are re-raised by class.
ALLOWED_EXMODS = [nova.exception.__name__]

_registered = set()


def register_opts(conf):
    """Register oslo.messaging's options (transport_url, rabbit...) on ``conf``.

    Registering them up front, rather than when a transport is first built,
    lets a daemon validate them at start and the sample generator list them.
    """
    messaging.set_transport_defaults(control_exchange="nova")
    if id(conf) in _registered:
        return
    for group, opts in messaging_opts._opts:
        conf.register_opts(opts, group=group)
    _registered.add(id(conf))


def list_opts():
    """(group, options) pairs of oslo.messaging, for nova.conf.opts."""
    messaging.set_transport_defaults(control_exchange="nova")
    return [(group or "DEFAULT", opts) for group, opts in messaging_opts.list_opts()]


def init(conf):
    """Build this process's RPC and notification transports and notifier."""
    global TRANSPORT, NOTIFICATION_TRANSPORT, NOTIFIER
    register_opts(conf)
    exmods = get_allowed_exmods()
    TRANSPORT = messaging.get_rpc_transport(conf, allowed_remote_exmods=exmods)
    NOTIFICATION_TRANSPORT = messaging.get_notification_transport(
        conf, allowed_remote_exmods=exmods)
    serializer = RequestContextSerializer(JsonPayloadSerializer())
    NOTIFIER = messaging.Notifier(NOTIFICATION_TRANSPORT, serializer=serializer,
                                  topics=["versioned_notifications"])


def initialized():
    return TRANSPORT is not None


def cleanup():
    """Close the transports; init() may be called again afterwards."""
    global TRANSPORT, NOTIFICATION_TRANSPORT, NOTIFIER
    for transport in (TRANSPORT, NOTIFICATION_TRANSPORT):
        if transport is not None:
            transport.cleanup()
    TRANSPORT = NOTIFICATION_TRANSPORT = NOTIFIER = None


def set_defaults(control_exchange):
    messaging.set_transport_defaults(control_exchange)


def add_extra_exmods(*modules):
    ALLOWED_EXMODS.extend(m for m in modules if m not in ALLOWED_EXMODS)


def clear_extra_exmods():
    del ALLOWED_EXMODS[1:]


def get_allowed_exmods():
    return list(ALLOWED_EXMODS)


class JsonPayloadSerializer(messaging.NoOpSerializer):
    """Notification payloads: anything jsonutils can turn into primitives."""

    @staticmethod
    def serialize_entity(context, entity):
        return jsonutils.to_primitive(entity, convert_instances=True)


class RequestContextSerializer(messaging.Serializer):
    """Contexts as dicts; entities through the wrapped (object) serializer."""

    def __init__(self, base=None):
        self._base = base

    def serialize_entity(self, context, entity):
        if self._base is None:
            return entity
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        if self._base is None:
            return entity
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return nova.context.RequestContext.from_dict(context)


def _require_transport():
    if TRANSPORT is None:
        raise RuntimeError("nova.rpc.init() has not been called in this process")
    return TRANSPORT


def create_transport(url):
    """An RPC transport to another message queue (a cell's transport_url)."""
    from nova import conf
    # The process's own queue: share its transport (for fake://, the only way
    # to reach the servers of this process).
    if TRANSPORT is not None and url in (None, "", conf.CONF.transport_url):
        return TRANSPORT
    exmods = get_allowed_exmods()
    return messaging.get_rpc_transport(conf.CONF, url=url, allowed_remote_exmods=exmods)


def _default_serializer(serializer):
    if serializer is None:
        serializer = objects_base.NovaObjectSerializer()
    return RequestContextSerializer(serializer)


def get_client(target, version_cap=None, serializer=None, call_monitor_timeout=None,
               transport=None):
    """An RPC client on this process's transport (or ``transport``)."""
    return messaging.get_rpc_client(transport or _require_transport(), target,
                                    version_cap=version_cap,
                                    serializer=_default_serializer(serializer),
                                    call_monitor_timeout=call_monitor_timeout)


def executor_name():
    """The oslo.messaging executor matching this process's concurrency backend."""
    return "eventlet" if concurrency.selected() == "eventlet" else "threading"


def get_server(target, endpoints, serializer=None, transport=None):
    """An RPC server dispatching ``target``'s messages to ``endpoints``."""
    access_policy = messaging.rpc.dispatcher.DefaultRPCAccessPolicy
    return messaging.get_rpc_server(transport or _require_transport(), target, endpoints,
                                    executor=executor_name(),
                                    serializer=_default_serializer(serializer),
                                    access_policy=access_policy)


def get_notifier(service, host=None, publisher_id=None):
    """A versioned notifier: publisher '<service>:<host>'."""
    if NOTIFIER is None:
        raise RuntimeError("nova.rpc.init() has not been called in this process")
    if publisher_id is None:
        from nova import conf
        publisher_id = "%s:%s" % (service, host or conf.CONF.host)
    return NOTIFIER.prepare(publisher_id=publisher_id)


def get_versioned_notifier(publisher_id):
    if NOTIFIER is None:
        raise RuntimeError("nova.rpc.init() has not been called in this process")
    return NOTIFIER.prepare(publisher_id=publisher_id)
