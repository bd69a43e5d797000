"""nova-compute's manager: drives one hypervisor through its virt driver.

Everything it reads or writes in the database goes through objects, which in
nova-compute run in the conductor (see nova/cmd/compute.py).
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

import nova.conf
from nova.compute import admin_actions
from nova.compute import backup
from nova.compute import build
from nova.compute import consoles
from nova.compute import delete
from nova.compute import evacuate
from nova.compute import guest_info
from nova.compute import host_recovery
from nova.compute import instance_events
from nova.compute import interfaces
from nova.compute import lifecycle_events
from nova.compute import live_migration
from nova.compute import power
from nova.compute import rebuild
from nova.compute import rescue
from nova.compute import resize
from nova.compute import resource_tracker
from nova.compute import shelve
from nova.compute import snapshot
from nova.compute import soft_delete
from nova.compute import usage_audit
from nova import manager
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.virt import driver as virt_driver

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class ComputeManager(build.BuildOperations, power.PowerOperations,
                     delete.DeleteOperations, instance_events.ExternalEventOperations,
                     snapshot.SnapshotOperations, guest_info.GuestInfoOperations,
                     consoles.ConsoleOperations,
                     lifecycle_events.LifecycleEventOperations,
                     rebuild.RebuildOperations, rescue.RescueOperations,
                     admin_actions.AdminActionOperations,
                     shelve.ShelveOperations, backup.BackupOperations,
                     soft_delete.SoftDeleteOperations, resize.ResizeOperations,
                     live_migration.LiveMigrationOperations,
                     evacuate.EvacuateOperations,
                     host_recovery.HostRecoveryOperations,
                     interfaces.InterfaceOperations,
                     usage_audit.UsageAuditOperations,
                     manager.Manager):
    """The 'compute' topic's endpoint on one host.

    The operation families live in their own modules (build, power, delete,
    snapshot, guest_info, consoles, lifecycle_events, rebuild, rescue, admin_actions,
    shelve, backup, soft_delete, resize, live_migration, evacuate, interfaces,
    usage_audit; host_recovery: start-up and periodic reconciliation);
    each operation runs through nova.compute.operation's compute_operation
    decorator, which also holds the host steps the families share. This
    class holds the host's lifecycle, resources and shared clients.
    """

    target = messaging.Target(version="6.10")
    service_name = "compute"

    def __init__(self, compute_driver=None, *args, **kwargs):
        super().__init__(service_name="compute", *args, **kwargs)
        objects.register_all()
        self.init_lifecycle_events()
        self.virtapi = instance_events.ComputeVirtAPI(self)
        self.driver = virt_driver.load_compute_driver(self.virtapi, compute_driver)
        self.scheduler_client = scheduler_rpcapi.SchedulerAPI()
        self.additional_endpoints = []
        self._rt = None
        self._network_api = None
        self._compute_task_api = None
        self._compute_rpcapi = None
        self.set_periodic_spacing("_sync_scheduler_instance_info",
                                  CONF.scheduler_instance_sync_interval)
        self.set_periodic_spacing("update_available_resource",
                                  CONF.update_resources_interval or 60)
        self.set_periodic_spacing("_sync_power_states", CONF.sync_power_state_interval)
        self.set_periodic_spacing("_run_image_cache_manager_pass",
                                  CONF.image_cache.manager_interval)
        self.set_periodic_spacing("_poll_shelved_instances", CONF.shelved_poll_interval)
        self.set_periodic_spacing("_poll_unconfirmed_resizes",
                                  min(CONF.resize_confirm_window, 60))
        # A soft-deleted server is reclaimed at most a minute late.
        self.set_periodic_spacing("_reclaim_queued_deletes",
                                  min(CONF.reclaim_instance_interval, 60)
                                  if CONF.reclaim_instance_interval > 0 else -1)
        self.set_periodic_spacing("_cleanup_running_deleted_instances",
                                  CONF.running_deleted_instance_poll_interval)
        # A build past its deadline ends at most a minute late.
        self.set_periodic_spacing("_check_instance_build_time",
                                  min(CONF.instance_build_timeout, 60)
                                  if CONF.instance_build_timeout else -1)
        deleting_timeout = CONF.compute.deleting_task_timeout
        self.set_periodic_spacing("_finish_lost_deletes",
                                  min(deleting_timeout, 60) if deleting_timeout else -1)

    # -- lifecycle ------------------------------------------------------------

    def init_host(self, service_ref=None):
        self.driver.init_host(host=self.host)
        self.register_lifecycle_events()
        from nova import context
        ctxt = context.get_admin_context()
        # Guests evacuated away while this host was down go first, then the tasks a
        # stopped nova-compute left behind end (see host_recovery).
        self.destroy_evacuated_instances(ctxt)
        try:
            self.recover_instances(ctxt)
        except Exception:
            LOG.exception("Recovering the instances of %s failed", self.host)
        self.resume_guests_state(ctxt)

    def cleanup_host(self):
        self.cancel_lifecycle_events()
        self.cancel_recovery_timers()
        self.driver.cleanup_host(host=self.host)

    def pre_start_hook(self, service_ref):
        super().pre_start_hook(service_ref)
        from nova import context
        ctxt = context.get_admin_context()
        self.update_available_resource(ctxt, startup=True)
        try:
            self.heal_allocations(ctxt)
        except Exception:
            LOG.exception("Healing the allocations of %s failed", self.host)

    # -- RPC ------------------------------------------------------------------

    def get_host_uptime(self, context):
        return self.driver.get_host_uptime()

    def cache_images(self, context, image_ids):
        """Have the driver cache each image; {image_id: outcome} (see the rpcapi)."""
        results = {}
        for image_id in image_ids:
            try:
                results[image_id] = ("cached" if self.driver.cache_image(context, image_id)
                                     else "existing")
            except NotImplementedError:
                LOG.warning("The hypervisor of %s cannot pre-cache images (%s).",
                            self.host, image_id)
                results[image_id] = "unsupported"
            except Exception as exc:
                LOG.error("Pre-caching image %s on %s failed: %s", image_id, self.host, exc)
                results[image_id] = "error"
        return results

    # -- resources --------------------------------------------------------------

    @periodic_task.periodic_task(spacing=60)
    def update_available_resource(self, context, startup=False):
        """Record each hypervisor node's resources in its ComputeNode."""
        for nodename in self.driver.get_available_nodes(refresh=True):
            try:
                self._update_node(context, nodename, startup=startup)
            except Exception:
                LOG.exception("Error updating resources for node %s.", nodename)
                if startup:
                    raise

    def _update_node(self, context, nodename, startup=False):
        return self.rt.update_available_resource(context, nodename, startup=startup)

    @periodic_task.periodic_task(spacing=600)
    def _sync_power_states(self, context):
        self.sync_power_states(context)

    @periodic_task.periodic_task(spacing=3600)
    def _poll_shelved_instances(self, context):
        self.poll_shelved_instances(context)

    @periodic_task.periodic_task(spacing=60)
    def _poll_unconfirmed_resizes(self, context):
        self.poll_unconfirmed_resizes(context)

    @periodic_task.periodic_task(spacing=60)
    def _instance_usage_audit(self, context):
        """[DEFAULT] instance_usage_audit: record this host's usage audit of the
        last completed period in task_log (nova/compute/usage_audit.py)."""
        self.audit_instance_usage(context)

    @periodic_task.periodic_task(spacing=60)
    def _reclaim_queued_deletes(self, context):
        self.reclaim_queued_deletes(context)

    @periodic_task.periodic_task(spacing=1800)
    def _cleanup_running_deleted_instances(self, context):
        self.cleanup_running_deleted_instances(context)

    @periodic_task.periodic_task(spacing=60)
    def _check_instance_build_time(self, context):
        self.check_instance_build_time(context)

    @periodic_task.periodic_task(spacing=60)
    def _finish_lost_deletes(self, context):
        self.finish_lost_deletes(context)

    @periodic_task.periodic_task(spacing=2400)
    def _run_image_cache_manager_pass(self, context):
        """Let a driver with an image cache remove the base images nobody uses."""
        if self.driver.capabilities.get("has_imagecache"):
            self.driver.manage_image_cache(context)

    @property
    def rt(self):
        """The resource tracker of this host's nodes (ComputeNode + Placement)."""
        if self._rt is None:
            self._rt = resource_tracker.ResourceTracker(self.host, self.driver)
        return self._rt

    @property
    def reportclient(self):
        return self.rt.reportclient

    @property
    def network_api(self):
        if self._network_api is None:
            from nova.network import api as network_api
            self._network_api = network_api.get_network_api()
        return self._network_api

    @property
    def compute_task_api(self):
        if self._compute_task_api is None:
            from nova.conductor import api as conductor_api
            self._compute_task_api = conductor_api.ComputeTaskAPI()
        return self._compute_task_api

    @property
    def compute_rpcapi(self):
        """The compute RPC client (the resize steps hop between hosts)."""
        if self._compute_rpcapi is None:
            from nova.compute import rpcapi as compute_rpcapi
            self._compute_rpcapi = compute_rpcapi.ComputeAPI()
        return self._compute_rpcapi

    def set_host_enabled(self, context, enabled):
        """The os-services API enabled/disabled this host: update its providers' traits.

        Returns 'enabled' or 'disabled'. A Placement error is logged; the next
        periodic update sets the trait from the service's disabled flag anyway.
        """
        for nodename in self.driver.get_available_nodes():
            if nodename not in self.rt.compute_nodes:
                self._update_node(context, nodename)
        self.rt.set_compute_status(context, enabled)
        return "enabled" if enabled else "disabled"

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
