"""One Keystone token per set of service credentials for all nova processes of a host.

Each nova daemon (API workers, conductor, scheduler, computes, metadata) holds
its own keystoneauth plugin for ``[neutron]``, ``[glance]``, ``[placement]``
and ``[service_user]``, and each plugin would ask Keystone for a token of its
own. Every distinct token is one more that Neutron, Glance and Placement must
validate with Keystone (their keystonemiddleware caches per token). A daemon
starting calls ``share_tokens()``: under a file lock it takes the token another
process of the host already wrote under ``[DEFAULT] shared_token_path``, or
gets one and writes it there for the next. Only keystoneauth's public
``get_auth_state``/``set_auth_state``/``get_access`` are used; a plugin whose
token nears expiry renews it on its own as before.
"""

import contextlib
import fcntl
import hashlib
import json
import os

from oslo_config import cfg
from oslo_log import log as logging

import nova.conf
from nova import service_auth

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

GROUPS = ("neutron", "glance", "placement", "service_user")


def share_tokens():
    """Load or fetch (and publish) the token of each configured service credential.

    Never raises: a Keystone that cannot be reached now only means the plugin
    gets its token on first use, as it would without sharing.
    """
    directory = CONF.shared_token_path
    if not directory:
        return
    done = set()
    for group in GROUPS:
        try:
            auth = service_auth.conf_auth(group)
            key = service_auth.credentials_key(group)
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
            continue
        if auth is None or key in done or not hasattr(auth, "get_auth_state"):
            continue
        done.add(key)
        try:
            shared = _share(auth, service_auth.session(group), directory, key)
        except Exception as exc:  # Keystone down, a read-only state_path...
            LOG.warning("Could not share the [%s] service token: %s", group, exc)
            continue
        LOG.debug("[%s] service token %s.", group,
                  "taken from another process" if shared else "obtained and shared")


def token_file(directory, key):
    """The file holding the token of the credentials identified by ``key``."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    return os.path.join(directory, "%s.json" % digest)


def _share(auth, session, directory, key):
    """True when the token came from the file, False when it was fetched here."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = token_file(directory, key)
    with _locked(path) as handle:
        handle.seek(0)
        stored = handle.read()
        if stored:
            try:
                auth.set_auth_state(stored)
            except (ValueError, KeyError, TypeError):
                LOG.info("Ignoring an unreadable token file %s.", path)
        # The stored token if it is still far from expiry, else a new one.
        auth.get_access(session)
        current = auth.get_auth_state()
        if stored and _token_of(current) == _token_of(stored):
            return True
        handle.seek(0)
        handle.truncate()
        handle.write(current)
        handle.flush()
        return False


def _token_of(state):
    try:
        return json.loads(state).get("auth_token")
    except (ValueError, AttributeError):
        return None


@contextlib.contextmanager
def _locked(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
