"""A node's usage as the database assigns it, not as the hypervisor remembers it.

The resource tracker reports ``vcpus_used``, ``memory_mb_used``,
``local_gb_used`` and ``running_vms`` of a compute node from the instances
the cell database places on that node, plus the moves (migrations) still in
progress into or out of it, plus the host's reservations. A hypervisor that
lost its guests (a restarted fake driver, a crashed libvirtd) thus does not
make a busy host look empty to operators or to the scheduler's filters.

Counted: every instance on the node but the deleted, the shelved-offloaded
and the builds that failed (vm_state ERROR and never launched: their claim
went back to Placement). A migration counts the flavor it needs on this node
(the new one on the destination, the old one on the source) for an instance
not already counted here.
"""

import math

from oslo_log import log as logging

import nova.conf
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_NOT_COUNTED = (vm_states.DELETED, vm_states.SHELVED_OFFLOADED)


class NodeUsage:
    """What a node's instances and moves use (reservations included)."""

    def __init__(self):
        self.vcpus = CONF.reserved_host_cpus
        self.memory_mb = CONF.reserved_host_memory_mb
        self.local_gb = CONF.reserved_host_disk_mb // 1024
        self.instances = 0
        self.uuids = set()

    def add(self, flavor):
        if flavor is None:
            return
        self.vcpus += flavor.vcpus or 0
        self.memory_mb += flavor.memory_mb or 0
        self.local_gb += ((flavor.root_gb or 0) + (flavor.ephemeral_gb or 0)
                          + int(math.ceil((flavor.swap or 0) / 1024.0)))


def counted(instance):
    """Whether ``instance`` holds resources on its node."""
    if instance.vm_state in _NOT_COUNTED:
        return False
    if instance.vm_state == vm_states.ERROR and instance.launched_at is None:
        return False   # a failed build: its claim was released
    return True


def node_usage(context, host, nodename):
    """The NodeUsage of ``host``'s node ``nodename`` from the database."""
    usage = NodeUsage()
    instances = objects.InstanceList.get_by_host_and_node(
        context, host, nodename, expected_attrs=["flavor"])
    for instance in instances:
        if not counted(instance):
            continue
        usage.add(instance.flavor)
        usage.instances += 1
        usage.uuids.add(instance.uuid)
    try:
        migrations = objects.MigrationList.get_in_progress_by_host_and_node(
            context, host, nodename)
    except Exception as exc:   # the usage of the instances is still right
        LOG.warning("In-progress migrations of %s could not be read: %s", nodename, exc)
        migrations = []
    for migration in migrations:
        if migration.instance_uuid in usage.uuids:
            continue
        try:
            instance = objects.Instance.get_by_uuid(
                context, migration.instance_uuid,
                expected_attrs=["flavor", "old_flavor", "new_flavor"])
        except exception.InstanceNotFound:
            continue
        incoming = migration.dest_node == nodename
        flavor = instance.new_flavor if incoming else instance.old_flavor
        usage.add(flavor or instance.flavor)
        usage.uuids.add(instance.uuid)
    return usage
