"""Helpers of the resize / migration functional tests: Placement bookkeeping."""

from nova import context as nova_context
from nova import objects
from tests.functional import server_seed as seed


def provider_usages(stack):
    """{host: {resource class: used}} of every compute node provider."""
    result = {}
    for rp in stack.placement.get("/resource_providers", version="1.14")[
            "resource_providers"]:
        usages = stack.placement.get("/resource_providers/%s/usages" % rp["uuid"])
        result[rp["name"]] = {rc: n for rc, n in usages["usages"].items() if n}
    return result


def flavor_sums(stack):
    """{host: {resource class: sum of its servers' flavors}} from the API's view
    (a RESIZED server counts its new flavor on its host, plus its old flavor on
    the source host while its migration is 'finished')."""
    sums = {}

    def add(host, flavor):
        usage = sums.setdefault(host, {})
        for rc, n in (("VCPU", flavor.vcpus), ("MEMORY_MB", flavor.memory_mb),
                      ("DISK_GB", flavor.root_gb + flavor.ephemeral_gb)):
            if n:
                usage[rc] = usage.get(rc, 0) + n

    ctxt = nova_context.get_admin_context()
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        for instance in objects.InstanceList.get_by_filters(
                cctxt, {"deleted": False}, expected_attrs=["flavor"]):
            if not instance.host:
                continue
            add(instance.node or instance.host, instance.flavor)
            if instance.vm_state == "resized":
                migration = objects.Migration.get_by_instance_and_status(
                    cctxt, instance.uuid, "finished")
                add(migration.source_node, instance.old_flavor)
    return sums


def consumers(stack):
    """Every consumer uuid holding an allocation on a compute node provider."""
    found = set()
    for rp in stack.placement.get("/resource_providers", version="1.14")[
            "resource_providers"]:
        found.update(stack.placement.get(
            "/resource_providers/%s/allocations" % rp["uuid"])["allocations"])
    return found


def migrations(stack, server_id):
    ctxt = nova_context.get_admin_context()
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        return list(objects.MigrationList.get_by_filters(
            cctxt, {"instance_uuid": server_id}, sort_keys=["id"], sort_dirs=["asc"]))


def assert_placement_consistent(stack):
    """Usages equal the flavors on each host; only instances (and the
    migrations of RESIZED servers) hold allocations."""
    usages = {host: u for host, u in provider_usages(stack).items() if u}
    assert usages == flavor_sums(stack)
    ctxt = nova_context.get_admin_context()
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        live = {i.uuid for i in objects.InstanceList.get_by_filters(
            cctxt, {"deleted": False}) if i.host}
        pending = {m.uuid for m in objects.MigrationList.get_by_filters(
            cctxt, {"status": "finished"})}
    assert consumers(stack) <= live | pending
