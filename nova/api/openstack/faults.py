"""Errors as the compute API renders them: ``{"<name>": {"code": N, "message": ...}}``.

``FaultWrapper`` is the paste filter that turns anything escaping the
application into such a body; unexpected errors become a logged 500
``computeFault`` that names the request id and hides the traceback.
"""

import json

from oslo_log import log as logging
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


def _explanation(exc):
    explanation = getattr(exc, "explanation", None) or str(exc)
    # webob appends its template detail; keep the text a person reads.
    return explanation


def from_exception(exc, request=None):
    """Map a webob HTTP error or a NovaException to a fault response."""
    if isinstance(exc, webob.exc.HTTPException):
        code = exc.status_int
        if code < 400:
            return exc
        headers = {}
        if code == 405 and exc.headers.get("Allow"):
            headers["Allow"] = exc.headers["Allow"]
        if exc.headers.get("Retry-After"):
            headers["Retry-After"] = exc.headers["Retry-After"]
        return fault_response(code, _explanation(exc), request, headers)
    if isinstance(exc, exception.NovaException):
        code = int(getattr(exc, "code", 500) or 500)
        if code >= 500:
            return None
        return fault_response(code, exc.format_message() if hasattr(exc, "format_message")
                              else str(exc), request)
    return None


def internal_error(exc, request):
    """A 500 computeFault for an unexpected error, logged with the request id."""
    request_id = request.environ.get("openstack.request_id", "-")
    LOG.exception("Unexpected error serving %(method)s %(path)s (request %(rid)s): %(exc)s",
                  {"method": request.method, "path": request.path, "rid": request_id,
                   "exc": exc})
    message = ("Unexpected API Error. Please report this at "
               "https://bugs.launchpad.net/nova/ and attach the Nova API log if possible.\n"
               "%s" % type(exc).__name__)
    if isinstance(exc, exception.NovaException) and getattr(exc, "safe", False):
        message = str(exc)
    return fault_response(500, message, request)


class FaultWrapper(middleware.Middleware):
    """Paste filter: every error leaving the application gets Nova's fault body."""

    @webob.dec.wsgify
    def __call__(self, request):
        try:
            return request.get_response(self.application)
        except Exception as exc:  # the one place everything ends up
            response = from_exception(exc, request)
            if response is None:
                response = internal_error(exc, request)
            return response
