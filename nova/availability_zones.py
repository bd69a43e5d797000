"""Availability zones: names derived from host aggregates.

A compute host's availability zone is the ``availability_zone`` metadata of
the aggregates holding it; a host in no such aggregate is in
``[DEFAULT] default_availability_zone``. Services other than nova-compute
live in ``[DEFAULT] internal_service_availability_zone``.
"""

import nova.conf
from nova import objects

CONF = nova.conf.CONF

AZ_KEY = "availability_zone"
COMPUTE_BINARY = "nova-compute"


def _host_zone_map(context, hosts=None):
    """{host: "zone[,zone...]"} from the aggregates carrying an AZ key."""
    aggregates = objects.AggregateList.get_by_metadata_key(context, AZ_KEY, hosts=hosts)
    zones = {}
    for aggregate in aggregates:
        zone = aggregate.metadata.get(AZ_KEY)
        for host in aggregate.hosts or []:
            zones.setdefault(host, set()).add(zone)
    return {host: ",".join(sorted(names)) for host, names in zones.items()}


def get_host_availability_zone(context, host):
    """The availability zone name of compute host ``host``."""
    if not host:
        return None
    zone = _host_zone_map(context, hosts=[host]).get(host)
    return zone or CONF.default_availability_zone


def get_host_zones(context, host):
    """The set of AZ names the aggregates holding ``host`` define (may be empty)."""
    zones = set()
    for aggregate in objects.AggregateList.get_by_host(context, host, key=AZ_KEY):
        zones.add(aggregate.metadata[AZ_KEY])
    return zones


def set_availability_zones(context, services):
    """Fill ``availability_zone`` of each Service object; returns the list."""
    services = list(services)
    compute_hosts = {s.host for s in services if s.binary == COMPUTE_BINARY}
    zones = _host_zone_map(context, hosts=list(compute_hosts)) if compute_hosts else {}
    for service in services:
        if service.binary == COMPUTE_BINARY:
            zone = zones.get(service.host) or CONF.default_availability_zone
        else:
            zone = CONF.internal_service_availability_zone
        service.availability_zone = zone
        service.obj_reset_changes(fields=["availability_zone"])
    return services


def get_availability_zones(context, services, with_hosts=False):
    """Split zones into (available, not_available) from ``services``.

    ``services`` are Service objects of every cell. A zone is available when
    it holds at least one enabled service; zones that hold only disabled
    services are not available. Non-compute services make up the internal
    zone. With ``with_hosts`` each list holds ``(zone, {hosts})`` pairs.
    """
    set_availability_zones(context, services)
    enabled = {}
    disabled = {}
    for service in services:
        target = disabled if service.disabled else enabled
        target.setdefault(service.availability_zone, set()).add(service.host)
    not_available = {z: h for z, h in disabled.items() if z not in enabled}
    if with_hosts:
        return (sorted(enabled.items()), sorted(not_available.items()))
    return sorted(enabled), sorted(not_available)
