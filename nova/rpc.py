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

import inspect
import threading

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts
from oslo_messaging.rpc import server as rpc_server
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
    "RPCTimeout", "RPCMessageRejected",
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
    """An RPC server dispatching ``target``'s messages to ``endpoints``.

    Messages it cannot handle are refused by ``_GuardedDispatcher`` (below):
    one log line, the caller of a call gets an error, a cast is dropped, and
    the server goes on with the next message.
    """
    access_policy = messaging.rpc.dispatcher.DefaultRPCAccessPolicy
    dispatcher = _GuardedDispatcher(target.topic, endpoints,
                                    _default_serializer(serializer), access_policy)
    return rpc_server.RPCServer(transport or _require_transport(), target, dispatcher,
                                executor=executor_name())


# -- messages a server cannot handle --------------------------------------------------

class RPCMessageRejected(nova.exception.NovaException):
    """A service received a message it cannot handle, and refused it.

    A method it does not have, a version it does not speak, arguments the
    method does not take, or an argument it cannot deserialize (an object of
    a class or major version it does not know, a newer minor version the
    conductor could not backport). The server logs it once and serves the
    next message; the caller of a call gets this error, a cast is dropped.
    """

    msg_fmt = "%(topic)s.%(method)s refused by %(host)s: %(reason)s"


class _Undeserializable(Exception):
    """An argument or the context of a message could not be turned back into objects."""


class _GuardedSerializer(messaging.Serializer):
    """The server's serializer, telling a bad argument apart from a failing method."""

    def __init__(self, base):
        self._base = base

    def serialize_entity(self, context, entity):
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        try:
            return self._base.deserialize_entity(context, entity)
        except Exception as exc:
            raise _Undeserializable(_describe(exc)) from exc

    def serialize_context(self, context):
        return self._base.serialize_context(context)

    def deserialize_context(self, context):
        try:
            return self._base.deserialize_context(context)
        except Exception as exc:
            raise _Undeserializable("bad context: " + _describe(exc)) from exc


def _describe(exc, named=True):
    """``Class: first line of the message`` (a remote error's text goes on with
    its traceback)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    name = type(exc).__name__.replace("_Remote", "")
    if not named:
        return text or name
    return "%s: %s" % (name, text) if text else name


class _GuardedDispatcher(messaging.RPCDispatcher):
    """oslo.messaging's dispatcher, refusing messages that cannot be handled.

    A message is refused when its method does not exist (NoSuchMethod) at
    its version (UnsupportedVersion), when its arguments do not fit the
    method's signature, or when an argument or its context cannot be
    deserialized. A refusal is one WARNING line naming the method, the
    sender (request id, user, project) and the reason. A caller gets
    NoSuchMethod / UnsupportedVersion as before, RPCMessageRejected
    otherwise, as an expected error (no traceback in the log); the message
    is not redelivered (the RPC server acknowledged it before dispatching).
    Errors the method itself raises are untouched.
    """

    def __init__(self, topic, endpoints, serializer, access_policy):
        super().__init__(endpoints, _GuardedSerializer(serializer), access_policy)
        self._topic = topic

    def dispatch(self, incoming):
        message = incoming.message if isinstance(incoming.message, dict) else {}
        method = message.get("method")
        args = message.get("args")
        refused = None
        try:
            if not isinstance(method, str) or not method:
                raise _BadArguments("the message names no method")
            if args is not None and not isinstance(args, dict):
                raise _BadArguments("its arguments are not a mapping")
            return super().dispatch(incoming)
        except (messaging.NoSuchMethod, messaging.UnsupportedVersion) as exc:
            # These travel back as themselves (a caller may look for them).
            reason, refused = _describe(exc, named=False), messaging.ExpectedException()
        except _Undeserializable as exc:
            reason = "cannot deserialize it: %s" % exc
        except _BadArguments as exc:
            reason = str(exc)
        except TypeError as exc:
            # The method's own failure, unless the arguments fit no method of
            # that name (the call failed before the method ran).
            if not self._misfit(method, args or {}):
                raise
            reason = "%s does not take these arguments (%s): %s" % (
                method, ", ".join(sorted(args or {})) or "none", exc)
        # Logged outside the except blocks: one line, no exception appended.
        self._log_refusal(incoming, method, reason)
        if refused is None:
            try:
                raise RPCMessageRejected(topic=self._topic, method=method,
                                         host=_conf().CONF.host, reason=reason)
            except RPCMessageRejected:
                refused = messaging.ExpectedException()
        raise refused

    def _misfit(self, method, args):
        """Whether ``args`` fit no endpoint's ``method`` (its signature refuses them)."""
        candidates = [getattr(endpoint, method, None) for endpoint in self.endpoints]
        candidates = [func for func in candidates if callable(func)]
        for func in candidates:
            try:
                inspect.signature(func).bind(None, **args)
                return False
            except TypeError:
                continue
        return bool(candidates)

    def _log_refusal(self, incoming, method, reason):
        ctxt = incoming.ctxt if isinstance(incoming.ctxt, dict) else {}
        sender = "request %s (user %s, project %s)" % (
            ctxt.get("request_id") or "-", ctxt.get("user_id") or ctxt.get("user") or "-",
            ctxt.get("project_id") or ctxt.get("project") or "-")
        kind = "call" if getattr(incoming, "reply_q", None) else "cast"
        outcome = ("the caller gets the error" if kind == "call"
                   else "dropped, not redelivered")
        LOG.warning("Refused RPC %(kind)s %(topic)s.%(method)s from %(sender)s: "
                    "%(reason)s; %(outcome)s.",
                    {"kind": kind, "topic": self._topic, "method": method,
                     "sender": sender, "reason": reason, "outcome": outcome})


def _conf():
    from nova import conf
    return conf


class _BadArguments(Exception):
    """The message's method or arguments do not fit any endpoint."""


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
            return _CountedCallContext(client.prepare(**kwargs), self.target.topic)
        if client.version_cap is not None and not client.can_send_version(version):
            raise VersionCapExceeded(method=method, version=version,
                                     api=self.target.namespace or self.target.topic,
                                     option=self.option, cap=client.version_cap,
                                     binary=self.binary)
        return _CountedCallContext(client.prepare(version=version, **kwargs),
                                   self.target.topic)


_BINARIES = {"compute": "nova-compute", "conductor": "nova-conductor",
             "scheduler": "nova-scheduler"}


class RPCTimeout(nova.exception.NovaException, messaging.MessagingTimeout):
    """A call through a CappedClient got no answer within its timeout.

    Raised instead of oslo.messaging's MessagingTimeout, which it still is
    (code catching that keeps working); it names the service, its host, the
    method and the wait. The service may be down (not yet noticed by the
    servicegroup), wedged, or slow: it may still carry the request out later.
    The compute API answers it with its one timeout fault
    (nova.api.openstack.faults.fault_for).
    """

    msg_fmt = ("%(service)s did not answer %(method)s within %(timeout)s seconds "
               "(MessagingTimeout); try again later.")
    safe = True


# One DEBUG line per message sent through a CappedClient ("RPC call
# conductor.migrate_server"), on its own logger so that a deployment (or
# benchmarks/migrate.py) can count the messages without debug logging
# everywhere: [DEFAULT] default_log_levels = ...,nova.rpc.sent=DEBUG.
SENT_LOG = logging.getLogger(__name__ + ".sent")


class _CountedCallContext:
    """An oslo.messaging call context that logs each call and cast it sends."""

    def __init__(self, cctxt, topic):
        self._cctxt = cctxt
        self._topic = topic

    def call(self, ctxt, method, **kwargs):
        SENT_LOG.debug("RPC call %s.%s", self._topic, method)
        try:
            return self._cctxt.call(ctxt, method, **kwargs)
        except RPCTimeout:
            raise  # raised (and named) by the service this one called
        except messaging.MessagingTimeout as exc:
            from nova import conf
            server = self._cctxt.target.server
            binary = _BINARIES.get(self._topic, self._topic)
            service = ("The %s service of host %s" % (binary, server) if server
                       else "The %s service" % binary)
            raise RPCTimeout(service=service, method=method,
                             timeout=self._cctxt.timeout or conf.CONF.rpc_response_timeout
                             ) from exc

    def cast(self, ctxt, method, **kwargs):
        SENT_LOG.debug("RPC cast %s.%s", self._topic, method)
        return self._cctxt.cast(ctxt, method, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cctxt, name)
