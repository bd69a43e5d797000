"""network_data.json: an instance's network information as links, networks and services.

The shape cloud-init reads (``cloudinit.sources.helpers.openstack``
``convert_net_json``): one *link* per VIF (its MAC and MTU), one *network* per
fixed address (static, with its netmask, routes and DNS servers) or per
subnet without an address (DHCP), and the DNS servers of every subnet as
*services*. It is computed from the plain network_info of the instance's
info cache, for the flat network and Neutron alike.
"""

import ipaddress


def _address(value):
    """An address from an IP model dict or a plain string; None if absent."""
    if isinstance(value, dict):
        return value.get("address")
    return value or None


def _version(cidr, ip=None):
    if ip and ip.get("version"):
        return int(ip["version"])
    return ipaddress.ip_network(cidr, strict=False).version


def _default_route(version, gateway):
    if version == 6:
        return {"network": "::", "netmask": "::", "gateway": gateway}
    return {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": gateway}


def _routes(subnet, version):
    routes = []
    gateway = _address(subnet.get("gateway"))
    if gateway:
        routes.append(_default_route(version, gateway))
    for route in subnet.get("routes") or []:
        cidr = route.get("cidr")
        hop = _address(route.get("gateway"))
        if not cidr or not hop:
            continue
        net = ipaddress.ip_network(cidr, strict=False)
        routes.append({"network": str(net.network_address), "netmask": str(net.netmask),
                       "gateway": hop})
    return routes


def _link(index, vif):
    network = vif.get("network") or {}
    mtu = (network.get("meta") or {}).get("mtu")
    return {"id": vif.get("devname") or "interface%d" % index,
            "vif_id": vif.get("id"),
            "type": vif.get("type") if vif.get("type") not in (None, "other", "unbound")
            else "phy",
            "mtu": mtu,
            "ethernet_mac_address": vif.get("address")}


def network_data(network_info):
    """The network_data.json document (a dict) of a network_info list."""
    links, networks, services = [], [], []
    for index, vif in enumerate(network_info or []):
        link = _link(index, vif)
        links.append(link)
        network = vif.get("network") or {}
        for subnet in network.get("subnets") or []:
            cidr = subnet.get("cidr")
            if not cidr:
                continue
            net = ipaddress.ip_network(cidr, strict=False)
            dns = [{"type": "dns", "address": a}
                   for a in (_address(d) for d in subnet.get("dns") or []) if a]
            for service in dns:
                if service not in services:
                    services.append(service)
            ips = subnet.get("ips") or []
            if not ips:
                networks.append({"id": "network%d" % len(networks), "link": link["id"],
                                 "network_id": network.get("id"),
                                 "type": "ipv%d_dhcp" % net.version})
                continue
            for ip in ips:
                version = _version(cidr, ip)
                networks.append({
                    "id": "network%d" % len(networks), "link": link["id"],
                    "network_id": network.get("id"),
                    "type": "ipv%d" % version,
                    "ip_address": ip["address"],
                    "netmask": str(net.netmask),
                    "routes": _routes(subnet, version),
                    "services": dns})
    return {"links": links, "networks": networks, "services": services}
