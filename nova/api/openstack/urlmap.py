"""Dispatch on the longest matching path prefix (the paste ``composite`` of the API)."""

import webob.dec

from nova.api.openstack import faults


def urlmap_factory(loader, global_conf, **local_conf):
    """``use = call:nova.api.openstack.urlmap:urlmap_factory`` followed by ``/path = app``."""
    mapping = {}
    for key, app_name in local_conf.items():
        if not key.startswith("/"):
            continue
        mapping[key.rstrip("/") or "/"] = loader.get_app(app_name, global_conf=global_conf)
    return URLMap(mapping)


class URLMap:
    def __init__(self, mapping):
        # Longest prefix first.
        self.mapping = sorted(mapping.items(), key=lambda item: -len(item[0]))

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            path = req.path_info or "/"
        except UnicodeDecodeError:
            return faults.fault_response(400, "The URL path is not valid UTF-8.")
        for prefix, app in self.mapping:
            if prefix == "/":
                return req.get_response(app)
            if path == prefix or path.startswith(prefix + "/"):
                req.script_name = req.script_name + prefix
                req.path_info = path[len(prefix):]
                return req.get_response(app)
        return faults.fault_response(404, "The resource could not be found.")
