"""GET /servers/{server_id}/topology (2.78): the NUMA topology of a server.

This cloud places no server on NUMA cells (no ``hw:numa_*`` placement is
built yet), so every server answers ``{"nodes": [], "pagesize_kb": null}``,
which is upstream's answer for a server without a NUMA topology. The
per-node ``host_node`` and ``cpu_pinning`` fields are for admins
(``compute:server:topology:host:index``) once nodes exist.
"""

from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi

POLICY_ROOT = "compute:server:topology:%s"


@wsgi.expected_errors(404)
@wsgi.api_version("2.78")
def index(req, server_id):
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY_ROOT % "index", target={"project_id": instance.project_id})
    return {"nodes": [], "pagesize_kb": None}


ROUTES = [
    ("/servers/{server_id}/topology", {"GET": index}),
]
