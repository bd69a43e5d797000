"""The embedded flat network: one network for every project, fixed IPv4 addresses from a range.

Configured in [flat_network]. An allocation is a FixedIP row in the API
database (network uuid, address, instance, VIF uuid, MAC); remotable object
methods write it, so nova-compute goes through the conductor. Concurrent
allocations never share an address: the (network, address) unique
constraint refuses the second one and it moves on to the next free address.
"""

import functools
import ipaddress
import uuid

from oslo_log import log as logging

import nova.conf
from nova import exception
from nova.network import api as network_api
from nova.network import model as network_model
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Namespace of the network uuid derived from its name.
_NAMESPACE = uuid.UUID("6b1e5a9c-31f4-4d2f-9a57-1c0f2b7f4e10")


class FlatNetwork:
    """The network's shape, computed from the configuration."""

    def __init__(self, conf=CONF):
        opts = conf.flat_network
        try:
            self.subnet = ipaddress.IPv4Network(opts.cidr, strict=False)
        except ValueError as exc:
            raise exception.InvalidInput(reason="[flat_network] cidr: %s" % exc)
        hosts = list(self._bounds())
        self.name = opts.name
        self.id = opts.network_id or str(uuid.uuid5(_NAMESPACE, opts.name))
        self.gateway = self._address(opts.gateway, "gateway") if opts.gateway else hosts[0]
        default_start = hosts[0] + 1 if self.gateway == hosts[0] else hosts[0]
        self.range_start = self._address(opts.range_start, "range_start") \
            if opts.range_start else default_start
        self.range_end = self._address(opts.range_end, "range_end") \
            if opts.range_end else hosts[1]
        if self.range_start > self.range_end:
            raise exception.InvalidInput(
                reason="[flat_network] range_start is after range_end")
        self.dns = list(opts.dns_servers)
        self.bridge = opts.bridge
        self.mtu = opts.mtu

    def _bounds(self):
        if self.subnet.num_addresses <= 2:
            raise exception.InvalidInput(reason="[flat_network] cidr has no host addresses")
        return self.subnet.network_address + 1, self.subnet.broadcast_address - 1

    def _address(self, value, option):
        try:
            address = ipaddress.IPv4Address(value)
        except ValueError as exc:
            raise exception.InvalidInput(reason="[flat_network] %s: %s" % (option, exc))
        if address not in self.subnet:
            raise exception.InvalidInput(
                reason="[flat_network] %s %s is not in %s" % (option, value, self.subnet))
        return address

    def in_range(self, address):
        return self.range_start <= address <= self.range_end and address != self.gateway

    @property
    def size(self):
        """How many addresses the range can hand out."""
        size = int(self.range_end) - int(self.range_start) + 1
        return size - (1 if self.range_start <= self.gateway <= self.range_end else 0)

    def as_dict(self):
        """The network as the networks API (a Neutron-like body) shows it."""
        return {"id": self.id, "name": self.name, "label": self.name,
                "cidr": str(self.subnet), "gateway": str(self.gateway),
                "dns": list(self.dns), "bridge": self.bridge, "mtu": self.mtu,
                "shared": True, "status": "ACTIVE", "admin_state_up": True,
                "router:external": False}

    def vif(self, fixed_ip):
        """The VIF of one allocation."""
        subnet = network_model.Subnet(
            cidr=str(self.subnet), gateway=str(self.gateway), dns=self.dns,
            ips=[network_model.FixedIP(address=str(fixed_ip.address))])
        network = network_model.Network(
            id=self.id, label=self.name, bridge=self.bridge, subnets=[subnet],
            meta={"mtu": self.mtu, "injected": False, "should_create_bridge": True})
        return network_model.VIF(
            id=fixed_ip.vif_id, address=fixed_ip.mac_address, network=network,
            type=network_model.VIF_TYPE_BRIDGE, devname=("tap" + fixed_ip.vif_id)[:14],
            active=True, details={}, vnic_type=network_model.VNIC_TYPE_NORMAL)


@functools.lru_cache(maxsize=4)
def _network_for(cidr, name, network_id, gateway, start, end, dns, bridge, mtu):
    return FlatNetwork()


def current_network():
    opts = CONF.flat_network
    return _network_for(opts.cidr, opts.name, opts.network_id, opts.gateway,
                        opts.range_start, opts.range_end, tuple(opts.dns_servers),
                        opts.bridge, opts.mtu)


class API(network_api.NetworkAPIBase):
    """The flat backend of get_network_api()."""

    backend = "flat"

    @property
    def network(self):
        return current_network()

    # --- networks a project sees ---

    def get_all(self, context):
        return [self.network.as_dict()]

    def get(self, context, network_id):
        if network_id != self.network.id:
            raise exception.NetworkNotFound(network_id=network_id)
        return self.network.as_dict()

    # --- API side ---

    def _check_request(self, context, request):
        net = self.network
        if request.port_id:
            # The flat network has no ports to attach.
            raise exception.PortNotFound(port_id=request.port_id)
        if request.network_id not in (None, net.id):
            raise exception.NetworkNotFound(network_id=request.network_id)
        if request.address is not None:
            address = ipaddress.ip_address(str(request.address))
            if address.version != 4 or not net.in_range(address):
                raise exception.FixedIpInvalidOnNetwork(address=str(address),
                                                        network_id=net.id)
            try:
                taken = objects.FixedIP.get_by_address(context, net.id, str(address))
            except exception.FixedIpNotFoundForAddress:
                return
            raise exception.FixedIpAlreadyInUse(address=str(address),
                                                instance_uuid=taken.instance_uuid)

    def validate_networks(self, context, requested_networks, num_instances):
        """How many of ``num_instances`` instances the free addresses can serve."""
        requests = network_api.as_requests(requested_networks)
        if network_api.is_no_allocate(requests):
            return num_instances
        if network_api.is_auto_allocate(requests) or not requests:
            requests = [objects.NetworkRequest(network_id=None, address=None,
                                               port_id=None, tag=None)]
        network_api.check_fixed_ips_for_count(requests, num_instances)
        for request in requests:
            self._check_request(context, request)
        used = len(objects.FixedIPList.get_by_network(context, self.network.id))
        free = self.network.size - used
        if free < len(requests):
            raise exception.NoMoreFixedIps(net=self.network.id)
        return min(num_instances, free // len(requests))

    # --- compute side ---

    def allocate_for_instance(self, context, instance, requested_networks,
                              security_groups=None, bind_host_id=None, **kwargs):
        requests = network_api.as_requests(requested_networks)
        if network_api.is_no_allocate(requests):
            return network_api.save_network_info(context, instance,
                                                 network_model.NetworkInfo())
        if network_api.is_auto_allocate(requests) or not requests:
            requests = [objects.NetworkRequest(network_id=None, address=None,
                                               port_id=None, tag=None)]
        net = self.network
        for request in requests:
            if request.port_id:
                raise exception.PortNotFound(port_id=request.port_id)
            if request.network_id not in (None, net.id):
                raise exception.NetworkNotFound(network_id=request.network_id)
        held, tags = [], {}
        try:
            for request in requests:
                vif_id = str(uuid.uuid4())
                tags[vif_id] = request.tag
                if request.address is not None:
                    address = ipaddress.ip_address(str(request.address))
                    if not net.in_range(address):
                        raise exception.FixedIpInvalidOnNetwork(address=str(address),
                                                                network_id=net.id)
                    fixed_ip = objects.FixedIP.associate(
                        context, net.id, str(address), instance.uuid, vif_id,
                        host=bind_host_id)
                else:
                    fixed_ip = objects.FixedIP.associate_pool(
                        context, net.id, str(net.range_start), str(net.range_end),
                        instance.uuid, vif_id, host=bind_host_id,
                        exclude=[str(net.gateway)],
                        retries=CONF.flat_network.allocate_retries)
                held.append(fixed_ip)
        except Exception:
            for fixed_ip in held:
                try:
                    fixed_ip.destroy()
                except exception.FixedIpNotFound:
                    pass
            raise
        LOG.info("Allocated %s on network %s to instance %s",
                 ", ".join(str(f.address) for f in held), net.name, instance.uuid)
        nw_info = network_api.tag_vifs(
            network_model.NetworkInfo(net.vif(f) for f in held), tags)
        return network_api.save_network_info(context, instance, nw_info)

    def deallocate_for_instance(self, context, instance, requested_networks=None, **kwargs):
        count = objects.FixedIPList.release_by_instance_uuid(context, instance.uuid)
        LOG.info("Released %d address(es) of instance %s", count, instance.uuid)
        try:
            network_api.save_network_info(context, instance, network_model.NetworkInfo())
        except exception.InstanceNotFound:
            pass

    def _build_network_info(self, context, instance):
        fixed_ips = objects.FixedIPList.get_by_instance_uuid(context, instance.uuid)
        return network_api.carry_tags(
            network_model.NetworkInfo(self.network.vif(f) for f in fixed_ips),
            network_api.saved_network_info(context, instance))

    def setup_networks_on_host(self, context, instance, host=None, teardown=False):
        """Record which host holds the instance's addresses (nothing to plumb)."""
        for fixed_ip in objects.FixedIPList.get_by_instance_uuid(context, instance.uuid):
            new_host = None if teardown else (host or instance.host)
            if fixed_ip.host != new_host:
                fixed_ip.host = new_host
                fixed_ip.save()
