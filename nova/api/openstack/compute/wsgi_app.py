"""WSGI application of the compute API, as nova-api and WSGI containers load it.

Until the request framework and its resources exist, the application answers
the version discovery document at the root and a Nova-style 404 elsewhere.
"""

import json

import webob
import webob.dec

# The compute API's microversion range.
MIN_VERSION = "2.1"
MAX_VERSION = "2.1"

VERSIONS = (
    {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
     "updated": "2011-01-21T11:33:21Z", "path": "v2/"},
    {"id": "v2.1", "status": "CURRENT", "version": MAX_VERSION, "min_version": MIN_VERSION,
     "updated": "2013-07-23T11:33:21Z", "path": "v2.1/"},
)


def _json_response(status, body):
    response = webob.Response(status=status, content_type="application/json",
                              charset="UTF-8")
    response.text = json.dumps(body)
    return response


def versions_document(host_url):
    base = host_url.rstrip("/") + "/"
    return {"versions": [
        {"id": v["id"], "status": v["status"], "version": v["version"],
         "min_version": v["min_version"], "updated": v["updated"],
         "links": [{"rel": "self", "href": base + v["path"]}]}
        for v in VERSIONS]}


@webob.dec.wsgify
def application(request):
    if request.path_info in ("", "/") and request.method in ("GET", "HEAD"):
        return _json_response(200, versions_document(request.host_url))
    return _json_response(404, {"itemNotFound": {
        "code": 404, "message": "The resource could not be found."}})


def init_application():
    """The WSGI callable (the entry point WSGI containers use)."""
    return application
