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
  backend and written to the info cache.
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

    def create_resource_requests(self, context, requested_networks):
        """([objects.RequestGroup], objects.RequestLevelParams) the requested
        ports add to the scheduling request; a backend without port resource
        requests adds none."""
        return [], objects.RequestLevelParams()
