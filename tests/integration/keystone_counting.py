"""Counting what Keystone is asked, and services that check tokens as real ones do.

``KeystoneCounter`` is a reverse proxy in front of a real Keystone that
records every token issued (``POST /v3/auth/tokens`` answered 201: who asked)
and every validation (``GET``/``HEAD /v3/auth/tokens``: which token). Point
the service catalog and every ``auth_url`` at it and Keystone's load is
counted.

``KeystoneGate`` puts a service stand-in (the Neutron stand-in, the embedded
image store, Placement in noauth2 mode) behind keystonemiddleware's auth_token,
configured as a deployed Neutron/Glance/Placement is: it validates the user's
token and the X-Service-Token with Keystone (through the counter), caches what
it learnt (one shared cache, as with memcached), then forwards the request
with the stand-in's own noauth token for the identity Keystone confirmed.
"""

import threading
import urllib.parse

from oslo_config import cfg
import requests

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-encoding",
        "content-length", "te", "trailer", "upgrade", "proxy-authenticate",
        "proxy-authorization"}


def _forward(environ, start_response, url, headers):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    query = environ.get("QUERY_STRING")
    if query:
        url += "?" + query
    resp = requests.request(environ["REQUEST_METHOD"], url, data=body, headers=headers,
                            allow_redirects=False, timeout=120)
    out = [(k, v) for k, v in resp.headers.items() if k.lower() not in _HOP]
    out.append(("Content-Length", str(len(resp.content))))
    start_response("%d %s" % (resp.status_code, resp.reason or "Status"), out)
    return resp, [resp.content]


def _request_headers(environ):
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    for key in ("CONTENT_TYPE",):
        if environ.get(key):
            headers[key.replace("_", "-").title()] = environ[key]
    headers["Accept-Encoding"] = "identity"
    return headers


class KeystoneCounter:
    """WSGI proxy to Keystone at ``target`` recording issued and validated tokens."""

    def __init__(self, target):
        self.target = target.rstrip("/")
        self.lock = threading.Lock()
        self.issued = []      # names of the users a token was issued to
        self.validated = []   # the tokens validated

    def snapshot(self):
        with self.lock:
            return len(self.issued), len(self.validated)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        headers = _request_headers(environ)
        # Keystone writes its own links from the Host it was asked as.
        headers["Host"] = environ.get("HTTP_HOST", "")
        resp, body = _forward(environ, start_response, self.target + path, headers)
        if path.rstrip("/") == "/v3/auth/tokens":
            with self.lock:
                if method == "POST" and resp.status_code == 201:
                    try:
                        user = resp.json()["token"]["user"]["name"]
                    except (ValueError, KeyError):
                        user = "?"
                    self.issued.append(user)
                elif method in ("GET", "HEAD"):
                    self.validated.append(headers.get("X-Subject-Token"))
        return body


def noauth_token(environ, admin_token="admin:admin"):
    """The stand-ins' ``user:project`` token for the identity auth_token confirmed."""
    roles = [r.strip() for r in environ.get("HTTP_X_ROLES", "").split(",")]
    if "admin" in roles:
        return admin_token
    return "%s:%s" % (environ.get("HTTP_X_USER_ID"), environ.get("HTTP_X_PROJECT_ID"))


class KeystoneGate:
    """keystonemiddleware's auth_token in front of the service at ``target()``."""

    def __init__(self, target, keystone_v3, user, to_token=noauth_token):
        from keystonemiddleware import auth_token
        self.target = target
        self.to_token = to_token
        self.cache = _SharedCache()
        conf = cfg.ConfigOpts()
        conf([], project="gate", default_config_files=[], default_config_dirs=[])
        self.middleware = auth_token.AuthProtocol(self._app, {
            "oslo_config_config": conf, "www_authenticate_uri": keystone_v3,
            "auth_url": keystone_v3, "auth_type": "password",
            "username": user["name"], "password": user["password"],
            "user_domain_id": "default", "project_name": user["project"],
            "project_domain_id": "default", "interface": "public",
            "cache": "gate.cache", "service_token_roles_required": "true"})

    def __call__(self, environ, start_response):
        environ["gate.cache"] = self.cache
        return self.middleware(environ, start_response)

    def _app(self, environ, start_response):
        headers = _request_headers(environ)
        for name in list(headers):
            if name.startswith("X-Service-") or name in ("X-Auth-Token", "X-Roles"):
                del headers[name]
        headers["X-Auth-Token"] = self.to_token(environ)
        url = self.target().rstrip("/") + urllib.parse.quote(environ.get("PATH_INFO", ""))
        _resp, body = _forward(environ, start_response, url, headers)
        return body


class _SharedCache:
    """A memcached stand-in: one dict shared by every request of a gate."""

    def __init__(self):
        self.lock = threading.Lock()
        self.data = {}

    def __bool__(self):
        return True

    def get(self, key):
        with self.lock:
            return self.data.get(key)

    def set(self, key, value, time=0, min_compress_len=0):  # noqa: A002
        with self.lock:
            self.data[key] = value
        return True

    def add(self, key, value, time=0, min_compress_len=0):  # noqa: A002
        with self.lock:
            return self.data.setdefault(key, value) is value

    def incr(self, key, delta=1):
        with self.lock:
            if key not in self.data:
                return None
            self.data[key] = str(int(self.data[key]) + delta)
            return int(self.data[key])

    def delete(self, key, time=0):  # noqa: A002
        with self.lock:
            self.data.pop(key, None)
        return True
