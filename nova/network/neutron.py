"""The Neutron backend of the network API: ports created for an instance and bound to its host.

Ports a boot request names are the user's: they are attached (device_id,
binding) and on teardown only detached again (``preserve_on_delete``).
Ports nova creates for a requested network are deleted on teardown.
``network_info`` is rebuilt from the ports, their subnets and floating IPs.
"""

from oslo_concurrency import lockutils
from oslo_log import log as logging

import nova.conf
from nova import exception
from nova.network import api as network_api
from nova.network import model as network_model
from nova.network import neutron_client
from nova.network import neutron_interfaces
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

BINDING_HOST_ID = "binding:host_id"
BINDING_PROFILE = "binding:profile"
BINDING_VIF_TYPE = "binding:vif_type"
BINDING_VIF_DETAILS = "binding:vif_details"
BINDING_VNIC_TYPE = "binding:vnic_type"
DEVICE_OWNER_COMPUTE_PREFIX = "compute:"
# A port's resource request (admin only) and the binding profile key that
# names the provider(s) its resources were allocated from.
RESOURCE_REQUEST = "resource_request"
REQUEST_GROUPS = "request_groups"
ALLOCATION = "allocation"
# Ids per query when listing by many ids: 50 uuids keep the request line
# under the 4 KiB that WSGI servers accept by default (gunicorn: 4094 bytes;
# 100 device_id filters were 4435).
SG_CHUNK = 50


def _device_owner(instance):
    zone = instance.availability_zone if instance.obj_attr_is_set(
        "availability_zone") else None
    return DEVICE_OWNER_COMPUTE_PREFIX + (zone or CONF.default_availability_zone)


class API(neutron_interfaces.InterfaceMethods, neutron_interfaces.SecurityGroupMethods,
          network_api.NetworkAPIBase):
    """The neutron backend of get_network_api()."""

    backend = "neutron"

    # --- networks a project sees ---

    def get_all(self, context):
        client = neutron_client.get_client(context)
        return self._available_networks(context, client)

    def get(self, context, network_id):
        return neutron_client.get_client(context).show_network(network_id)

    def _available_networks(self, context, client, net_ids=None):
        """Networks the project may boot on: the named ones (each must exist), or its
        own and the shared ones."""
        if net_ids:
            found = {n["id"]: n for n in client.list("networks", id=list(net_ids))}
            for net_id in net_ids:
                if net_id not in found:
                    raise exception.NetworkNotFound(network_id=net_id)
            nets = [found[net_id] for net_id in dict.fromkeys(net_ids)]
            for net in nets:
                if net.get("router:external") and not net.get("shared") \
                        and not context.is_admin:
                    raise exception.ExternalNetworkAttachForbidden(network_uuid=net["id"])
        else:
            nets = client.list("networks", tenant_id=context.project_id, shared=False)
            nets += client.list("networks", shared=True)
        for net in nets:
            if not net.get("subnets"):
                raise exception.NetworkRequiresSubnet(network_uuid=net["id"])
        return nets

    def _auto_allocate(self, context, client):
        topology = client.get_auto_allocated_topology(context.project_id)
        net_id = topology.get("id")
        if not net_id:
            raise exception.UnableToAutoAllocateNetwork(project_id=context.project_id)
        return client.show_network(net_id)

    # --- API side ---

    def get_instances_security_groups(self, context, instance_uuids):
        """The names of the security groups on each server's ports (in port
        order, each name once), read with the caller's own rights."""
        uuids = list(dict.fromkeys(instance_uuids))
        if not uuids:
            return {}
        client = neutron_client.get_client(context)
        ports = []
        for start in range(0, len(uuids), SG_CHUNK):
            ports += client.list("ports", device_id=uuids[start:start + SG_CHUNK],
                                 fields=["device_id", "security_groups"])
        group_ids = sorted({g for p in ports for g in p.get("security_groups") or []})
        names = {}
        for start in range(0, len(group_ids), SG_CHUNK):
            for group in client.list("security-groups",
                                     id=group_ids[start:start + SG_CHUNK],
                                     fields=["id", "name"]):
                names[group["id"]] = group["name"]
        result = {}
        for port in ports:
            seen = result.setdefault(port["device_id"], [])
            for group_id in port.get("security_groups") or []:
                entry = {"name": names.get(group_id, group_id)}
                if entry not in seen:
                    seen.append(entry)
        return result

    def validate_networks(self, context, requested_networks, num_instances):
        requests = network_api.as_requests(requested_networks)
        if network_api.is_no_allocate(requests):
            return num_instances
        client = neutron_client.get_client(context)
        ports_needed = 0
        if network_api.is_auto_allocate(requests) or not requests:
            nets = self._available_networks(context, client)
            if len(nets) > 1:
                raise exception.NetworkAmbiguous()
            if not nets and requests:
                # 'auto' with nothing to use: Neutron must be able to make a topology.
                client.get_auto_allocated_topology(context.project_id, dry_run=True)
            ports_needed = 1 if (nets or requests) else 0
        else:
            network_api.check_fixed_ips_for_count(requests, num_instances)
            net_ids = []
            for request in requests:
                if request.port_id:
                    port = client.show_port(request.port_id)
                    if port.get("device_id"):
                        raise exception.PortInUse(port_id=request.port_id)
                    if not port.get("fixed_ips"):
                        raise exception.PortRequiresFixedIP(port_id=request.port_id)
                    request.network_id = port["network_id"]
                    continue
                ports_needed += 1
                net_ids.append(request.network_id)
                if request.address is not None:
                    taken = client.list("ports", network_id=request.network_id,
                                        fixed_ips="ip_address=%s" % request.address)
                    if taken:
                        raise exception.FixedIpAlreadyInUse(
                            address=str(request.address),
                            instance_uuid=taken[0].get("device_id") or "")
            if net_ids:
                self._available_networks(context, client, net_ids)
            else:
                return num_instances   # only existing ports: nothing to create
        return self._count_within_port_quota(context, client, ports_needed, num_instances)

    def _count_within_port_quota(self, context, client, ports_needed, num_instances):
        if not ports_needed:
            return num_instances
        try:
            limit = client.show_quota(context.project_id).get("port", -1)
        except exception.NetworkError:
            return num_instances
        if limit is None or limit < 0:
            return num_instances
        used = len(client.list("ports", tenant_id=context.project_id, fields="id"))
        free = limit - used
        if free < ports_needed:
            raise exception.PortLimitExceeded()
        return min(num_instances, free // ports_needed)

    def create_resource_requests(self, context, requested_networks):
        """([objects.RequestGroup], objects.RequestLevelParams) of the requested
        ports' ``resource_request`` (an admin-only port attribute, e.g. from a
        QoS minimum bandwidth rule), in the legacy ({"resources", "required"})
        or the extended ({"request_groups", "same_subtree"}) format."""
        groups, params = [], objects.RequestLevelParams()
        port_ids = [r.port_id for r in network_api.as_requests(requested_networks)
                    if r.port_id]
        if not port_ids:
            return groups, params
        admin = neutron_client.get_client(context, admin=True)
        ports = {p["id"]: p for p in admin.list("ports", id=port_ids)}
        for port_id in port_ids:
            resource_request = (ports.get(port_id) or {}).get(RESOURCE_REQUEST)
            if not resource_request:
                continue
            if REQUEST_GROUPS in resource_request:
                groups.extend(objects.RequestGroup.from_extended_port_request(
                    resource_request))
                params.extend_with(objects.RequestLevelParams.from_port_request(
                    resource_request))
            else:
                groups.append(objects.RequestGroup.from_port_request(
                    port_id, resource_request))
        return [g for g in groups if not g.is_empty()], params

    # --- compute side ---

    def _port_targets(self, context, instance, client, requests):
        """(network, request) pairs for the ports to create or attach."""
        if network_api.is_auto_allocate(requests) or not requests:
            nets = self._available_networks(context, client)
            if len(nets) > 1:
                raise exception.NetworkAmbiguous()
            if not nets:
                if not requests:
                    return []
                nets = [self._auto_allocate(context, client)]
            return [(nets[0], objects.NetworkRequest(network_id=nets[0]["id"]))]
        targets = []
        for request in requests:
            if request.port_id:
                port = client.show_port(request.port_id)
                if port.get("device_id") and port["device_id"] != instance.uuid:
                    raise exception.PortInUse(port_id=request.port_id)
                targets.append((None, request))
            else:
                targets.append((None, request))
        net_ids = [r.network_id for _n, r in targets if not r.port_id]
        if net_ids:
            nets = {n["id"]: n for n in self._available_networks(context, client, net_ids)}
            targets = [(nets.get(r.network_id), r) for _n, r in targets]
        return targets

    def _security_group_ids(self, client, context, names):
        if not names:
            return None
        groups = client.list("security-groups", tenant_id=context.project_id)
        ids = []
        for name in names:
            match = [g["id"] for g in groups if name in (g["id"], g["name"])]
            if not match:
                raise exception.NetworkError(reason="security group %s not found" % name)
            ids.append(match[0])
        return ids

    def allocate_for_instance(self, context, instance, requested_networks,
                              security_groups=None, bind_host_id=None, **kwargs):
        requests = network_api.as_requests(requested_networks)
        if network_api.is_no_allocate(requests):
            return network_api.save_network_info(context, instance,
                                                 network_model.NetworkInfo())
        client = neutron_client.get_client(context)
        admin = neutron_client.get_client(context, admin=True)
        targets = self._port_targets(context, instance, client, requests)
        sg_ids = self._security_group_ids(client, context, security_groups)
        binding = {"device_id": instance.uuid, "device_owner": _device_owner(instance)}
        if bind_host_id:
            binding[BINDING_HOST_ID] = bind_host_id
        created, attached, port_ids, preserved = [], [], [], set()
        tags = {}
        mapping = kwargs.get("resource_provider_mapping") or {}
        try:
            for net, request in targets:
                if request.port_id:
                    admin.update_port(request.port_id, self._with_allocation(
                        admin, request.port_id, binding, mapping))
                    attached.append(request.port_id)
                    preserved.add(request.port_id)
                    port_ids.append(request.port_id)
                    tags[request.port_id] = request.tag
                    continue
                body = {"network_id": net["id"], "device_id": instance.uuid,
                        "device_owner": binding["device_owner"],
                        "tenant_id": instance.project_id, "admin_state_up": True}
                if request.address is not None:
                    body["fixed_ips"] = [{"ip_address": str(request.address)}]
                if sg_ids is not None:
                    body["security_groups"] = sg_ids
                port = client.create_port(body, instance_uuid=instance.uuid)
                created.append(port["id"])
                port_ids.append(port["id"])
                tags[port["id"]] = request.tag
                if bind_host_id:
                    bound = admin.update_port(port["id"], {BINDING_HOST_ID: bind_host_id})
                    if bound.get(BINDING_VIF_TYPE) == network_model.VIF_TYPE_BINDING_FAILED:
                        raise exception.PortBindingFailed(port_id=port["id"])
                    if bound.get(RESOURCE_REQUEST):
                        # The network's QoS policy gave the new port a resource
                        # request nothing was scheduled for (as upstream: the
                        # user must create such a port and pass it in).
                        LOG.info("Deleting port %s: its network %s has a QoS policy",
                                 port["id"], net["id"])
                        raise exception.NetworksWithQoSPolicyNotSupported(
                            instance_uuid=instance.uuid, network_id=net["id"])
        except Exception:
            with_excutils_cleanup(lambda: self._undo(admin, created, attached))
            raise
        # Read back as nova's service user: Neutron shows a port's binding
        # (VIF type and details) to admins only.
        nw_info = network_api.tag_vifs(
            self._network_info_for_ports(context, admin, port_ids, preserved), tags)
        with refresh_lock(instance.uuid):
            return network_api.save_network_info(context, instance, nw_info)

    @staticmethod
    def _with_allocation(admin, port_id, binding, mapping):
        """``binding`` plus, for a port with a resource request, its binding
        profile's "allocation": the provider serving the port's request group
        (legacy format) or {request group id: provider} (extended format)."""
        if not mapping:
            return binding
        port = admin.show_port(port_id)
        resource_request = port.get(RESOURCE_REQUEST)
        if not resource_request:
            return binding
        try:
            if REQUEST_GROUPS in resource_request:
                allocation = {group["id"]: mapping[group["id"]][0]
                              for group in resource_request[REQUEST_GROUPS]}
            else:
                allocation = mapping[port_id][0]
        except (KeyError, IndexError):
            raise exception.NetworkError(
                reason="port %s has a resource request but the instance holds no "
                       "allocation for it" % port_id)
        profile = dict(port.get(BINDING_PROFILE) or {})
        profile[ALLOCATION] = allocation
        return dict(binding, **{BINDING_PROFILE: profile})

    def _undo(self, admin, created, attached):
        for port_id in created:
            try:
                admin.delete_port(port_id)
            except exception.PortNotFound:
                pass
        for port_id in attached:
            self._unbind(admin, port_id)

    @staticmethod
    def _unbind(admin, port_id):
        try:
            admin.update_port(port_id, {"device_id": "", "device_owner": "",
                                        BINDING_HOST_ID: None, BINDING_PROFILE: {}})
        except exception.PortNotFound:
            LOG.debug("Port %s is gone; nothing to unbind", port_id)

    def deallocate_for_instance(self, context, instance, requested_networks=None, **kwargs):
        admin = neutron_client.get_client(context, admin=True)
        ports = admin.list("ports", device_id=instance.uuid)
        with refresh_lock(instance.uuid):
            _reload_info_cache(context, instance)
        preserved = {r.port_id for r in network_api.as_requests(requested_networks)
                     if r.port_id}
        cache = instance.info_cache if instance.obj_attr_is_set("info_cache") else None
        if cache is not None and cache.network_info:
            preserved |= {vif["id"] for vif in network_model.NetworkInfo.hydrate(
                cache.network_info) if vif.get("preserve_on_delete")}
        for port in ports:
            if port["id"] in preserved:
                self._unbind(admin, port["id"])
            else:
                try:
                    admin.delete_port(port["id"])
                except exception.PortNotFound:
                    pass
        LOG.info("Released %d port(s) of instance %s (%d kept)", len(ports), instance.uuid,
                 len([p for p in ports if p["id"] in preserved]))
        try:
            network_api.save_network_info(context, instance, network_model.NetworkInfo())
        except exception.InstanceNotFound:
            pass

    def get_instance_nw_info(self, context, instance, **kwargs):
        # One refresh or allocation of an instance's cache at a time in this
        # process, each reading the cache as saved: an event's refresh (Neutron
        # sends network-changed while nova is still binding ports) must not
        # overwrite what the allocation saved with an older view of it.
        with refresh_lock(instance.uuid):
            _reload_info_cache(context, instance)
            return super().get_instance_nw_info(context, instance, **kwargs)

    def _build_network_info(self, context, instance):
        admin = neutron_client.get_client(context, admin=True)
        ports = admin.list("ports", device_id=instance.uuid)
        cache = instance.info_cache if instance.obj_attr_is_set("info_cache") else None
        known = network_model.NetworkInfo.hydrate(cache.network_info) \
            if cache is not None and cache.network_info else []
        order = [vif["id"] for vif in known]
        preserved = {vif["id"] for vif in known if vif.get("preserve_on_delete")}
        ports.sort(key=lambda p: order.index(p["id"]) if p["id"] in order else len(order))
        return network_api.carry_tags(self._network_info_for_ports(
            context, admin, [p["id"] for p in ports], preserved, ports), known)

    def setup_networks_on_host(self, context, instance, host=None, teardown=False):
        """Point the instance's port bindings at ``host`` (after a move)."""
        if teardown:
            return
        host = host or instance.host
        admin = neutron_client.get_client(context, admin=True)
        for port in admin.list("ports", device_id=instance.uuid):
            if port.get(BINDING_HOST_ID) != host:
                admin.update_port(port["id"], {BINDING_HOST_ID: host})

    # --- network info ---

    def _network_info_for_ports(self, context, client, port_ids, preserved, ports=None):
        if not port_ids:
            return network_model.NetworkInfo()
        if ports is None:
            by_id = {p["id"]: p for p in client.list("ports", id=port_ids)}
            ports = [by_id[p] for p in port_ids if p in by_id]
        net_ids = sorted({p["network_id"] for p in ports})
        nets = {n["id"]: n for n in client.list("networks", id=net_ids)}
        subnet_ids = sorted({ip["subnet_id"] for p in ports for ip in p.get("fixed_ips", [])})
        subnets = {s["id"]: s for s in client.list("subnets", id=subnet_ids)} \
            if subnet_ids else {}
        floating = client.list("floatingips", port_id=[p["id"] for p in ports])
        return network_model.NetworkInfo(
            build_vif(port, nets.get(port["network_id"], {"id": port["network_id"]}),
                      subnets, floating, port["id"] in preserved) for port in ports)


def refresh_lock(instance_uuid):
    """The in-process lock of one instance's network info cache."""
    return lockutils.lock("refresh_cache-%s" % instance_uuid)


def _reload_info_cache(context, instance):
    """Replace ``instance``'s info cache by the one saved now, if any."""
    try:
        cache = objects.InstanceInfoCache.get_by_instance_uuid(context, instance.uuid)
    except exception.InstanceInfoCacheNotFound:
        return
    instance.info_cache = cache
    instance.obj_reset_changes(["info_cache"])


def build_vif(port, net, subnets, floating, preserve_on_delete):
    """The VIF of one Neutron port."""
    by_subnet = {}
    for ip in port.get("fixed_ips", []):
        fixed = network_model.FixedIP(address=ip["ip_address"])
        for fip in floating:
            if fip.get("port_id") == port["id"] and \
                    fip.get("fixed_ip_address") == ip["ip_address"]:
                fixed.add_floating_ip(fip["floating_ip_address"])
        by_subnet.setdefault(ip["subnet_id"], []).append(fixed)
    net_subnets = []
    for subnet_id, ips in by_subnet.items():
        sub = subnets.get(subnet_id, {})
        net_subnets.append(network_model.Subnet(
            cidr=sub.get("cidr"), gateway=sub.get("gateway_ip"),
            dns=sub.get("dns_nameservers", []), ips=ips,
            routes=sub.get("host_routes", []), version=sub.get("ip_version")))
    vif_type = port.get(BINDING_VIF_TYPE) or network_model.VIF_TYPE_UNBOUND
    details = port.get(BINDING_VIF_DETAILS) or {}
    bridge = details.get("bridge_name") or \
        (CONF.neutron.ovs_bridge if vif_type == network_model.VIF_TYPE_OVS else None)
    network = network_model.Network(
        id=net["id"], label=net.get("name"), bridge=bridge, subnets=net_subnets,
        meta={"mtu": net.get("mtu"), "tenant_id": net.get("tenant_id"),
              "physical_network": net.get("provider:physical_network"),
              "tunneled": net.get("provider:network_type") in ("vxlan", "gre", "geneve")})
    return network_model.VIF(
        id=port["id"], address=port.get("mac_address"), network=network, type=vif_type,
        details=details, devname=("tap" + port["id"])[:14],
        ovs_interfaceid=port["id"] if vif_type == network_model.VIF_TYPE_OVS else None,
        active=port.get("status") == "ACTIVE",
        vnic_type=port.get(BINDING_VNIC_TYPE, network_model.VNIC_TYPE_NORMAL),
        profile=port.get(BINDING_PROFILE) or {}, preserve_on_delete=preserve_on_delete)


def with_excutils_cleanup(fn):
    """Run a cleanup while an error propagates; log (not raise) its own failure."""
    try:
        fn()
    except Exception:
        LOG.exception("Cleaning up the ports of a failed allocation failed")
