"""os-interface: the network interfaces (ports) of a server; attach and detach.

``GET /servers/{id}/os-interface[/{port_id}]`` reads the server's ports from
Neutron (with the flat network of the all-in-one: its one interface, from
the info cache). ``POST`` attaches the port ``port_id`` or a new port on
``net_id`` (with ``fixed_ips``; ``tag`` from 2.49) through the server's
compute host and answers the new interface; ``DELETE`` detaches (202).
From 2.70 an interface shows its device tag, read from the server's info
cache (where nova keeps it: Neutron's ports have no such attribute).
"""

import webob.exc

from nova.api.openstack.compute.schemas import attach_interfaces as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova import exception

POLICY_ROOT = "os_compute_api:os-attach-interfaces:%s"
COMPUTE = compute_api.API()


def _port_view(req, port, tags):
    """One interfaceAttachment; ``tags`` are the device tags by port id (the
    server's info cache keeps them, Neutron does not), shown from 2.70."""
    view = {"net_id": port.get("network_id"), "port_id": port["id"],
            "mac_addr": port.get("mac_address"), "port_state": port.get("status"),
            "fixed_ips": [{"subnet_id": ip.get("subnet_id"), "ip_address": ip["ip_address"]}
                          for ip in port.get("fixed_ips") or []]}
    if req.is_at_least("2.70"):
        view["tag"] = tags.get(port["id"])
    return view


def _tags(instance):
    return {vif["id"]: vif.get("tag") for vif in instance.get_network_info()}


def _vif_as_port(vif):
    """A flat-network VIF of the info cache, shaped as a Neutron port."""
    network = vif.get("network") or {}
    ips = [{"subnet_id": None, "ip_address": ip["address"]}
           for subnet in network.get("subnets") or [] for ip in subnet.get("ips") or []]
    return {"id": vif["id"], "network_id": network.get("id"),
            "mac_address": vif.get("address"), "status": "ACTIVE", "fixed_ips": ips}


def _server(req, server_id, rule):
    instance = servers.get_server(req, server_id, expected_attrs=["info_cache"])
    req.context.can(POLICY_ROOT % rule, target={"project_id": instance.project_id})
    return instance


def _ports(req, instance):
    try:
        return COMPUTE.network_api.list_ports(req.context, instance.uuid)
    except NotImplementedError:
        return [_vif_as_port(vif) for vif in instance.get_network_info()]


@wsgi.expected_errors((404, 501))
def index(req, server_id):
    instance = _server(req, server_id, "list")
    tags = _tags(instance)
    return {"interfaceAttachments": [_port_view(req, p, tags)
                                     for p in _ports(req, instance)]}


@wsgi.expected_errors((403, 404))
def show(req, server_id, id):
    instance = _server(req, server_id, "show")
    for port in _ports(req, instance):
        if port["id"] == id:
            return {"interfaceAttachment": _port_view(req, port, _tags(instance))}
    raise webob.exc.HTTPNotFound(
        explanation="Instance %s does not have a port with id %s" % (server_id, id))


@wsgi.expected_errors((400, 403, 404, 409, 500, 501))
@validation.schema(schemas.create, "2.1", "2.48")
@validation.schema(schemas.create_v249, "2.49")
def create(req, server_id):
    instance = _server(req, server_id, "create")
    body = (req.get_json() or {}).get("interfaceAttachment") or {}
    network_id, port_id = body.get("net_id"), body.get("port_id")
    fixed_ips = body.get("fixed_ips")
    if network_id and port_id:
        raise webob.exc.HTTPBadRequest(
            explanation="Must not input both network_id and port_id")
    if fixed_ips and not network_id:
        raise webob.exc.HTTPBadRequest(
            explanation="Must input network_id when request IP address")
    requested_ip = fixed_ips[0]["ip_address"] if fixed_ips else None
    try:
        vif = COMPUTE.attach_interface(req.context, instance, network_id=network_id,
                                       port_id=port_id, requested_ip=requested_ip,
                                       tag=body.get("tag"))
    except (exception.AttachInterfaceNotSupported, exception.NetworkAmbiguous,
            exception.NoMoreFixedIps, exception.FixedIpInvalidOnNetwork,
            exception.PortBindingFailed, exception.NetworkRequiresSubnet) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except (exception.InstanceIsLocked, exception.FixedIpAlreadyInUse,
            exception.PortInUse) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except (exception.PortNotFound, exception.NetworkNotFound) as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "attach_interface", server_id)
    except exception.InstanceNotReady as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InterfaceAttachFailed as exc:
        raise webob.exc.HTTPInternalServerError(explanation=exc.format_message())
    try:
        port = COMPUTE.network_api.show_port(req.context, vif["id"])
    except (AttributeError, NotImplementedError):
        port = _vif_as_port(vif)
    return {"interfaceAttachment": _port_view(req, port, {vif["id"]: vif.get("tag")})}


@wsgi.expected_errors((400, 403, 404, 409, 501))
@wsgi.response(202)
def delete(req, server_id, id):
    instance = _server(req, server_id, "delete")
    try:
        COMPUTE.detach_interface(req.context, instance, port_id=id)
    except exception.PortNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.AttachInterfaceNotSupported as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except (exception.InstanceIsLocked, exception.InstanceNotReady) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "detach_interface", server_id)


ROUTES = [
    ("/servers/{server_id}/os-interface", {"GET": index, "POST": create}),
    ("/servers/{server_id}/os-interface/{id}", {"GET": show, "DELETE": delete}),
]
