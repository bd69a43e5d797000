"""Response bodies of os-hypervisors."""

from oslo_serialization import jsonutils

# Resource fields of a compute node that 2.88 removed from the hypervisor view.
RESOURCE_FIELDS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                   "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                   "running_vms", "disk_available_least")


def _ids(req, node, service):
    if req.is_at_least("2.53"):
        return node.uuid, service.uuid
    return node.id, service.id


def _cpu_info(req, node):
    raw = node.cpu_info
    if not req.is_at_least("2.28"):
        return raw
    if not raw:
        return {}
    try:
        return jsonutils.loads(raw)
    except ValueError:
        return {}


def hypervisor(req, node, service, is_up, detail=False, servers=None):
    """One hypervisor; ``servers`` is [{"name", "uuid"}] or None to leave it out."""
    node_id, service_id = _ids(req, node, service)
    body = {
        "id": node_id,
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if is_up else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        body.update({
            "hypervisor_type": node.hypervisor_type,
            "hypervisor_version": node.hypervisor_version,
            "host_ip": str(node.host_ip) if node.host_ip is not None else None,
            "service": {"host": service.host, "id": service_id,
                        "disabled_reason": service.disabled_reason},
        })
        if not req.is_at_least("2.88"):
            for name in RESOURCE_FIELDS:
                body[name] = getattr(node, name)
            body["cpu_info"] = _cpu_info(req, node)
    if servers is not None:
        body["servers"] = servers
    return body


def statistics(stats):
    return {"hypervisor_statistics": dict(stats)}
