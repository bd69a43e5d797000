"""Messaging: the RPC and notification transports every nova service shares.

``init(conf)`` builds them once per process from ``transport_url`` (and
``[oslo_messaging_notifications]``); ``get_client``/``get_server`` wrap
oslo.messaging with nova's serializer, so request contexts travel as dicts
and versioned objects as primitives, and nova exceptions raised by a server
are raised again, as the same class, in the caller.

``CappedClient`` is the client every rpcapi module uses: its version cap
comes from ``[upgrade_levels]`` (a version, a release alias or ``auto``),
resolved on first use, and a method the cap cannot express raises
``VersionCapExceeded`` in the caller instead of reaching a service that does
not know it. See doc/source/contributor/rpc-method.rst.
"""

import threading

from oslo_log import log as logging
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
    "NOTIFIER", "RequestContextSerializer", "ALLOWED_EXMODS", "CappedClient",
    "VersionCapExceeded", "UpgradeLevelInvalid", "resolve_version_cap", "reset_version_caps",
]

LOG = logging.getLogger(__name__)

TRANSPORT = None
NOTIFICATION_TRANSPORT = None
NOTIFIER = None

# Exceptions from these modules cross the wire and are re-raised by class.
ALLOWED_EXMODS = [nova.exception.__name__, __name__]
_BASE_EXMODS = len(ALLOWED_EXMODS)

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
    del ALLOWED_EXMODS[_BASE_EXMODS:]


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


# -- version caps ([upgrade_levels]) ---------------------------------------------------

class VersionCapExceeded(nova.exception.NovaException):
    """A call needs a newer RPC version than ``[upgrade_levels]`` lets this process send.

    Raised in the caller, before anything is sent: the services on the other
    side are (or are pinned as) too old to understand the method or one of
    its arguments that cannot be left out. Upgrade them, or raise the pin.
    """

    msg_fmt = ("%(method)s needs version %(version)s of the %(api)s RPC API, but "
               "[upgrade_levels] %(option)s caps it at %(cap)s: upgrade every "
               "%(binary)s service first (or raise the cap).")
    code = 409


class UpgradeLevelInvalid(nova.exception.NovaException):
    msg_fmt = ("[upgrade_levels] %(option)s = %(value)r is neither a version (X.Y), "
               "a release alias (%(aliases)s) nor 'auto'.")


# Versions `auto` resolved, by (binary, history key); cleared by reset_version_caps().
_auto_caps = {}
_caps_lock = threading.Lock()
# Bumped by reset_version_caps(): CappedClients rebuild their client after it.
_cap_generation = 0
# Set while this thread looks up an `auto` cap: the lookup may itself go
# through RPC (nova-compute asks the conductor), which must not wait on a cap.
_resolving = threading.local()


def reset_version_caps():
    """Forget every resolved cap; clients read ``[upgrade_levels]`` again on next use.

    A service calls it on SIGHUP, after the operator changed a pin or finished
    upgrading the services that ``auto`` waited for.
    """
    global _cap_generation
    with _caps_lock:
        _auto_caps.clear()
        _cap_generation += 1


def _auto_version_cap(binary, history_key):
    """(cap, cacheable): what the oldest running ``binary`` speaks of one API."""
    from nova import context as nova_context
    from nova.objects import service as service_obj

    key = (binary, history_key)
    with _caps_lock:
        if key in _auto_caps:
            return _auto_caps[key], True
    history = service_obj.SERVICE_VERSION_HISTORY
    newest = history[service_obj.SERVICE_VERSION][history_key]
    _resolving.active = True
    try:
        minimum = service_obj.get_minimum_version_all_cells(
            nova_context.get_admin_context(), [binary])
    finally:
        _resolving.active = False
    if minimum <= 0:
        # Nothing of that kind runs yet: it will be at least as new as this
        # code. Not kept: the next client asks again.
        LOG.debug("No %s service has recorded its version; not capping the %s API.",
                  binary, history_key)
        return newest, False
    cap = history[min(minimum, service_obj.SERVICE_VERSION)][history_key]
    LOG.info("[upgrade_levels] auto: the oldest %s runs service version %d; "
             "capping its RPC API at %s (this code speaks %s).", binary, minimum,
             cap, newest)
    with _caps_lock:
        _auto_caps[key] = cap
    return cap, True


def resolve_version_cap(option, binary, history_key, aliases, major):
    """The version cap ``[upgrade_levels] <option>`` means for one RPC API.

    Returns (cap or None, cacheable). ``aliases`` maps release names to
    versions of this API; ``major`` is its major version: a bare version of
    another major is taken to pin another API sharing the option (the
    conductor's two namespaces) and leaves this one uncapped.
    """
    from nova import conf

    value = (getattr(conf.CONF.upgrade_levels, option) or "").strip()
    if not value:
        return None, True
    if value in aliases:
        return aliases[value], True
    if value == "auto":
        return _auto_version_cap(binary, history_key)
    try:
        parts = tuple(int(p) for p in value.split("."))
    except ValueError:
        parts = ()
    if len(parts) != 2:
        raise UpgradeLevelInvalid(option=option, value=value,
                                  aliases=", ".join(sorted(aliases)) or "none yet")
    if parts[0] != major:
        return None, True
    return value, True


class CappedClient:
    """An RPC client capped by ``[upgrade_levels] <option>``, built on first use.

    ``target`` is the API's target (topic, namespace, base version);
    ``binary``/``history_key`` say which services and which entry of
    SERVICE_VERSION_HISTORY ``auto`` reads; ``aliases`` are the API's release
    aliases. The cap is resolved when the first message is sent, not when
    the client is made, so that a service can make its clients before the
    database or the conductor answers.
    """

    def __init__(self, target, option, binary, history_key, aliases=None, transport=None,
                 call_monitor_timeout=None):
        self.target = target
        self.option = option
        self.binary = binary
        self.history_key = history_key
        self.aliases = dict(aliases or {})
        self._transport = transport
        self._call_monitor_timeout = call_monitor_timeout
        self._client = None
        self._uncapped = None
        self._generation = None
        self._lock = threading.Lock()

    def _make(self, version_cap):
        return get_client(self.target, version_cap=version_cap, transport=self._transport,
                          call_monitor_timeout=self._call_monitor_timeout)

    @property
    def client(self):
        """The oslo.messaging RPCClient, with this process's cap."""
        if getattr(_resolving, "active", False):
            # The `auto` lookup's own messages (compute -> conductor) go out
            # at the API's base version, which every service of it speaks.
            if self._uncapped is None:
                self._uncapped = self._make(None)
            return self._uncapped
        client = self._client
        if client is not None and self._generation == _cap_generation:
            return client
        with self._lock:
            if self._client is not None and self._generation == _cap_generation:
                return self._client
            generation = _cap_generation
            major = int(self.target.version.split(".")[0])
            cap, cacheable = resolve_version_cap(self.option, self.binary,
                                                 self.history_key, self.aliases, major)
            client = self._make(cap)
            if cacheable:
                self._client, self._generation = client, generation
            return client

    @property
    def version_cap(self):
        return self.client.version_cap

    def can_send_version(self, version):
        """Whether ``version`` is within the cap (always, without a cap)."""
        return self.client.can_send_version(version)

    def prepare(self, method, version=None, **kwargs):
        """A call context for ``method`` at ``version``.

        Raises VersionCapExceeded when the cap is below ``version``: use it
        for methods (or argument forms) that have no older form to fall back to.
        """
        client = self.client
        if version is None:
            return client.prepare(**kwargs)
        if client.version_cap is not None and not client.can_send_version(version):
            raise VersionCapExceeded(method=method, version=version,
                                     api=self.target.namespace or self.target.topic,
                                     option=self.option, cap=client.version_cap,
                                     binary=self.binary)
        return client.prepare(version=version, **kwargs)
