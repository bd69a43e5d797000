"""GET /servers/{server_id}/ips[/{network_label}]: a server's addresses by network.

Each address is ``{"version": 4|6, "addr": ...}`` (fixed and floating alike),
read from the server's network info cache. A label the server has no address
on is a 404.
"""

import webob.exc

from nova.api.openstack.compute import servers
from nova.api.openstack.compute.views import servers as server_views
from nova.api.openstack import wsgi

POLICY_ROOT = "os_compute_api:ips:%s"


def _addresses(req, server_id, rule):
    instance = servers.get_server(req, server_id, expected_attrs=["info_cache"])
    req.context.can(POLICY_ROOT % rule, target={"project_id": instance.project_id})
    return {label: [{"version": a["version"], "addr": a["addr"]} for a in entries]
            for label, entries in server_views.addresses(instance).items()}


@wsgi.expected_errors(404)
def index(req, server_id):
    return {"addresses": _addresses(req, server_id, "index")}


@wsgi.expected_errors(404)
def show(req, server_id, id):
    addresses = _addresses(req, server_id, "show")
    if id not in addresses:
        raise webob.exc.HTTPNotFound(
            explanation="Instance is not a member of specified network")
    return {id: addresses[id]}


ROUTES = [
    ("/servers/{server_id}/ips", {"GET": index}),
    ("/servers/{server_id}/ips/{id}", {"GET": show}),
]
