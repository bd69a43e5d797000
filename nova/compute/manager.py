"""nova-compute's manager: drives one hypervisor through its virt driver.

Everything it reads or writes in the database goes through objects, which in
nova-compute run in the conductor (see nova/cmd/compute.py).
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

import nova.conf
from nova import exception
from nova import manager
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.virt import driver as virt_driver

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Allocation ratios a new compute node starts with when none is configured.
INITIAL_ALLOCATION_RATIOS = {"cpu": 4.0, "ram": 1.0, "disk": 1.0}


class ComputeManager(manager.Manager):
    """The 'compute' topic's endpoint on one host."""

    target = messaging.Target(version="6.0")
    service_name = "compute"

    def __init__(self, compute_driver=None, *args, **kwargs):
        super().__init__(service_name="compute", *args, **kwargs)
        objects.register_all()
        self.driver = virt_driver.load_compute_driver(None, compute_driver)
        self.scheduler_client = scheduler_rpcapi.SchedulerAPI()
        self.additional_endpoints = []
        self.set_periodic_spacing("_sync_scheduler_instance_info",
                                  CONF.compute.sync_instance_info_interval)
        self.set_periodic_spacing("update_available_resource",
                                  CONF.compute.update_resources_interval)

    # -- lifecycle ------------------------------------------------------------

    def init_host(self, service_ref=None):
        self.driver.init_host(host=self.host)

    def cleanup_host(self):
        self.driver.cleanup_host(host=self.host)

    def pre_start_hook(self, service_ref):
        super().pre_start_hook(service_ref)
        from nova import context
        self.update_available_resource(context.get_admin_context(), startup=True)

    # -- RPC ------------------------------------------------------------------

    def get_host_uptime(self, context):
        return self.driver.get_host_uptime()

    # -- resources --------------------------------------------------------------

    @periodic_task.periodic_task(spacing=60)
    def update_available_resource(self, context, startup=False):
        """Record each hypervisor node's resources in its ComputeNode."""
        for nodename in self.driver.get_available_nodes(refresh=True):
            try:
                self._update_node(context, nodename)
            except Exception:
                LOG.exception("Error updating resources for node %s.", nodename)
                if startup:
                    raise

    def _update_node(self, context, nodename):
        resources = self.driver.get_available_resource(nodename)
        if not resources:
            return None
        try:
            node = objects.ComputeNode.get_by_host_and_nodename(context, self.host, nodename)
        except exception.ComputeHostNotFound:
            node = objects.ComputeNode(context)
            node.host = self.host
            for kind, ratio in INITIAL_ALLOCATION_RATIOS.items():
                configured = getattr(CONF.compute, "%s_allocation_ratio" % kind)
                setattr(node, "%s_allocation_ratio" % kind,
                        configured if configured is not None else ratio)
            self._copy_resources(node, resources)
            node.create()
            LOG.info("Compute node record created for %(host)s:%(node)s with uuid: "
                     "%(uuid)s", {"host": self.host, "node": nodename, "uuid": node.uuid})
            return node
        self._copy_resources(node, resources)
        node.save()
        return node

    def _copy_resources(self, node, resources):
        for key in ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                    "local_gb_used", "hypervisor_type", "hypervisor_version",
                    "hypervisor_hostname", "cpu_info", "disk_available_least",
                    "numa_topology"):
            value = resources.get(key)
            if not node.obj_attr_is_set(key) or getattr(node, key) != value:
                setattr(node, key, value)
        updates = {
            "service_id": self.service_ref.id if self.service_ref else None,
            "free_ram_mb": resources["memory_mb"] - resources["memory_mb_used"],
            "free_disk_gb": resources["local_gb"] - resources["local_gb_used"],
            "current_workload": 0,
            "running_vms": len(self.driver.list_instances()),
            "host_ip": CONF.my_ip,
            "supported_hv_specs": [list(spec) for spec in
                                   resources.get("supported_instances") or []],
            "stats": {},
        }
        for key, value in updates.items():
            if not node.obj_attr_is_set(key) or getattr(node, key) != value:
                setattr(node, key, value)

    # -- instance info for the schedulers ---------------------------------------

    def _instance_uuids_on_host(self, context):
        return list(objects.InstanceList.get_uuids_by_host(context, self.host))

    @periodic_task.periodic_task(spacing=120, run_immediately=True)
    def _sync_scheduler_instance_info(self, context):
        """Fan out the full list of this host's instances to every scheduler."""
        uuids = self._instance_uuids_on_host(context)
        try:
            self.scheduler_client.sync_instance_info(context, self.host, uuids)
        except messaging.MessagingException as exc:
            # E.g. no scheduler listening (its fanout exchange is gone); the
            # next run sends the full list again.
            LOG.warning("Could not send the instance list to the schedulers: %s",
                        " ".join(str(exc).split())[:300])
