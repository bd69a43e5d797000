"""keystoneauth1 sessions and auth plugins for nova's clients of other services.

One process talks to Neutron, Glance, Placement (and vendordata targets) for
many requests at once. What can be shared is built once per process and
reused by every request and thread:

* ``session(group)``: the keystoneauth Session of ``[group]`` (its HTTP
  connection pool, TLS and ``timeout`` settings, discovery cache);
* ``conf_auth(group)``: the auth plugin of ``[group]``'s own credentials
  (e.g. nova's admin user for Neutron port bindings, or for Placement); the
  plugin keeps its token and asks Keystone for a new one only when it nears
  expiry; groups with the same credentials share one plugin (one token);
* ``service_token_auth()``: the ``[service_user]`` plugin whose token goes out
  as ``X-Service-Token`` when ``send_service_user_token`` is set.

Only the plugin acting with the caller's own token is new per request
(``user_auth``): it holds nothing but that token and its catalog. Either kind
of plugin is wrapped with the service token by ``with_service_token``.

A cached object is rebuilt when the options it was built from change (a
configuration reload, a test override); ``reset()`` forgets everything.
keystoneauth's identity plugins lock around getting a token, and a Session
(a requests connection pool) is safe to share between threads.
"""

import threading

from keystoneauth1.access import service_catalog as ks_catalog
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import service_token
from oslo_log import log as logging

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SERVICE_USER_GROUP = "service_user"
_NO_AUTH_TYPES = (None, "", "none", "noauth")

_lock = threading.Lock()
_sessions = {}        # group -> (option values, Session)
_auths = {}           # group -> (option values, plugin or None)
_auths_by_credentials = {}   # option values -> plugin (shared by groups alike)
_plugin_opts = {}     # auth_type -> names of its options
_warned = set()


class UserTokenAuth(ks_plugin.BaseAuthPlugin):
    """Act with a caller's token; find endpoints in the catalog it came with."""

    def __init__(self, token, catalog=None):
        super().__init__()
        self.token = token
        self.catalog = catalog or []

    def get_token(self, session, **kwargs):
        return self.token

    def get_endpoint(self, session, service_type=None, interface=None, region_name=None,
                     **kwargs):
        for cls in (ks_catalog.ServiceCatalogV3, ks_catalog.ServiceCatalogV2):
            try:
                url = cls(self.catalog).url_for(service_type=service_type,
                                                interface=interface or "public",
                                                region_name=region_name)
            except (ks_exc.EndpointNotFound, KeyError, TypeError):
                continue
            if url:
                return url
        return None


def _values(group, names):
    options = CONF[group]
    return tuple(repr(getattr(options, name, None)) for name in names)


_SESSION_OPTS = tuple(opt.dest for opt in ks_loading.get_session_conf_options())


def session(group):
    """The keystoneauth Session of ``[group]``, one per process."""
    key = _values(group, _SESSION_OPTS)
    with _lock:
        cached = _sessions.get(group)
        if cached is None or cached[0] != key:
            cached = (key, ks_loading.load_session_from_conf_options(CONF, group))
            _sessions[group] = cached
        return cached[1]


def _auth_key(group):
    auth_type = CONF[group].auth_type
    names = ["auth_type", "auth_section"]
    if auth_type not in _NO_AUTH_TYPES:
        if auth_type not in _plugin_opts:
            try:
                _plugin_opts[auth_type] = ks_loading.get_auth_plugin_conf_options(auth_type)
            except ks_exc.NoMatchingPlugin:
                _plugin_opts[auth_type] = []
        # Registered before they are read (loading the plugin would register
        # them only afterwards): unregistered, every credential reads as None,
        # and two groups with different users would look alike.
        CONF.register_opts(_plugin_opts[auth_type], group=group)
        names.extend(opt.dest for opt in _plugin_opts[auth_type])
    return _values(group, names)


def credentials_key(group):
    """What identifies ``[group]``'s credentials (equal for groups that share them)."""
    with _lock:
        return _auth_key(group)


def conf_auth(group):
    """The auth plugin of ``[group]``'s credentials, one per process; None when
    ``[group] auth_type`` is unset.

    Groups holding the same credentials (commonly ``[neutron]``,
    ``[placement]``, ``[glance]`` and ``[service_user]`` all name nova's
    service user) share one plugin, hence one token: each token the process
    asks for is one more that every service it calls must validate.
    """
    with _lock:
        key = _auth_key(group)
        cached = _auths.get(group)
        if cached is None or cached[0] != key:
            auth = _auths_by_credentials.get(key)
            if auth is None and CONF[group].auth_type not in _NO_AUTH_TYPES:
                auth = ks_loading.load_auth_from_conf_options(CONF, group)
                _auths_by_credentials[key] = auth
            cached = (key, auth)
            _auths[group] = cached
        return cached[1]


def service_token_auth():
    """The ``[service_user]`` plugin when service tokens are to be sent, else None."""
    if not CONF.service_user.send_service_user_token:
        return None
    auth = conf_auth(SERVICE_USER_GROUP)
    if auth is None and "service_user" not in _warned:
        _warned.add("service_user")
        LOG.warning("[service_user] send_service_user_token is set but the group has no "
                    "auth_type: requests go out without a service token.")
    return auth


def with_service_token(auth):
    """``auth`` wrapped so that requests also carry the service token (when configured)."""
    service = service_token_auth()
    if auth is None or service is None:
        return auth
    return service_token.ServiceTokenAuthWrapper(user_auth=auth, service_auth=service)


def user_auth(context):
    """A plugin acting with the token of ``context`` (new per request), or None."""
    if context is None:
        return None
    plugin = getattr(context, "user_auth_plugin", None)
    if plugin is not None:
        return plugin
    if getattr(context, "auth_token", None):
        return UserTokenAuth(context.auth_token, getattr(context, "service_catalog", None))
    return None


def adapter(group, auth, **overrides):
    """An Adapter of ``[group]`` over the shared session, acting with ``auth``."""
    return ks_loading.load_adapter_from_conf_options(
        CONF, group, session=session(group), auth=auth, **overrides)


def reset():
    """Forget every cached session and plugin (tests; a changed configuration)."""
    with _lock:
        _sessions.clear()
        _auths.clear()
        _auths_by_credentials.clear()
        _warned.clear()
