"""How long an instance ran inside a reporting window, and what that used.

The reports (os-simple-tenant-usage) charge an instance from its launch (or
the window's start, whichever is later) to its termination (or the window's
end, whichever is earlier); one never launched is charged nothing.
"""

from oslo_utils import timeutils


def hours_in_window(launched_at, terminated_at, begin, end):
    """Hours (a float) of the instance's life that fall in [begin, end]."""
    if launched_at is None:
        return 0
    if terminated_at is not None and terminated_at < begin:
        return 0
    if launched_at > end:
        return 0
    start = max(launched_at, begin)
    stop = end if terminated_at is None else min(end, terminated_at)
    return (stop - start).total_seconds() / 3600.0


def server_usage(row, begin, end, now=None):
    """The ``server_usages`` entry of a usage row (see nova.objects.instance_usage),
    or None when the instance has no flavor recorded (it cannot be charged)."""
    flavor = row["flavor"]
    if flavor is None:
        return None
    launched_at = row["launched_at"]
    terminated_at = row["terminated_at"]
    hours = hours_in_window(launched_at, terminated_at, begin, end)
    if terminated_at is not None:
        state = "terminated"
        uptime = terminated_at - launched_at
    else:
        state = row["vm_state"]
        uptime = (now or timeutils.utcnow()) - launched_at
    return {
        "instance_id": row["uuid"],
        "name": row["display_name"],
        "tenant_id": row["project_id"],
        "hours": hours,
        "memory_mb": flavor["memory_mb"],
        "local_gb": (flavor["root_gb"] or 0) + (flavor["ephemeral_gb"] or 0),
        "vcpus": flavor["vcpus"],
        "flavor": flavor["name"],
        # As text now: the JSON encoder would otherwise call back per value.
        "started_at": launched_at.isoformat(),
        "ended_at": terminated_at.isoformat() if terminated_at is not None else None,
        "state": state,
        "uptime": int(uptime.total_seconds()),
    }


def project_totals(usages, begin, end):
    """``{project_id: summary}`` of server usages; each summary keeps its
    servers under ``server_usages`` in the order given."""
    summaries = {}
    for usage in usages:
        summary = summaries.get(usage["tenant_id"])
        if summary is None:
            summary = summaries[usage["tenant_id"]] = {
                "tenant_id": usage["tenant_id"], "start": begin.isoformat(),
                "stop": end.isoformat(),
                "total_hours": 0.0, "total_local_gb_usage": 0.0,
                "total_memory_mb_usage": 0.0, "total_vcpus_usage": 0.0,
                "server_usages": []}
        hours = usage["hours"]
        summary["total_hours"] += hours
        summary["total_local_gb_usage"] += usage["local_gb"] * hours
        summary["total_memory_mb_usage"] += usage["memory_mb"] * hours
        summary["total_vcpus_usage"] += usage["vcpus"] * hours
        summary["server_usages"].append(usage)
    return summaries
