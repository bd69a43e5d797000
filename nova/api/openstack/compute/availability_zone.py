"""os-availability-zone: the zones users can pick, and for admins their hosts."""

import nova.conf
from nova.api.openstack import common
from nova.api.openstack.compute.views import availability_zone as views
from nova.api.openstack import wsgi
from nova import availability_zones
from nova.compute import host_api

CONF = nova.conf.CONF

POLICY = "os_compute_api:os-availability-zone:%s"


@wsgi.expected_errors(())
def index(req):
    """Zones of the compute services, the internal zone left out."""
    context = req.context
    context.can(POLICY % "list", target={})
    api = host_api.HostAPI()
    services = api.service_get_all(context.elevated())
    available, not_available = availability_zones.get_availability_zones(
        context.elevated(), services)
    internal = CONF.internal_service_availability_zone
    zones = [views.zone(name, True) for name in available if name != internal]
    zones += [views.zone(name, False) for name in not_available if name != internal]
    return {"availabilityZoneInfo": zones}


@wsgi.expected_errors(())
def detail(req):
    """Every zone with its hosts and their services (the internal zone included)."""
    context = req.context
    context.can(POLICY % "detail", target={})
    api = host_api.HostAPI()
    services = api.service_get_all(context)
    available, not_available = availability_zones.get_availability_zones(
        context, services, with_hosts=True)
    by_zone_host = {}
    for service in services:
        if service.disabled or service.binary in common.HTTP_ONLY_BINARIES:
            continue
        hosts = by_zone_host.setdefault(service.availability_zone, {})
        hosts.setdefault(service.host, {})[service.binary] = views.service_state(
            api.service_is_up(service), not service.disabled,
            api.servicegroup_api.get_updated_time(service))
    zones = [views.zone(name, True, by_zone_host.get(name, {})) for name, _hosts in available]
    zones += [views.zone(name, False) for name, _hosts in not_available]
    return {"availabilityZoneInfo": zones}


ROUTES = [
    ("/os-availability-zone", {"GET": index}),
    ("/os-availability-zone/detail", {"GET": detail}),
]
