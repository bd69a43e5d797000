"""The compute manager's resize family: resize and cold migration, confirm, revert.

The conductor has created the Migration record (``pre-migrating``), handed
the instance's source allocation to the migration's uuid and had the
scheduler claim the destination for the instance. Then, host by host:

``prep_resize`` (destination)
    records the destination in the migration and the new flavor on the
    instance (``old_vm_state`` in its system metadata), and casts
    ``resize_instance`` to the source. A failure here goes back to the
    conductor with the scheduler's alternates (a reschedule), or, without
    any, rolls the move back.
``resize_instance`` (source)
    ``migrating`` / resize_migrating: the driver powers the guest off and
    hands its disks over (migrate_disk_and_power_off); ``post-migrating`` /
    resize_migrated; casts ``finish_resize`` to the destination.
``finish_resize`` (destination)
    the instance moves to this host with the new flavor (resize_finish),
    the driver builds the guest (finish_migration); the migration is
    ``finished`` and the server RESIZED (VERIFY_RESIZE).

Then either ``confirm_resize`` on the source (``confirming`` -> ``confirmed``:
the driver drops what it kept, the migration's allocation is deleted, the
server is ACTIVE, or STOPPED if it was) or ``revert_resize`` on the
destination (``reverting`` -> ``reverted``: the guest there is destroyed) followed by
``finish_revert_resize`` on the source (the instance's allocation becomes
the source one again, the old flavor returns).

Placement, as upstream: the migration holds the source allocation and the
instance the destination's for the whole move. Every failure gives the
instance its source allocation back and drops the destination claim (a move
that never happened), except a failure after the guest moved, which leaves
the server in ERROR where it now is and drops the source allocation.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

OLD_VM_STATE = "old_vm_state"


def revert_allocations(reportclient, context, instance, migration):
    """A move that did not happen: the instance gets back the source
    allocation the migration held (its destination claim is replaced)."""
    try:
        if not reportclient.move_allocations(context, migration.uuid, instance.uuid):
            # The migration held nothing (already given back): only drop
            # the destination claim if the instance holds one elsewhere.
            LOG.debug("Migration %s holds no allocation", migration.uuid)
    except Exception:
        LOG.exception("Could not give instance %s its source allocation back",
                      instance.uuid)


def drop_migration_allocation(reportclient, context, migration):
    """The move is over on the source: the migration's allocation goes."""
    try:
        reportclient.delete_allocation_for_instance(context, migration.uuid, force=True)
    except Exception:
        LOG.exception("Could not delete the allocation of migration %s", migration.uuid)


def set_migration_status(migration, status):
    migration.status = status
    try:
        migration.save()
    except Exception:
        LOG.exception("Could not set migration %s to %s", migration.uuid, status)


def set_flavor(instance, flavor):
    """Make ``flavor`` the instance's, with the sizes the instance record keeps
    beside it (quota counts and usage read those)."""
    instance.flavor = flavor
    if flavor.obj_attr_is_set("id"):
        instance.instance_type_id = flavor.id
    instance.memory_mb = flavor.memory_mb
    instance.vcpus = flavor.vcpus
    instance.root_gb = flavor.root_gb
    instance.ephemeral_gb = flavor.ephemeral_gb


def _power_on_after(instance):
    return (instance.system_metadata or {}).get(OLD_VM_STATE) != vm_states.STOPPED


def _vm_state_from_power(driver, instance):
    state = operation.power_state_of(driver, instance)
    return vm_states.STOPPED if state in (power_state.SHUTDOWN, power_state.NOSTATE,
                                          power_state.CRASHED) else vm_states.ACTIVE


class ResizeOperations:
    """Mixin of ComputeManager: moving an instance with its disks, powered off."""

    # -- destination: prepare ----------------------------------------------------------

    def prep_resize(self, context, instance, flavor, migration, request_spec=None,
                    host_list=None, node=None, clean_shutdown=True):
        """On the destination the scheduler chose (see the module docstring)."""
        try:
            self._prep_resize(context, instance, flavor, migration, node)
        except Exception as exc:
            if isinstance(exc, operation.INSTANCE_GONE):
                revert_allocations(self.reportclient, context, instance, migration)
                set_migration_status(migration, "error")
                return
            self._reschedule_resize(context, instance, flavor, migration, request_spec,
                                    host_list, clean_shutdown, exc)
            return
        self.compute_rpcapi.resize_instance(context, instance, migration, flavor,
                                            clean_shutdown=clean_shutdown,
                                            request_spec=request_spec)

    def _prep_resize(self, context, instance, flavor, migration, node):
        with compute_utils.instance_event(context, instance.uuid, "compute_prep_resize",
                                          host=self.host):
            if (instance.host == self.host and not
                    self.driver.capabilities.get("supports_migrate_to_same_host")):
                raise exception.MigrationError(
                    reason="this hypervisor cannot resize a server on its own host")
            node = node or self.driver.get_available_nodes()[0]
            compute_node = self.rt.compute_nodes.get(node)
            migration.dest_compute = self.host
            migration.dest_node = node
            migration.dest_host = CONF.my_ip
            if compute_node is not None:
                migration.dest_compute_id = compute_node.id
            migration.save()
            metadata = dict(instance.system_metadata or {})
            metadata[OLD_VM_STATE] = instance.vm_state
            instance.system_metadata = metadata
            instance.old_flavor = instance.flavor
            instance.new_flavor = flavor
            instance.save(expected_task_state=[task_states.RESIZE_PREP])

    def _reschedule_resize(self, context, instance, flavor, migration, request_spec,
                           host_list, clean_shutdown, exc):
        """Give this host's claim back and try the next alternate, or roll back."""
        LOG.warning("Resize of %s could not be prepared on %s: %s", instance.uuid,
                    self.host, exc)
        compute_utils.add_instance_fault_from_exc(context, instance, exc, host=self.host)
        try:
            self.reportclient.delete_allocation_for_instance(context, instance.uuid,
                                                             force=True)
        except Exception:
            LOG.exception("Could not drop the claim of %s on %s", instance.uuid, self.host)
        if host_list:
            LOG.info("Rescheduling the resize of %s (%d alternates left)", instance.uuid,
                     len(host_list))
            self.compute_task_api.migrate_server(
                context, instance, flavor, request_spec=request_spec,
                clean_shutdown=clean_shutdown, host_list=host_list, migration=migration)
            return
        revert_allocations(self.reportclient, context, instance, migration)
        set_migration_status(migration, "error")
        instance.task_state = None
        try:
            instance.save(expected_task_state=[task_states.RESIZE_PREP])
        except Exception as save_exc:
            LOG.info("Could not clear the task of %s: %s", instance.uuid, save_exc)

    # -- source: power off and hand the disks over --------------------------------------

    def resize_instance(self, context, instance, migration, flavor, clean_shutdown=True,
                        request_spec=None):
        try:
            disk_info = self._resize_instance(context, instance, migration, flavor,
                                              clean_shutdown)
        except Exception as exc:
            LOG.debug("Resize of %s failed on its source: %s", instance.uuid, exc)
            return
        self.compute_rpcapi.finish_resize(context, instance, migration, disk_info,
                                          request_spec=request_spec)

    @operation.compute_operation(event="resize_instance",
                                 error_vm_state={exception.InstanceFaultRollback: None,
                                                 Exception: vm_states.ERROR})
    def _resize_instance(self, context, instance, migration, flavor, clean_shutdown):
        set_migration_status(migration, "migrating")
        instance.task_state = task_states.RESIZE_MIGRATING
        instance.save(expected_task_state=[task_states.RESIZE_PREP])
        timeout = CONF.shutdown_timeout if clean_shutdown else 0
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        try:
            disk_info = self.driver.migrate_disk_and_power_off(
                context, instance, migration.dest_host or migration.dest_compute, flavor,
                network_info, timeout=timeout, retry_interval=5 if timeout else 0)
        except Exception as exc:
            # Nothing moved: the instance keeps its source allocation (and
            # with a rollback, its state); the destination claim goes.
            set_migration_status(migration, "error")
            revert_allocations(self.reportclient, context, instance, migration)
            self._clear_resize_flavors(instance)
            LOG.warning("Resize of %s stopped on its source: %s", instance.uuid, exc)
            raise
        set_migration_status(migration, "post-migrating")
        instance.task_state = task_states.RESIZE_MIGRATED
        instance.save(expected_task_state=[task_states.RESIZE_MIGRATING])
        return disk_info

    @staticmethod
    def _clear_resize_flavors(instance):
        if instance.obj_attr_is_set("old_flavor") and instance.old_flavor is not None:
            set_flavor(instance, instance.old_flavor)
        instance.old_flavor = None
        instance.new_flavor = None

    # -- destination: build the guest ----------------------------------------------------

    def finish_resize(self, context, instance, migration, disk_info, request_spec=None):
        try:
            self._finish_resize(context, instance, migration, disk_info)
        except Exception as exc:
            LOG.debug("Resize of %s failed on its destination: %s", instance.uuid, exc)

    @operation.compute_operation(event="finish_resize", error_vm_state=vm_states.ERROR)
    def _finish_resize(self, context, instance, migration, disk_info):
        resize = migration.old_instance_type_id != migration.new_instance_type_id
        if instance.new_flavor is not None:
            set_flavor(instance, instance.new_flavor)
        instance.host = self.host
        instance.node = migration.dest_node
        instance.task_state = task_states.RESIZE_FINISH
        instance.save(expected_task_state=[task_states.RESIZE_MIGRATED])
        try:
            network_info = self.network_api.get_instance_nw_info(context, instance)
        except Exception:
            network_info = None
        image_meta = objects.ImageMeta.from_dict({"id": instance.image_ref}
                                                 if instance.image_ref else {})
        try:
            self.driver.finish_migration(
                context, migration, instance, disk_info, network_info, image_meta, resize,
                self._allocations_of(context, instance),
                power_on=_power_on_after(instance))
        except Exception:
            # The guest left its source but is not here: the server is in
            # ERROR on this host with the new flavor; the source allocation
            # the migration held is given up.
            set_migration_status(migration, "error")
            drop_migration_allocation(self.reportclient, context, migration)
            raise
        set_migration_status(migration, "finished")
        operation.finish(self.driver, instance, vm_states.RESIZED,
                         launched_at=instance.launched_at or timeutils.utcnow())
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)
        LOG.info("Instance %s resized onto %s; waiting for confirm or revert",
                 instance.uuid, self.host)

    # -- confirm (source) -------------------------------------------------------------------

    def confirm_resize(self, context, instance, migration):
        try:
            self._confirm_resize(context, instance, migration)
        except Exception as exc:
            LOG.debug("Confirm of the resize of %s failed: %s", instance.uuid, exc)

    @operation.compute_operation(event="confirm_resize", error_vm_state=vm_states.ERROR)
    def _confirm_resize(self, context, instance, migration):
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        try:
            self.driver.confirm_migration(context, migration, instance, network_info)
        except Exception:
            set_migration_status(migration, "error")
            raise
        set_migration_status(migration, "confirmed")
        drop_migration_allocation(self.reportclient, context, migration)
        # The guest runs on the destination now: its power state is read
        # there, through the driver of that host; here, keep its vm_state.
        old_vm_state = (instance.system_metadata or {}).get(OLD_VM_STATE)
        metadata = dict(instance.system_metadata or {})
        metadata.pop(OLD_VM_STATE, None)
        expected = instance.task_state
        instance.system_metadata = metadata
        instance.old_flavor = None
        instance.new_flavor = None
        instance.vm_state = (vm_states.STOPPED if old_vm_state == vm_states.STOPPED
                             else vm_states.ACTIVE)
        instance.task_state = None
        instance.save(expected_task_state=[expected])
        LOG.info("Resize of %s confirmed", instance.uuid)

    # -- revert: destination, then source -----------------------------------------------------

    def revert_resize(self, context, instance, migration, request_spec=None):
        try:
            self._revert_resize(context, instance, migration)
        except Exception as exc:
            LOG.debug("Revert of the resize of %s failed: %s", instance.uuid, exc)
            return
        self.compute_rpcapi.finish_revert_resize(context, instance, migration,
                                                 migration.source_compute,
                                                 request_spec=request_spec)

    @operation.compute_operation(event="revert_resize", error_vm_state=vm_states.ERROR)
    def _revert_resize(self, context, instance, migration):
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        try:
            self.driver.destroy(context, instance, network_info, destroy_disks=True)
        except Exception:
            set_migration_status(migration, "error")
            raise
        set_migration_status(migration, "reverted")
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance,
                                  deleted=True)

    def finish_revert_resize(self, context, instance, migration, request_spec=None):
        try:
            self._finish_revert_resize(context, instance, migration)
        except Exception as exc:
            LOG.debug("Revert of the resize of %s failed on its source: %s",
                      instance.uuid, exc)

    @operation.compute_operation(event="finish_revert_resize",
                                 error_vm_state=vm_states.ERROR)
    def _finish_revert_resize(self, context, instance, migration):
        # The source allocation becomes the instance's again (replacing the
        # destination's, which the destroyed guest no longer uses).
        revert_allocations(self.reportclient, context, instance, migration)
        power_on = _power_on_after(instance)
        if instance.old_flavor is not None:
            set_flavor(instance, instance.old_flavor)
        instance.old_flavor = None
        instance.new_flavor = None
        instance.host = migration.source_compute
        instance.node = migration.source_node
        metadata = dict(instance.system_metadata or {})
        metadata.pop(OLD_VM_STATE, None)
        instance.system_metadata = metadata
        instance.save(expected_task_state=[task_states.RESIZE_REVERTING])
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        try:
            self.driver.finish_revert_migration(context, instance, network_info,
                                                migration, power_on=power_on)
        except Exception:
            set_migration_status(migration, "error")
            raise
        operation.finish(self.driver, instance, _vm_state_from_power(self.driver, instance))
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)
        LOG.info("Resize of %s reverted onto %s", instance.uuid, self.host)

    # -- the periodic auto-confirm -------------------------------------------------------------

    def poll_unconfirmed_resizes(self, context):
        """Confirm the resizes onto this host older than resize_confirm_window
        seconds; the migration uuids confirmed."""
        window = CONF.resize_confirm_window
        if window <= 0:
            return []
        from nova.compute import api as compute_api
        api = compute_api.API()
        confirmed = []
        for migration in objects.MigrationList.get_unconfirmed_by_dest_compute(
                context, window, self.host):
            try:
                instance = objects.Instance.get_by_uuid(
                    context, migration.instance_uuid,
                    expected_attrs=["system_metadata", "flavor"])
            except exception.InstanceNotFound:
                set_migration_status(migration, "error")
                continue
            if instance.vm_state != vm_states.RESIZED or instance.task_state is not None:
                if instance.vm_state != vm_states.RESIZED:
                    set_migration_status(migration, "error")
                continue
            try:
                api.confirm_resize(context, instance, migration=migration)
                confirmed.append(migration.uuid)
            except Exception as exc:
                LOG.warning("Could not confirm the resize of %s: %s", instance.uuid, exc)
        return confirmed
