"""Errors as the compute API renders them: ``{"<name>": {"code": N, "message": ...}}``.

``fault_for`` is the one function that turns an exception into such a body:
the router calls it for whatever a route function raises, and
``FaultWrapper``, the paste filter, for anything else escaping the
application. Unexpected errors become a logged 500 ``computeFault`` that names
the request id and hides the traceback.
"""

import json

from oslo_log import log as logging
import oslo_messaging as messaging
import webob
import webob.dec
import webob.exc

from nova.api import middleware
from nova import exception

LOG = logging.getLogger(__name__)

# HTTP status -> the key of Nova's fault body.
FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

_VERSION_HEADERS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version")


def fault_name(code):
    return FAULT_NAMES.get(code, "computeFault")


def fault_response(code, message, request=None, headers=None):
    """A webob response carrying Nova's fault body for ``code``."""
    response = webob.Response(status=code, content_type="application/json", charset="UTF-8")
    body = {fault_name(code): {"code": code, "message": message}}
    response.text = json.dumps(body)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if request is not None:
        add_version_headers(request, response)
    return response


def add_version_headers(request, response):
    """Echo the negotiated microversion (when there is one) on ``response``."""
    version = request.environ.get("nova.api_version_request")
    if version is None or version.is_null():
        return
    text = version.get_string()
    response.headers["OpenStack-API-Version"] = "compute " + text
    response.headers["X-OpenStack-Nova-API-Version"] = text
    response.headers["Vary"] = ", ".join(_VERSION_HEADERS)


class UnexpectedError(Exception):
    """An error a route function did not declare (``wsgi.expected_errors``): a 500."""

    def __init__(self, error, where):
        super().__init__(error)
        self.error = error
        self.where = where


_INTERNAL_MESSAGE = ("Unexpected API Error. Please report this at "
                     "https://bugs.launchpad.net/nova/ and attach the Nova API log if "
                     "possible.\n%s")


def fault_for(exc, request):
    """The response for an exception: the one place an error becomes a fault body.

    A webob HTTP error keeps its status and explanation (and its ``Allow`` /
    ``Retry-After`` headers); a NovaException with a 4xx ``code`` becomes that
    fault with its message; anything else, and any error a route function
    did not declare, is a logged 500 ``computeFault`` that names the error's
    class and the request id, never its text (unless the NovaException is
    ``safe``). A service nova depends on being unavailable is a 503 (504 for a
    timeout) whose message names the service; an RPC call that timed out is
    the 500 described at ``_rpc_timeout_fault``.
    """
    if isinstance(exc, webob.exc.HTTPException):
        code = exc.status_int
        if code < 400:
            return exc
        headers = {name: exc.headers[name] for name in ("Allow", "Retry-After")
                   if exc.headers.get(name)}
        return fault_response(code, exc.explanation or str(exc), request, headers)
    if isinstance(exc, exception.NovaException) and int(exc.code or 500) < 500:
        return fault_response(int(exc.code), exc.format_message(), request)
    if isinstance(exc, messaging.MessagingTimeout):
        return _rpc_timeout_fault(exc, request)
    if isinstance(exc, exception.ServiceUnavailable):
        LOG.warning("%(method)s %(path)s (request %(rid)s): %(exc)s",
                    {"method": request.method, "path": request.path,
                     "rid": request.environ.get("openstack.request_id", "-"),
                     "exc": exc.format_message()})
        return fault_response(int(exc.code), exc.format_message(), request)
    where = "API method %s" % exc.where if isinstance(exc, UnexpectedError) \
        else "the API"
    error = exc.error if isinstance(exc, UnexpectedError) else exc
    LOG.error("Unexpected error in %(where)s serving %(method)s %(path)s (request "
              "%(rid)s): %(exc)s",
              {"where": where, "method": request.method, "path": request.path,
               "rid": request.environ.get("openstack.request_id", "-"), "exc": error},
              exc_info=(type(error), error, error.__traceback__))
    message = _INTERNAL_MESSAGE % type(error).__name__
    if isinstance(error, exception.NovaException) and error.safe:
        message = error.format_message()
    return fault_response(500, message, request)


# An RPC call made while serving a request got no answer in time (nova.rpc.RPCTimeout,
# or a bare MessagingTimeout): upstream's API has no mapping for it, so its
# ``expected_errors`` turns it into the generic 500 ``computeFault``
# ("Unexpected API Error ... <class 'oslo_messaging.exceptions.MessagingTimeout'>").
# Every route answers that same status and body key here, from this one place,
# with a message naming the service, host, method and wait (and still the
# class name), logged as one WARNING line rather than an error with a
# traceback. What the request had written before the call (a task_state) is
# reverted by the compute API method that wrote it; a 2.88 hypervisor show
# leaves out the uptime instead (null) rather than failing.
RPC_TIMEOUT_CODE = 500


def _rpc_timeout_fault(exc, request):
    if isinstance(exc, exception.NovaException):
        message = exc.format_message()
    else:
        message = ("A nova service did not answer in time (MessagingTimeout); "
                   "try again later.")
    LOG.warning("%(method)s %(path)s (request %(rid)s): %(exc)s",
                {"method": request.method, "path": request.path,
                 "rid": request.environ.get("openstack.request_id", "-"), "exc": message})
    return fault_response(RPC_TIMEOUT_CODE, message, request)


class FaultWrapper(middleware.Middleware):
    """Paste filter: every error leaving the application gets Nova's fault body."""

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            return request.get_response(self.application)
        except Exception as exc:  # an error of a filter below, or of an app
            return fault_for(exc, request)
