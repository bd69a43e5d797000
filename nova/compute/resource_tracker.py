"""The resource tracker: a compute host's nodes in the database and in Placement.

For each hypervisor node the virt driver reports, the tracker keeps the
ComputeNode record current (through objects, so in nova-compute the writes
run in the conductor) and makes the node's resource provider in Placement
(uuid = compute node uuid, name = hypervisor_hostname) show the driver's
inventories and capability traits, plus COMPUTE_NODE and, while the
nova-compute service is disabled, COMPUTE_STATUS_DISABLED (the scheduler
forbids that trait, so a disabled host gets no new instances).

The usage columns (vcpus_used, memory_mb_used, local_gb_used, running_vms)
come from the database (nova.compute.host_usage): the instances and moves it
assigns to the node, not the guests the hypervisor happens to remember.
"""

import threading

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
import os_traits

import nova.conf
from nova.compute import host_usage
from nova import exception
from nova import objects
from nova.scheduler.client import report

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_COPIED_KEYS = ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                "local_gb_used", "hypervisor_type", "hypervisor_version",
                "hypervisor_hostname", "cpu_info", "disk_available_least",
                "numa_topology")


def _inventory_from_resources(resources, ratios):
    """The inventory of a driver that does not implement update_provider_tree."""
    sizes = (("VCPU", resources["vcpus"], CONF.reserved_host_cpus),
             ("MEMORY_MB", resources["memory_mb"], CONF.reserved_host_memory_mb),
             ("DISK_GB", resources["local_gb"], -(-CONF.reserved_host_disk_mb // 1024)))
    return {rc: {"total": total, "reserved": min(reserved, total), "min_unit": 1,
                 "max_unit": total, "step_size": 1, "allocation_ratio": ratios[rc]}
            for rc, total, reserved in sizes if total > 0}


class NodeOwnedElsewhere(exception.NovaException):
    msg_fmt = "Node %(node)s belongs to compute %(owner)s."


class ResourceTracker:
    """The nodes of compute host ``host`` as reported by ``driver``."""

    def __init__(self, host, driver, reportclient=None):
        self.host = host
        self.driver = driver
        self._reportclient = reportclient
        self.compute_nodes = {}  # nodename -> ComputeNode
        self._lock = threading.Lock()

    @property
    def reportclient(self):
        if self._reportclient is None:
            self._reportclient = report.SchedulerReportClient()
        return self._reportclient

    # -- the periodic update ---------------------------------------------------

    def update_available_resource(self, context, nodename, startup=False):
        """Refresh ``nodename``'s ComputeNode and provider; the ComputeNode (None if gone)."""
        resources = self.driver.get_available_resource(nodename)
        if not resources:
            LOG.warning("Node %s is not reported by the driver any more.", nodename)
            return None
        with self._lock:
            try:
                node = self._sync_compute_node(context, nodename, resources)
            except NodeOwnedElsewhere:
                return None
            try:
                self._update_to_placement(context, node, resources)
            except (ks_exc.ClientException, exception.NovaException) as exc:
                # The record is saved; the next periodic run tries Placement again.
                LOG.error("Placement could not be updated for node %(node)s: %(err)s",
                          {"node": nodename, "err": exc})
        return node

    def _sync_compute_node(self, context, nodename, resources):
        node = self.compute_nodes.get(nodename)
        if node is None:
            try:
                node = objects.ComputeNode.get_by_host_and_nodename(context, self.host,
                                                                    nodename)
            except exception.ComputeHostNotFound:
                node = None
        if node is None:
            owned = self._node_of_another_host(context, nodename)
            if owned is not None:
                if self._service_of(context, owned.host) is not None:
                    LOG.error("Node %(node)s reported by the hypervisor of %(host)s belongs "
                              "to compute %(owner)s, whose service exists: refused, not "
                              "taken over.", {"node": nodename, "host": self.host,
                                              "owner": owned.host})
                    raise NodeOwnedElsewhere(node=nodename, owner=owned.host)
                LOG.warning("Node %(node)s of deleted compute service %(owner)s is taken "
                            "over by %(host)s.", {"node": nodename, "owner": owned.host,
                                                  "host": self.host})
                owned.host = self.host
                node = owned
        if node is None:
            node = objects.ComputeNode(context)
            node.host = self.host
            self._copy_resources(node, resources, initial=True)
            node.create()
            LOG.info("Compute node record created for %(host)s:%(node)s with uuid: "
                     "%(uuid)s", {"host": self.host, "node": nodename, "uuid": node.uuid})
        else:
            self._copy_resources(node, resources)
            if node.obj_what_changed():
                node.save()
        self.compute_nodes[nodename] = node
        return node

    def _usage_from_database(self, context, nodename, resources):
        """``resources`` with the usage the database assigns to the node."""
        usage = host_usage.node_usage(context, self.host, nodename)
        resources = dict(resources)
        resources.update(vcpus_used=usage.vcpus, memory_mb_used=usage.memory_mb,
                         local_gb_used=usage.local_gb, running_vms=usage.instances)
        return resources

    def _copy_resources(self, node, resources, initial=False):
        service = self._service(node._context)
        resources = self._usage_from_database(node._context, resources["hypervisor_hostname"],
                                              resources)
        updates = {key: resources.get(key) for key in _COPIED_KEYS}
        updates.update({
            "service_id": service.id if service is not None else None,
            "free_ram_mb": resources["memory_mb"] - resources["memory_mb_used"],
            "free_disk_gb": resources["local_gb"] - resources["local_gb_used"],
            "current_workload": 0,
            "running_vms": resources["running_vms"],
            "host_ip": CONF.my_ip,
            "supported_hv_specs": [list(spec) for spec in
                                   resources.get("supported_instances") or []],
            "stats": {},
        })
        for kind in ("cpu", "ram", "disk"):
            attr = "%s_allocation_ratio" % kind
            configured = getattr(CONF, attr)
            if configured:
                updates[attr] = configured
            elif initial or not node.obj_attr_is_set(attr) or getattr(node, attr) is None:
                updates[attr] = getattr(CONF, "initial_%s" % attr)
        for key, value in updates.items():
            if not node.obj_attr_is_set(key) or getattr(node, key) != value:
                setattr(node, key, value)

    def _service(self, context):
        return self._service_of(context, self.host)

    @staticmethod
    def _service_of(context, host):
        try:
            return objects.Service.get_by_compute_host(context, host)
        except exception.NotFound:
            return None

    def _node_of_another_host(self, context, nodename):
        """The ComputeNode named ``nodename`` that another host holds, or None."""
        for node in objects.ComputeNodeList.get_by_hypervisor(context, nodename):
            if node.hypervisor_hostname == nodename and node.host != self.host:
                return node
        return None

    # -- Placement -----------------------------------------------------------------

    def _traits(self, context, tree, nodename):
        traits = set(tree.data(nodename).traits)
        for trait, supported in self.driver.capabilities_as_traits().items():
            if supported:
                traits.add(trait)
            else:
                traits.discard(trait)
        # Marks the provider as a compute node for anyone reading Placement.
        traits.add(os_traits.COMPUTE_NODE)
        service = self._service(context)
        if service is not None and service.disabled:
            traits.add(os_traits.COMPUTE_STATUS_DISABLED)
        else:
            traits.discard(os_traits.COMPUTE_STATUS_DISABLED)
        return traits

    def _update_to_placement(self, context, node, resources):
        nodename = node.hypervisor_hostname
        client = self.reportclient
        tree = client.get_provider_tree_and_ensure_root(context, node.uuid, name=nodename)
        try:
            self.driver.update_provider_tree(tree, nodename)
        except NotImplementedError:
            current = tree.data(nodename).inventory
            tree.update_inventory(nodename, _inventory_from_resources(
                resources, self.driver._get_allocation_ratios(current)))
        tree.update_traits(nodename, self._traits(context, tree, nodename))
        client.update_from_provider_tree(context, tree)

    def set_compute_status(self, context, enabled):
        """Reflect the service's enabled flag on every node's provider right now."""
        for node in list(self.compute_nodes.values()):
            try:
                self.reportclient.update_provider_status_trait(context, node.uuid,
                                                               disabled=not enabled)
            except (ks_exc.ClientException, exception.NovaException) as exc:
                LOG.warning("Could not update the COMPUTE_STATUS_DISABLED trait of "
                            "provider %s: %s", node.uuid, exc)
