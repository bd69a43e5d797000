"""Response bodies of os-availability-zone."""

from nova.api.openstack.compute.views.services import isotime


def zone(name, available, hosts=None):
    """One zone; ``hosts`` is {host: {binary: {available, active, updated_at}}} or None."""
    return {"zoneName": name, "zoneState": {"available": available}, "hosts": hosts}


def service_state(is_up, active, updated_at):
    return {"available": is_up, "active": active, "updated_at": isotime(updated_at)}
