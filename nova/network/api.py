"""The network API the rest of nova calls; the backend is [neutron] backend.

``get_network_api()`` returns the embedded flat network (``flat``, the
all-in-one default) or the Neutron client (``neutron``). Both offer:

- validate_networks(context, requested_networks, num_instances) -> how many
  instances can be booted (API side, before the build is accepted); raises
  NetworkNotFound, PortNotFound, FixedIpAlreadyInUse, NoMoreFixedIps, ...
- allocate_for_instance(context, instance, requested_networks,
  security_groups=None, bind_host_id=None) -> NetworkInfo (compute side); the
  instance's info cache is updated too.
- deallocate_for_instance(context, instance, requested_networks=None)
- get_instance_nw_info(context, instance) -> NetworkInfo, refreshed from the
  backend and written to the info cache; what nova alone knows of a VIF (its
  device tag, preserve_on_delete) is carried over from the cache by VIF id.
- setup_networks_on_host(context, instance, host=None, teardown=False)
- get_all(context) / get(context, network_id): the networks a project sees.
- create_resource_requests(context, requested_networks) -> (request groups,
  request level params) of requested ports with a resource_request (API side).

``requested_networks`` is a NetworkRequestList, a list of
(network_id, fixed_ip, port_id) tuples or None (the backend picks).
"""

import nova.conf
from nova import exception
from nova.network import model as network_model
from nova import objects
from nova.objects import network_request

CONF = nova.conf.CONF

BACKENDS = ("flat", "neutron")


def get_network_api():
    """The network API of this process's configuration."""
    backend = CONF.neutron.backend
    if backend == "neutron":
        from nova.network import neutron
        return neutron.API()
    if backend == "flat":
        from nova.network import flat
        return flat.API()
    raise exception.InvalidInput(reason="unknown [neutron] backend %r" % backend)


def as_requests(requested_networks):
    """A list of NetworkRequest, whatever form the caller holds them in."""
    if requested_networks is None:
        return []
    if isinstance(requested_networks, objects.NetworkRequestList):
        return list(requested_networks.objects)
    requests = []
    for item in requested_networks:
        if isinstance(item, network_request.NetworkRequest):
            requests.append(item)
        else:
            requests.append(network_request.NetworkRequest.from_tuple(item))
    return requests


def is_no_allocate(requests):
    return len(requests) == 1 and requests[0].network_id == network_request.NETWORK_ID_NONE


def is_auto_allocate(requests):
    return len(requests) == 1 and requests[0].network_id == network_request.NETWORK_ID_AUTO


def check_fixed_ips_for_count(requests, num_instances):
    """A fixed IP can be given to one instance only."""
    if num_instances > 1 and any(r.address is not None for r in requests):
        raise exception.InvalidFixedIpAndMaxCountRequest(
            reason="a fixed IP address can be requested for one instance only, "
                   "not for %d" % num_instances)


def save_network_info(context, instance, network_info):
    """Write ``network_info`` into the instance's info cache (through the conductor
    in a process without database access)."""
    network_info = network_model.NetworkInfo.hydrate(network_info)
    cache = None
    if instance.obj_attr_is_set("info_cache"):
        cache = instance.info_cache
    if cache is None:
        cache = objects.InstanceInfoCache.new(context, instance.uuid)
        instance.info_cache = cache
    cache.network_info = network_info
    cache.save()
    instance.obj_reset_changes(["info_cache"])
    return network_info


def saved_network_info(context, instance):
    """The NetworkInfo saved in ``instance``'s info cache now (empty if none)."""
    try:
        cache = objects.InstanceInfoCache.get_by_instance_uuid(context, instance.uuid)
    except exception.InstanceInfoCacheNotFound:
        return network_model.NetworkInfo()
    return network_model.NetworkInfo.hydrate(cache.network_info)


def carry_tags(network_info, known):
    """Give each VIF of ``network_info`` the device tag its namesake (same
    id) has in ``known``: a backend (Neutron's ports, the flat network's
    address rows) does not keep the tag, the info cache does."""
    tags = {vif["id"]: vif.get("tag") for vif in known if vif.get("tag")}
    for vif in network_info:
        if vif["id"] in tags:
            vif["tag"] = tags[vif["id"]]
    return network_info


def tag_vifs(network_info, tags):
    """Set the device tags ``tags`` ({VIF id: tag}) of a new allocation."""
    for vif in network_info:
        if tags.get(vif["id"]):
            vif["tag"] = tags[vif["id"]]
    return network_info


class NetworkAPIBase:
    """What both backends share: request parsing and the info cache."""

    def get_instance_nw_info(self, context, instance, **kwargs):
        return save_network_info(context, instance, self._build_network_info(
            context, instance))

    def _build_network_info(self, context, instance):
        raise NotImplementedError()

    def get_instances_security_groups(self, context, instance_uuids):
        """{instance uuid: [{"name": group name}, ...]} as the server views show
        them; a backend without security groups has none to show."""
        return {}

    # --- interfaces and security groups of a running server (os-interface,
    # addSecurityGroup): Neutron's (nova/network/neutron_interfaces.py); the
    # flat network has one interface per server, set at boot, and no groups.

    def list_ports(self, context, device_id):
        """Neutron's ports of a server; NotImplementedError without Neutron."""
        raise NotImplementedError()

    def validate_interface_request(self, context, instance, port_id=None, network_id=None):
        raise exception.AttachInterfaceNotSupported(instance_uuid=instance.uuid)

    def allocate_port_for_instance(self, context, instance, port_id=None,
                                   network_id=None, requested_ip=None, bind_host_id=None,
                                   tag=None):
        raise exception.AttachInterfaceNotSupported(instance_uuid=instance.uuid)

    def deallocate_port_for_instance(self, context, instance, port_id):
        raise exception.AttachInterfaceNotSupported(instance_uuid=instance.uuid)

    def get_instance_security_groups_detail(self, context, instance_uuid):
        return []

    def add_to_instance(self, context, instance, group_name):
        raise exception.SecurityGroupNotFound(security_group_id=group_name)

    def remove_from_instance(self, context, instance, group_name):
        raise exception.SecurityGroupNotFound(security_group_id=group_name)

    def create_resource_requests(self, context, requested_networks):
        """([objects.RequestGroup], objects.RequestLevelParams) the requested
        ports add to the scheduling request; a backend without port resource
        requests adds none."""
        return [], objects.RequestLevelParams()
