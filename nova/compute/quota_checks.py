"""Quota checks of the server actions that add usage to an existing server.

``check_deltas`` counts what the project (and user) already use and adds the
deltas; an excess is ``TooManyInstances`` (403), named after the first resource
over its limit, with upstream's "Quota exceeded for cores: Requested 1, but
already used 1 of 1 cores".
"""

from nova import exception
from nova import objects


def check_deltas(context, instance, deltas):
    """Raise TooManyInstances unless ``deltas`` fit the instance's project and
    user quotas. Deltas of zero or less are not checked."""
    deltas = {name: value for name, value in deltas.items() if value > 0}
    if not deltas:
        return
    try:
        objects.Quotas.check_deltas(context, deltas, instance.project_id,
                                    instance.user_id,
                                    check_project_id=instance.project_id,
                                    check_user_id=instance.user_id)
    except exception.OverQuota as exc:
        overs = sorted(exc.kwargs.get("overs", [])) or sorted(deltas)
        name = overs[0]
        raise exception.TooManyInstances(
            overs=name, req=deltas.get(name, 1),
            used=exc.kwargs.get("usages", {}).get(name, 0),
            allowed=exc.kwargs.get("quotas", {}).get(name, 0)) from None


def upsize_deltas(new_flavor, old_flavor):
    """What moving from ``old_flavor`` to ``new_flavor`` adds to the cores and
    ram usage (a smaller flavor adds nothing)."""
    return {"cores": new_flavor.vcpus - old_flavor.vcpus,
            "ram": new_flavor.memory_mb - old_flavor.memory_mb}
