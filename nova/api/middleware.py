"""Paste filters of the compute API pipeline that oslo.middleware does not provide."""

import time

from oslo_log import log as logging
from oslo_middleware import request_id

LOG = logging.getLogger(__name__)

# Older clients read the request id from this header.
COMPUTE_REQUEST_ID_HEADER = "x-compute-request-id"


class ComputeReqIdMiddleware(request_id.RequestId):
    """oslo.middleware's request id, also echoed as ``x-compute-request-id``."""

    compat_headers = [COMPUTE_REQUEST_ID_HEADER]


def cors_filter_factory(global_conf, **local_conf):
    """oslo.middleware's CORS filter, configured by the ``[cors]`` group of nova.conf."""
    from oslo_config import cfg
    from oslo_middleware import cors

    def _filter(app):
        return cors.CORS(app, cfg.CONF)
    return _filter


class Middleware:
    """Base of nova's paste filters: wraps ``application``; ``factory`` for PasteDeploy."""

    def __init__(self, application):
        self.application = application

    @classmethod
    def factory(cls, global_config, **local_config):
        def _filter(app):
            return cls(app)
        return _filter


class RequestLog(Middleware):
    """One INFO line per API request: client, request line, status, size, version, time."""

    def __call__(self, environ, start_response):
        started = time.monotonic()
        seen = {}

        def _start(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            for name, value in headers:
                lname = name.lower()
                if lname == "content-length":
                    seen["length"] = value
                elif lname == "x-openstack-nova-api-version":
                    seen["version"] = value
            return start_response(status, headers, exc_info)

        body = self.application(environ, _start)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        LOG.info(
            '%(client)s "%(method)s %(path)s" status: %(status)s len: %(length)s '
            'microversion: %(version)s time: %(seconds).6f',
            {"client": environ.get("REMOTE_ADDR", "-"),
             "method": environ.get("REQUEST_METHOD"), "path": path,
             "status": seen.get("status", "-"), "length": seen.get("length", "-"),
             "version": seen.get("version", "-"),
             "seconds": time.monotonic() - started})
        return body
