"""The compute manager's live migration family.

The conductor found a destination (the scheduler claimed it for the
instance; the migration record holds the source allocation) and ran the
checks: ``check_can_live_migrate_destination`` on the destination, which
calls ``check_can_live_migrate_source`` on the source. Then, on the source,
``live_migration``:

- migration ``queued`` -> ``preparing``: ``pre_live_migration`` on the
  destination (a call) sets up networking and the driver's side;
- ``running``: the driver moves the guest (in a thread of its own, so that
  force-complete and abort reach it), then calls back one of
- ``_post_live_migration``: the source cleans up, the destination takes the
  instance (``post_live_migration_at_destination``: host, node, task
  cleared), the migration is ``completed`` and its (source) allocation is
  deleted;
- ``_rollback_live_migration``: the instance keeps its source allocation
  again (the destination claim goes), the destination undoes its part, the
  task is cleared and the migration is ``error`` (``cancelled`` after an
  abort).
"""

import threading

from oslo_log import log as logging

from nova.compute import operation
from nova.compute import resize
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)


def _node_info(context, host, node):
    try:
        compute = objects.ComputeNode.get_by_host_and_nodename(context, host, node)
    except exception.NotFound:
        return {}
    return {"hypervisor_type": compute.hypervisor_type,
            "hypervisor_hostname": compute.hypervisor_hostname,
            "hypervisor_version": compute.hypervisor_version,
            "cpu_info": compute.cpu_info}


class LiveMigrationOperations:
    """Mixin of ComputeManager: moving a running guest."""

    # -- the checks (calls) ----------------------------------------------------------

    def check_can_live_migrate_destination(self, context, instance, block_migration,
                                           disk_over_commit, migration=None,
                                           limits=None):
        """On the destination: the driver's check here, then the source's."""
        node = self.driver.get_available_nodes()[0]
        src_info = _node_info(context, instance.host, instance.node)
        dst_info = _node_info(context, self.host, node)
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_check_can_live_migrate_destination",
                                          host=self.host):
            dest_check_data = self.driver.check_can_live_migrate_destination(
                context, instance, src_info, dst_info, block_migration=block_migration,
                disk_over_commit=disk_over_commit)
            try:
                migrate_data = self.compute_rpcapi.check_can_live_migrate_source(
                    context, instance, dest_check_data)
            finally:
                self.driver.cleanup_live_migration_destination_check(context,
                                                                     dest_check_data)
        migrate_data = dict(migrate_data or {})
        migrate_data["dest_node"] = node
        return migrate_data

    def check_can_live_migrate_source(self, context, instance, dest_check_data):
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_check_can_live_migrate_source",
                                          host=self.host):
            return self.driver.check_can_live_migrate_source(context, instance,
                                                             dest_check_data)

    # -- the move (source) ------------------------------------------------------------

    def live_migration(self, context, dest, instance, block_migration, migration,
                       migrate_data=None):
        resize.set_migration_status(migration, "queued")
        thread = threading.Thread(
            target=self._do_live_migration, name="live-migration-%s" % instance.uuid,
            args=(context, dest, instance, block_migration, migration, migrate_data),
            daemon=True)
        thread.start()

    def _do_live_migration(self, context, dest, instance, block_migration, migration,
                           migrate_data):
        migrate_data = dict(migrate_data or {})
        migrate_data["migration"] = migration.uuid
        migrate_data["block_migration"] = block_migration
        self._live_migrations = getattr(self, "_live_migrations", {})
        self._live_migrations[instance.uuid] = migration
        try:
            with compute_utils.instance_event(context, instance.uuid,
                                              "compute_live_migration", host=self.host):
                if migration.status == "cancelled":
                    raise exception.MigrationError(reason="aborted before it started")
                resize.set_migration_status(migration, "preparing")
                try:
                    network_info = instance.get_network_info()
                except Exception:
                    network_info = None
                try:
                    migrate_data = self.compute_rpcapi.pre_live_migration(
                        context, instance, block_migration, None, dest,
                        migrate_data=migrate_data) or migrate_data
                except Exception as exc:
                    self._rollback_live_migration(context, instance, dest, migrate_data,
                                                  exc=exc)
                    raise
                if migration.status == "cancelled":
                    self._rollback_live_migration(context, instance, dest, migrate_data)
                    raise exception.MigrationError(reason="aborted while preparing")
                resize.set_migration_status(migration, "running")
                outcome = {}

                def post(ctxt, inst, dest_host, block_mig, data):
                    outcome["done"] = True
                    self._post_live_migration(ctxt, inst, dest_host, block_mig, data,
                                              network_info)

                def recover(ctxt, inst, dest_host, data):
                    outcome["failed"] = True
                    self._rollback_live_migration(ctxt, inst, dest_host, data)

                self.driver.live_migration(context, instance, dest, post, recover,
                                           block_migration=block_migration,
                                           migrate_data=migrate_data)
                if outcome.get("failed"):
                    raise exception.MigrationError(
                        reason="the hypervisor could not move the guest")
        except Exception as exc:
            LOG.warning("Live migration of %s to %s failed: %s", instance.uuid, dest, exc)
        finally:
            self._live_migrations.pop(instance.uuid, None)

    def _post_live_migration(self, context, instance, dest, block_migration,
                             migrate_data, network_info):
        migration_uuid = (migrate_data or {}).get("migration")
        migration = self._live_migrations.get(instance.uuid)
        self.driver.post_live_migration(context, instance, None,
                                        migrate_data=migrate_data)
        self.driver.post_live_migration_at_source(context, instance, network_info)
        try:
            self.network_api.setup_networks_on_host(context, instance, self.host,
                                                    teardown=True)
        except Exception:
            LOG.exception("Could not unbind the networks of %s from %s", instance.uuid,
                          self.host)
        self.compute_rpcapi.post_live_migration_at_destination(
            context, instance, block_migration, dest)
        if migration is not None:
            resize.set_migration_status(migration, "completed")
            resize.drop_migration_allocation(self.reportclient, context, migration)
        elif migration_uuid:
            resize.drop_migration_allocation(self.reportclient, context,
                                             objects.Migration(uuid=migration_uuid))
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance,
                                  deleted=True)
        LOG.info("Instance %s live-migrated from %s to %s", instance.uuid, self.host, dest)

    def _rollback_live_migration(self, context, instance, dest, migrate_data, exc=None):
        migration = self._live_migrations.get(instance.uuid)
        if migration is not None:
            resize.revert_allocations(self.reportclient, context, instance, migration)
            resize.set_migration_status(
                migration, "cancelled" if migration.status == "cancelled"
                or getattr(migration, "_aborted", False) else "error")
        if exc is not None:
            compute_utils.add_instance_fault_from_exc(context, instance, exc,
                                                      host=self.host)
        try:
            self.compute_rpcapi.rollback_live_migration_at_destination(
                context, instance, dest, destroy_disks=True, migrate_data=migrate_data)
        except Exception:
            LOG.exception("Could not roll the destination %s back", dest)
        instance.task_state = None
        instance.power_state = operation.power_state_of(self.driver, instance)
        try:
            instance.save(expected_task_state=[task_states.MIGRATING])
        except Exception as save_exc:
            LOG.info("Could not clear the task of %s: %s", instance.uuid, save_exc)

    # -- the destination's steps ------------------------------------------------------

    def pre_live_migration(self, context, instance, block_migration, disk,
                           migrate_data=None):
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_pre_live_migration", host=self.host):
            try:
                self.network_api.setup_networks_on_host(context, instance, self.host)
                network_info = self.network_api.get_instance_nw_info(context, instance)
            except Exception:
                network_info = None
            return self.driver.pre_live_migration(context, instance, None, network_info,
                                                  disk, migrate_data)

    def post_live_migration_at_destination(self, context, instance, block_migration):
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_post_live_migration_at_destination",
                                          host=self.host):
            try:
                network_info = self.network_api.get_instance_nw_info(context, instance)
            except Exception:
                network_info = None
            self.driver.post_live_migration_at_destination(
                context, instance, network_info, block_migration=block_migration)
            instance.host = self.host
            instance.node = self.driver.get_available_nodes()[0]
            instance.power_state = operation.power_state_of(self.driver, instance)
            instance.task_state = None
            instance.save(expected_task_state=[task_states.MIGRATING])
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)

    def rollback_live_migration_at_destination(self, context, instance,
                                               destroy_disks=True, migrate_data=None):
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        try:
            self.driver.rollback_live_migration_at_destination(
                context, instance, network_info, None, destroy_disks=destroy_disks,
                migrate_data=migrate_data)
        except Exception:
            LOG.exception("Rollback of the live migration of %s failed on %s",
                          instance.uuid, self.host)
        try:
            self.network_api.setup_networks_on_host(context, instance, self.host,
                                                    teardown=True)
        except Exception:
            LOG.debug("Could not unbind the networks of %s from %s", instance.uuid,
                      self.host)

    # -- force complete and abort (source) ---------------------------------------------

    def live_migration_force_complete(self, context, instance):
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_live_migration_force_complete",
                                          host=self.host):
            self.driver.live_migration_force_complete(instance)

    def live_migration_abort(self, context, instance, migration_id):
        with compute_utils.instance_event(context, instance.uuid,
                                          "compute_live_migration_abort", host=self.host):
            migration = getattr(self, "_live_migrations", {}).get(instance.uuid)
            if migration is not None and migration.id == migration_id:
                migration._aborted = True
                if migration.status in ("queued", "preparing"):
                    resize.set_migration_status(migration, "cancelled")
                    return
            self.driver.live_migration_abort(instance)
