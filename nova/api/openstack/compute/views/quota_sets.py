"""Response bodies of os-quota-sets and os-quota-class-sets.

Which resources a body lists depends on the microversion: the nova-network
limits (always unlimited now) until 2.35, the file-injection limits until
2.56. Quota classes also hide the server group limits before 2.50 and drop
the network limits from 2.50.
"""

from nova.api.openstack.compute.schemas import quota_sets as schemas
from nova import quota

UNLIMITED = quota.UNLIMITED


def _hidden(req, for_class=False):
    hidden = set()
    if for_class:
        if req.is_at_least("2.50"):
            hidden.update(schemas.NETWORK_RESOURCES)
        else:
            hidden.update(("server_groups", "server_group_members"))
    elif req.is_at_least("2.36"):
        hidden.update(schemas.NETWORK_RESOURCES)
    if req.is_at_least("2.57"):
        hidden.update(schemas.INJECTION_RESOURCES)
    return hidden


def shown_resources(req, for_class=False):
    """The resources a request at this microversion sees, in display order."""
    hidden = _hidden(req, for_class)
    names = sorted(quota.QUOTAS.resources) + list(schemas.NETWORK_RESOURCES)
    return [name for name in names if name not in hidden]


def _value(values, name, detail):
    if name in values:
        return values[name]
    # A network limit nova no longer enforces.
    return {"limit": UNLIMITED, "in_use": 0, "reserved": 0} if detail else UNLIMITED


def quota_set(req, values, set_id=None, detail=False, for_class=False):
    """``values`` maps resource -> limit (or -> {limit, in_use, reserved})."""
    body = {}
    if set_id is not None:
        body["id"] = set_id
    for name in shown_resources(req, for_class):
        body[name] = _value(values, name, detail)
    return {"quota_class_set" if for_class else "quota_set": body}
