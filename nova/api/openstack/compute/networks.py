"""GET os-networks and os-tenant-networks: the networks a project sees, up to 2.35.

They read the networks through the network API (Neutron, or the flat
network of the all-in-one); from 2.36 they are gone (404), and their
mutations answer 410 at every version (nova.api.openstack.compute.removed_apis).
"""

import webob.exc

from nova.api.openstack import wsgi
from nova import exception
from nova.network import api as network_api

FIELDS = ("id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6",
          "gateway_v6", "label", "netmask_v6")
ADMIN_FIELDS = ("created_at", "updated_at", "deleted_at", "deleted", "injected",
                "bridge", "vlan", "vpn_public_address", "vpn_public_port",
                "vpn_private_address", "dhcp_start", "project_id", "host",
                "bridge_interface", "multi_host", "priority", "rxtx_base", "mtu",
                "dhcp_server", "enable_dhcp", "share_address")


def _network_view(context, net):
    fields = FIELDS + (ADMIN_FIELDS if context.is_admin else ())
    view = {}
    for name in fields:
        if name == "label":
            view[name] = net.get("name") or net.get("label")
        elif name == "project_id":
            view[name] = net.get("project_id") or net.get("tenant_id")
        else:
            view[name] = net.get(name)
    return view


def _tenant_view(net):
    return {"id": net.get("id"), "label": net.get("name") or net.get("label"),
            "cidr": net.get("cidr")}


def _get(context, network_id):
    try:
        return network_api.get_network_api().get(context, network_id)
    except exception.NetworkNotFound:
        raise webob.exc.HTTPNotFound(explanation="Network not found")


@wsgi.expected_errors(())
@wsgi.api_version("2.1", "2.35")
def index(req):
    req.context.can("os_compute_api:os-networks:list",
                    target={"project_id": req.context.project_id})
    nets = network_api.get_network_api().get_all(req.context)
    return {"networks": [_network_view(req.context, n) for n in nets]}


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.35")
def show(req, id):
    req.context.can("os_compute_api:os-networks:view",
                    target={"project_id": req.context.project_id})
    return {"network": _network_view(req.context, _get(req.context, id))}


@wsgi.expected_errors(())
@wsgi.api_version("2.1", "2.35")
def tenant_index(req):
    req.context.can("os_compute_api:os-tenant-networks:list",
                    target={"project_id": req.context.project_id})
    nets = network_api.get_network_api().get_all(req.context)
    return {"networks": [_tenant_view(n) for n in nets]}


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.35")
def tenant_show(req, id):
    req.context.can("os_compute_api:os-tenant-networks:show",
                    target={"project_id": req.context.project_id})
    return {"network": _tenant_view(_get(req.context, id))}


ROUTES = [
    ("/os-networks", {"GET": index}),
    ("/os-networks/{id}", {"GET": show}),
    ("/os-tenant-networks", {"GET": tenant_index}),
    ("/os-tenant-networks/{id}", {"GET": tenant_show}),
]
