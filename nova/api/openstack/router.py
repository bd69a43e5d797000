"""The v2.1 application: microversion negotiation and the Routes mapper.

Every resource module listed in ``nova.api.openstack.compute.routes`` contributes
``ROUTES = [(path, {"GET": func, ...}), ...]``; paths are relative to /v2.1.
A known path with another method answers 405, an unknown one 404, both with
Nova's fault body. The legacy ``/v2.1/{project_id}/...`` form is accepted
when the segment is the caller's project.
"""

import microversion_parse
from oslo_log import log as logging
import routes
import webob.dec
import webob.exc

from nova.api.openstack import api_version
from nova.api.openstack import faults
from nova.api.openstack import wsgi

LOG = logging.getLogger(__name__)

LEGACY_VERSION_HEADER = "X-OpenStack-Nova-API-Version"


def negotiate_version(req):
    """Set ``req.api_version_request`` from the headers: 400 malformed, 406 unsupported."""
    value = microversion_parse.get_version(
        req.headers, service_type="compute",
        legacy_headers=[LEGACY_VERSION_HEADER])
    if value is None:
        req.api_version_request = api_version.min_api_version()
        return
    if value.strip().lower() == "latest":
        req.api_version_request = api_version.max_api_version()
        return
    try:
        version = api_version.APIVersionRequest(value)
    except api_version.InvalidAPIVersionString as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if not version.matches(api_version.MIN_API_VERSION, api_version.MAX_API_VERSION):
        raise webob.exc.HTTPNotAcceptable(
            explanation="Version %s is not supported by the API. Minimum is %s and "
                        "maximum is %s." % (value, api_version.MIN_API_VERSION,
                                            api_version.MAX_API_VERSION))
    req.api_version_request = version


def _check_query_string(req):
    """400 for a query string that does not decode as UTF-8 (webob would raise later)."""
    try:
        req.GET
    except UnicodeDecodeError:
        raise webob.exc.HTTPBadRequest(explanation="The query string is not valid UTF-8.")


class APIRouterV21:
    """The compute API v2.1 as a WSGI application."""

    def __init__(self, route_modules=None):
        from nova.api.openstack.compute import routes as route_table
        self.mapper = routes.Mapper()
        self.mapper.minimization = False
        self.mapper.explicit = True
        self.tables = []
        for path, methods in route_table.collect_routes(route_modules):
            self.mapper.connect(path or "/", route_index=str(len(self.tables)))
            self.tables.append(dict(methods))

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls()

    def _match(self, path):
        path = path or "/"
        if len(path) > 1:
            path = path.rstrip("/") or "/"
        return self.mapper.match(path)

    def _route(self, req):
        match = self._match(req.path_info)
        if match is None and req.context is not None and req.context.project_id:
            prefix = "/" + req.context.project_id
            path = req.path_info
            if path == prefix or path.startswith(prefix + "/"):
                match = self._match(path[len(prefix):])
        return match

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        try:
            negotiate_version(req)
            _check_query_string(req)
            match = self._route(req)
            if match is None:
                raise webob.exc.HTTPNotFound(explanation="The resource could not be found.")
            methods = self.tables[int(match.pop("route_index"))]
            method = "GET" if req.method == "HEAD" else req.method
            func = methods.get(method)
            if func is None:
                allowed = ", ".join(sorted(methods))
                exc = webob.exc.HTTPMethodNotAllowed(
                    explanation="The method %s is not allowed for this resource." %
                    req.method)
                exc.headers["Allow"] = allowed
                raise exc
            kwargs = {k: v for k, v in match.items()
                      if k not in ("controller", "action", "format")}
            resp = wsgi.invoke(func, req, kwargs)
        except Exception as exc:
            resp = faults.fault_for(exc, req)
        faults.add_version_headers(req, resp)
        return resp
