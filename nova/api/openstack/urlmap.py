"""Dispatch on the longest matching path prefix (the paste ``composite`` of the API).

A key ``/v2.1/+`` takes only the paths below ``/v2.1``; when it is given,
the plain key ``/v2.1`` takes only ``/v2.1`` and ``/v2.1/`` themselves. That
is how the version documents answer without a token while everything below
them goes through authentication.
"""

import webob.dec

from nova.api.openstack import faults


def urlmap_factory(loader, global_conf, **local_conf):
    """``use = call:nova.api.openstack.urlmap:urlmap_factory`` followed by ``/path = app``."""
    mapping = {}
    for key, app_name in local_conf.items():
        if not key.startswith("/"):
            continue
        mapping[key] = loader.get_app(app_name, global_conf=global_conf)
    return URLMap(mapping)


class URLMap:
    def __init__(self, mapping):
        below = {key[:-2].rstrip("/") for key in mapping if key.endswith("/+")}
        entries = []
        for key, app in mapping.items():
            if key.endswith("/+"):
                entries.append((key[:-2].rstrip("/") or "/", app, "below"))
            else:
                prefix = key.rstrip("/") or "/"
                entries.append((prefix, app, "exact" if prefix in below else "all"))
        # Longest prefix first; for one prefix the exact entry before the one below.
        self.mapping = sorted(entries, key=lambda item: (-len(item[0]), item[2] != "exact"))

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            path = req.path_info or "/"
        except UnicodeDecodeError:
            return faults.fault_response(400, "The URL path is not valid UTF-8.")
        for prefix, app, kind in self.mapping:
            if prefix == "/":
                return req.get_response(app)
            exact = path in (prefix, prefix + "/")
            if kind == "exact" and not exact:
                continue
            if kind == "below" and (exact or not path.startswith(prefix + "/")):
                continue
            if exact or path.startswith(prefix + "/"):
                req.script_name = req.script_name + prefix
                req.path_info = path[len(prefix):]
                return req.get_response(app)
        return faults.fault_response(404, "The resource could not be found.")
