"""Finding the instance a metadata request is about, and caching what it reads.

An InstanceMetadata is built from the instance (with its metadata, system
metadata, info cache, key pairs and flavor) and its block device mappings,
read through the objects, and kept for ``[api] metadata_cache_expiration``
seconds in an oslo.cache region: in the memory of this process by default,
in the configured backend (memcached...) when ``[cache] enabled``. A request
answered from the cache does not touch a database.

Instances are found by UUID (the Neutron metadata proxy's X-Instance-ID) or
by fixed address: on the embedded flat network through its FixedIP records,
with Neutron through the port holding the address.
"""

import threading

from dogpile.cache import api as dogpile_api
from oslo_cache import core as cache_core
from oslo_log import log as logging
from oslo_utils import uuidutils

import nova.conf
from nova.api.metadata import base
from nova import context as nova_context
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

EXPECTED_ATTRS = ["metadata", "system_metadata", "info_cache", "keypairs", "flavor",
                  "device_metadata"]

_lock = threading.Lock()
_region = None


def _get_region():
    global _region
    with _lock:
        if _region is None:
            region = cache_core.create_region()
            if CONF.cache.enabled:
                cache_core.configure_cache_region(CONF, region)
            else:
                ttl = CONF.api.metadata_cache_expiration
                region.configure("oslo_cache.dict", expiration_time=ttl,
                                 arguments={"expiration_time": ttl})
            _region = region
        return _region


def reset_cache():
    """Drop the cache region (configuration changed; tests)."""
    global _region
    with _lock:
        _region = None


def _cached(key, load):
    """The cached value of ``key``, or ``load()`` (then cached); None is not cached.

    Concurrent requests for one missing key wait for a single ``load()``
    (dogpile's per-key lock), so a boot storm reads each instance once.
    """
    ttl = CONF.api.metadata_cache_expiration
    if ttl <= 0:
        return load()
    value = _get_region().get_or_create(key, load, expiration_time=ttl,
                                        should_cache_fn=lambda v: v is not None)
    return None if value is dogpile_api.NO_VALUE else value


def invalidate(md):
    """Forget the cached metadata of ``md``'s instance (after its password changed)."""
    if CONF.api.metadata_cache_expiration <= 0:
        return
    region = _get_region()
    region.delete(_uuid_key(md.uuid))
    if md.address:
        region.delete(_address_key(md.address))


def _uuid_key(instance_uuid):
    return "metadata-uuid-%s" % instance_uuid


def _address_key(address):
    return "metadata-address-%s" % address


def get_instance(context, instance_uuid):
    """The instance (targeted at its cell) with what the metadata needs; InstanceNotFound.

    With ``[api] local_metadata_per_cell`` this service runs in one cell and
    reads that cell's database ([database] connection) directly, without the
    API database's instance mappings.
    """
    if CONF.api.local_metadata_per_cell:
        instance = objects.Instance.get_by_uuid(context, instance_uuid,
                                                expected_attrs=EXPECTED_ATTRS)
    else:
        from nova.compute import api as compute_api
        instance = compute_api.API().get(context, instance_uuid,
                                         expected_attrs=EXPECTED_ATTRS)
    if getattr(instance, "_build_request", None) is not None or \
            not instance.obj_attr_is_set("id") or instance.deleted:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return instance


def _build(instance_uuid, address):
    if not uuidutils.is_uuid_like(instance_uuid):
        return None
    context = nova_context.get_admin_context()
    try:
        instance = get_instance(context, instance_uuid)
    except exception.NotFound:
        LOG.debug("Metadata requested for instance %s, which does not exist", instance_uuid)
        return None
    bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(instance._context,
                                                               instance.uuid)
    return base.InstanceMetadata(instance, bdms=bdms, address=address)


def get_metadata_by_instance_id(instance_uuid, address=None):
    """The InstanceMetadata of instance ``instance_uuid``, or None."""
    return _cached(_uuid_key(instance_uuid), lambda: _build(instance_uuid, address))


def _instance_uuid_by_address(address):
    context = nova_context.get_admin_context()
    if CONF.neutron.backend == "neutron":
        from nova.network import neutron_client
        ports = neutron_client.get_client(context, admin=True).list(
            "ports", fixed_ips="ip_address=%s" % address)
        for port in ports:
            if port.get("device_id") and (port.get("device_owner") or "").startswith(
                    "compute:"):
                return port["device_id"]
        return None
    from nova.network import flat
    try:
        fixed_ip = objects.FixedIP.get_by_address(context, flat.current_network().id, address)
    except exception.NotFound:
        return None
    return fixed_ip.instance_uuid


def get_metadata_by_address(address):
    """The InstanceMetadata of the instance holding fixed address ``address``, or None."""
    def load():
        instance_uuid = _instance_uuid_by_address(address)
        if instance_uuid is None:
            LOG.debug("No instance holds fixed address %s", address)
            return None
        return get_metadata_by_instance_id(instance_uuid, address)
    return _cached(_address_key(address), load)


def get_instance_id_by_provider(provider_id, address):
    """(instance uuid, project id) of the port holding ``address`` behind a
    Neutron advanced-service provider (the load-balancer variant), or (None, None)."""
    from nova.network import neutron_client
    client = neutron_client.get_client(nova_context.get_admin_context(), admin=True)
    subnets = client.list("subnets", advanced_service_providers=provider_id)
    network_ids = sorted({s["network_id"] for s in subnets if s.get("network_id")})
    if not network_ids:
        return None, None
    ports = client.list("ports", network_id=network_ids,
                        fixed_ips="ip_address=%s" % address)
    for port in ports:
        if port.get("device_id"):
            return port["device_id"], port.get("tenant_id") or port.get("project_id")
    return None, None
