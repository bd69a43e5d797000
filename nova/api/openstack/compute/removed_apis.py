"""APIs upstream removed: they answer 410 Gone (not 404), as upstream's do.

cells v1, root certificates, cloudpipe, fixed IPs, floating IP DNS, bulk
floating IPs, fping, default security group rules, virtual interfaces,
guest agents, XVP consoles (/servers/{id}/consoles), and the nova-network
mutations of os-networks and os-tenant-networks (their GETs still read
networks: nova.api.openstack.compute.networks).
"""

import webob.exc

from nova.api.openstack import wsgi


@wsgi.expected_errors(410)
def gone(req, **kwargs):
    raise webob.exc.HTTPGone()


_ALL = {method: gone for method in ("GET", "POST", "PUT", "DELETE")}

ROUTES = [
    ("/os-cells", _ALL),
    ("/os-cells/{id}", _ALL),
    ("/os-cells/{id}/{action}", _ALL),
    ("/os-certificates", _ALL),
    ("/os-certificates/{id}", _ALL),
    ("/os-cloudpipe", _ALL),
    ("/os-cloudpipe/{id}", _ALL),
    ("/os-fixed-ips/{id}", _ALL),
    ("/os-fixed-ips/{id}/action", _ALL),
    ("/os-floating-ip-dns", _ALL),
    ("/os-floating-ip-dns/{id}", _ALL),
    ("/os-floating-ip-dns/{domain}/entries/{id}", _ALL),
    ("/os-floating-ips-bulk", _ALL),
    ("/os-floating-ips-bulk/{id}", _ALL),
    ("/os-fping", _ALL),
    ("/os-fping/{id}", _ALL),
    ("/os-security-group-default-rules", _ALL),
    ("/os-security-group-default-rules/{id}", _ALL),
    ("/servers/{server_id}/os-virtual-interfaces", _ALL),
    ("/os-agents", _ALL),
    ("/os-agents/{id}", _ALL),
    ("/servers/{server_id}/consoles", _ALL),
    ("/servers/{server_id}/consoles/{id}", _ALL),
    ("/os-networks", {"POST": gone}),
    ("/os-networks/add", {"POST": gone}),
    ("/os-networks/{id}", {"DELETE": gone}),
    ("/os-networks/{id}/action", {"POST": gone}),
    ("/os-tenant-networks", {"POST": gone}),
    ("/os-tenant-networks/{id}", {"DELETE": gone}),
]
