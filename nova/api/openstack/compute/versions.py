"""Version discovery: ``GET /`` lists the API versions, ``GET /v2.1`` describes v2.1.

Both answer without a token, as upstream's do: clients (openstacksdk,
Horizon) read them before they authenticate.
"""

import webob.dec

from nova.api.openstack import api_version
from nova.api.openstack import faults
from nova.api.openstack import wsgi

LINKS = {"describedby": "http://docs.openstack.org/"}

VERSIONS = {
    "v2.0": {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
             "updated": "2011-01-21T11:33:21Z", "path": "v2/"},
    "v2.1": {"id": "v2.1", "status": "CURRENT", "version": None, "min_version": None,
             "updated": "2013-07-23T11:33:21Z", "path": "v2.1/"},
}

MEDIA_TYPES = [{"base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1"}]


def _version(key):
    data = dict(VERSIONS[key])
    if key == "v2.1":
        data["version"] = api_version.MAX_API_VERSION
        data["min_version"] = api_version.MIN_API_VERSION
    return data


def _base_url(req):
    from oslo_config import cfg
    prefix = cfg.CONF.api.compute_link_prefix
    url = req.application_url if False else req.host_url
    if prefix:
        url = prefix
    script = req.script_name or ""
    # The root application may be mounted below a path prefix.
    for suffix in ("/v2.1", "/v2"):
        if script.endswith(suffix):
            script = script[: -len(suffix)]
            break
    return url.rstrip("/") + script + "/"


def versions_list(req):
    base = _base_url(req)
    result = []
    for key in ("v2.0", "v2.1"):
        data = _version(key)
        path = data.pop("path")
        data["links"] = [{"rel": "self", "href": base + path}]
        result.append(data)
    return {"versions": result}


def version_document(req, key="v2.1"):
    base = _base_url(req)
    data = _version(key)
    path = data.pop("path")
    data["links"] = [{"rel": "self", "href": base + path},
                     {"rel": "describedby", "type": "text/html",
                      "href": LINKS["describedby"]}]
    data["media-types"] = MEDIA_TYPES
    return {"version": data}


def show(req):
    """GET /v2.1: the v2.1 version document."""
    return version_document(req)


ROUTES = [
    ("/", {"GET": show}),
]


class Versions:
    """The application at ``/``: the version list; other paths outside /v2.1 are 404."""

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls()

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        if req.method not in ("GET", "HEAD"):
            resp = faults.fault_response(405, "The method %s is not allowed for this "
                                         "resource." % req.method)
            resp.headers["Allow"] = "GET"
            return resp
        if req.path_info not in ("", "/"):
            return faults.fault_response(404, "The resource could not be found.")
        return wsgi.json_response(req, versions_list(req), 200)


class VersionDocument:
    """The application at exactly ``/v2.1`` (or ``/v2``): its version document,
    served without a token, with the negotiated microversion echoed."""

    def __init__(self, key="v2.1"):
        self.key = key

    @classmethod
    def factory(cls, global_config, **local_config):
        return cls(local_config.get("version", "v2.1"))

    @webob.dec.wsgify(RequestClass=wsgi.Request)
    def __call__(self, req):
        from nova.api.openstack import router
        if req.method not in ("GET", "HEAD"):
            resp = faults.fault_response(405, "The method %s is not allowed for this "
                                         "resource." % req.method)
            resp.headers["Allow"] = "GET"
            return resp
        try:
            if self.key == "v2.1":
                router.negotiate_version(req)
            resp = wsgi.json_response(req, version_document(req, self.key), 200)
        except Exception as exc:
            resp = faults.fault_for(exc, req)
        faults.add_version_headers(req, resp)
        return resp
