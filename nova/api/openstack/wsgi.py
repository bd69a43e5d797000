"""The request side of the compute API: Request, route-function decorators, dispatch.

A resource module defines plain functions and a ``ROUTES`` table::

    @wsgi.expected_errors((400, 404, 409))
    @wsgi.response(202)
    @wsgi.api_version("2.55")
    @validation.schema(schemas.update)
    def update(req, flavor_id):
        body = req.get_json()
        ...
        return {"flavor": view}

Decorator order (outermost first): ``expected_errors``, ``response``,
``api_version``, ``validation.schema`` / ``validation.query_schema``. Each of
them is an ordinary wrapper (``response`` only tags the function), so another
order works too; keep ``expected_errors`` outermost so it sees every error.

A function returns a dict (serialised as JSON with the status of
``@response``, 200 by default), None (an empty body with that status), or a
``webob.Response`` / ``ResponseObject`` when it needs its own headers.
"""

import functools
import json

import oslo_messaging as messaging
import webob
import webob.exc

from nova.api.openstack import api_version as api_version_mod
from nova.api.openstack import faults
from nova import exception

JSON_TYPES = ("application/json", "application/vnd.openstack.compute+json")


class VersionNotFoundForAPIMethod(webob.exc.HTTPNotFound):
    """The URL exists, but not at the requested microversion."""


@functools.lru_cache(maxsize=256)
def _parsed_version(version):
    """APIVersionRequest of a version string; views ask the same few many times."""
    return api_version_mod.APIVersionRequest(version)


class Request(webob.Request):
    """A compute API request: its context, microversion and JSON body."""

    @property
    def context(self):
        return self.environ.get("nova.context")

    @property
    def api_version_request(self):
        version = self.environ.get("nova.api_version_request")
        if version is None:
            version = api_version_mod.min_api_version()
        return version

    @api_version_request.setter
    def api_version_request(self, value):
        self.environ["nova.api_version_request"] = value

    def is_at_least(self, version):
        """Whether the negotiated microversion is ``version`` or newer."""
        return self.api_version_request >= _parsed_version(version)

    def get_json(self):
        """The parsed JSON body (None when the request has none)."""
        if "nova.json_body" in self.environ:
            return self.environ["nova.json_body"]
        body = parse_json_body(self)
        self.environ["nova.json_body"] = body
        return body


class ResponseObject:
    """A route function's result with its own status code and headers."""

    def __init__(self, obj, code=None, headers=None):
        self.obj = obj
        self.code = code
        self.headers = dict(headers or {})


def parse_json_body(req):
    """Decode the request body: 415 for a non-JSON type, 400 when malformed."""
    if not req.body:
        return None
    content_type = (req.content_type or "").lower()
    if content_type and content_type not in JSON_TYPES:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation="Unsupported Content-Type")
    try:
        body = json.loads(req.body.decode(req.charset or "utf-8"))
        # A lone surrogate ("\\ud800") parses but no database can store it.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
        return body
    except LookupError:  # a charset Python does not know
        raise webob.exc.HTTPBadRequest(explanation="Unknown charset %s" % req.charset)
    except (ValueError, UnicodeError, RecursionError):  # RecursionError: too deep
        raise webob.exc.HTTPBadRequest(explanation="Malformed request body")


# -- decorators ---------------------------------------------------------------

def response(code):
    """The HTTP status of a successful call (default 200)."""
    def decorator(func):
        func.wsgi_code = code
        return func
    return decorator


def api_version(min_ver=api_version_mod.MIN_API_VERSION, max_ver=None):
    """Serve the function only for microversions in [min_ver, max_ver]; else 404.

    The range is also kept on the function (``versions_match``) so that a
    dispatcher, such as the server actions', can tell before calling it.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(req, *args, **kwargs):
            if not req.api_version_request.matches(min_ver, max_ver):
                raise VersionNotFoundForAPIMethod(
                    explanation="The resource could not be found.")
            return func(req, *args, **kwargs)
        wrapper.wsgi_versions = (min_ver, max_ver)
        return wrapper
    return decorator


def versions_match(func, req):
    """Whether ``func`` (maybe decorated with ``api_version``) serves ``req``'s version."""
    min_ver, max_ver = getattr(func, "wsgi_versions", (api_version_mod.MIN_API_VERSION,
                                                       None))
    return req.api_version_request.matches(min_ver, max_ver)


def action_function(req, actions):
    """The function of an action body ``{name: arguments}`` (POST .../action).

    ``actions`` maps each name to its function; one decorated with
    ``api_version`` is an action only at those microversions. A body that
    is not exactly one action known at the request's version is a 400.
    """
    body = req.get_json()
    name = next(iter(body)) if isinstance(body, dict) and len(body) == 1 else None
    func = actions.get(name)
    if func is None or not versions_match(func, req):
        known = sorted(n for n, f in actions.items() if versions_match(f, req))
        raise webob.exc.HTTPBadRequest(
            explanation="The action must be one of %s." % ", ".join(known))
    return func


# Quota errors (TooManyInstances is an OverQuota) and a service nova depends on
# being unavailable are expected wherever they occur (as is an RPC call that
# timed out: see _passes_through and faults._rpc_timeout_fault).
_ALWAYS_EXPECTED = (exception.QuotaError, exception.OverQuota, exception.ServiceUnavailable)


def _passes_through(exc, codes):
    from nova.api import validation
    if isinstance(exc, (VersionNotFoundForAPIMethod, validation.ValidationError,
                        exception.PolicyNotAuthorized, faults.UnexpectedError,
                        messaging.MessagingTimeout)):
        return True
    if isinstance(exc, webob.exc.HTTPException):
        return exc.status_int in codes
    if isinstance(exc, exception.NovaException):
        return int(exc.code) in codes or isinstance(exc, _ALWAYS_EXPECTED)
    return False


def expected_errors(codes):
    """Let the listed HTTP error codes through; anything else becomes a logged 500.

    The error itself is rendered by ``faults.fault_for`` (as every other one
    is); this decorator only decides that it was not one the method declares.
    """
    if isinstance(codes, int):
        codes = (codes,)
    codes = tuple(codes)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(req, *args, **kwargs):
            try:
                return func(req, *args, **kwargs)
            except Exception as exc:
                if _passes_through(exc, codes):
                    raise
                raise faults.UnexpectedError(exc, func.__name__) from exc
        return wrapper
    return decorator


# -- calling a route function ----------------------------------------------------

def json_response(req, obj, code=200, headers=None):
    resp = webob.Response(status=code)
    if obj is not None:
        resp.content_type = "application/json"
        resp.charset = "UTF-8"
        # Bodies are trees of fresh dicts and lists: no cycles to look for
        # (skipping that check halves the encoding of a long server list).
        resp.text = json.dumps(obj, default=_json_default, check_circular=False)
    else:
        resp.content_type = None
        resp.body = b""
    for name, value in (headers or {}).items():
        resp.headers[name] = str(value)
    return resp


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError("%r is not JSON serializable" % (value,))


def invoke(func, req, kwargs):
    """Call a route function and turn its result into a response."""
    if req.method in ("POST", "PUT", "PATCH"):
        req.get_json()  # 415 / 400 before the function runs
    result = func(req, **kwargs)
    code = getattr(func, "wsgi_code", 200)
    if isinstance(result, webob.Response):
        return result
    if isinstance(result, ResponseObject):
        return json_response(req, result.obj, result.code or code, result.headers)
    return json_response(req, result, code)
