"""The compute RPC client's move methods (6.9): resize, cold and live migration.

Mixed into nova.compute.rpcapi.ComputeAPI. The resize steps are casts that
hop between the two hosts (see nova/compute/resize.py); the caller learns
the outcome from the instance's vm_state and task_state, the Migration's
status, the action events and faults. The live migration checks are calls
(their answer or error decides whether the move starts).
"""

import nova.conf

CONF = nova.conf.CONF

MOVES_VERSION = "6.9"


class MoveMethods:
    """prep_resize ... finish_revert_resize, and the live migration steps."""

    MOVES_VERSION = MOVES_VERSION

    def _cast_move(self, ctxt, host, method, **kwargs):
        cctxt = self.router.prepare(method, version=MOVES_VERSION, server=host)
        cctxt.cast(ctxt, method, **kwargs)

    def _call_move(self, ctxt, host, method, timeout=None, **kwargs):
        options = {"server": host}
        if timeout:
            options.update(timeout=timeout, call_monitor_timeout=CONF.rpc_response_timeout)
        cctxt = self.router.prepare(method, version=MOVES_VERSION, **options)
        return cctxt.call(ctxt, method, **kwargs)

    # -- resize / cold migration -----------------------------------------------------

    def prep_resize(self, ctxt, instance, flavor, migration, host, request_spec=None,
                    host_list=None, node=None, clean_shutdown=True):
        """A cast (6.9) from the conductor to destination ``host``: record the
        destination and the new flavor, then cast resize_instance to the
        source; a failure reschedules to the next of ``host_list`` (Selections)
        or rolls the move back (task cleared, migration 'error')."""
        self._cast_move(ctxt, host, "prep_resize", instance=instance, flavor=flavor,
                        migration=migration, request_spec=request_spec,
                        host_list=host_list, node=node, clean_shutdown=clean_shutdown)

    def resize_instance(self, ctxt, instance, migration, flavor, clean_shutdown=True,
                        request_spec=None):
        """A cast (6.9) to the source (``instance.host``): power off and hand the
        disks over (migration 'migrating' -> 'post-migrating'), then
        finish_resize on the destination."""
        self._cast_move(ctxt, instance.host, "resize_instance", instance=instance,
                        migration=migration, flavor=flavor, clean_shutdown=clean_shutdown,
                        request_spec=request_spec)

    def finish_resize(self, ctxt, instance, migration, disk_info, request_spec=None):
        """A cast (6.9) to ``migration.dest_compute``: build the guest there;
        the server ends RESIZED (VERIFY_RESIZE), the migration 'finished'."""
        self._cast_move(ctxt, migration.dest_compute, "finish_resize", instance=instance,
                        migration=migration, disk_info=disk_info,
                        request_spec=request_spec)

    def confirm_resize(self, ctxt, instance, migration, host):
        """A cast (6.9) to the source ``host``: drop the guest kept there and the
        migration's allocation (migration 'confirmed', server ACTIVE/SHUTOFF)."""
        self._cast_move(ctxt, host, "confirm_resize", instance=instance,
                        migration=migration)

    def revert_resize(self, ctxt, instance, migration, host, request_spec=None):
        """A cast (6.9) to the destination ``host``: destroy the guest there
        (migration 'reverted'), then finish_revert_resize on the source."""
        self._cast_move(ctxt, host, "revert_resize", instance=instance,
                        migration=migration, request_spec=request_spec)

    def finish_revert_resize(self, ctxt, instance, migration, host, request_spec=None):
        """A cast (6.9) to the source ``host``: the server runs there again with
        its old flavor and source allocation."""
        self._cast_move(ctxt, host, "finish_revert_resize", instance=instance,
                        migration=migration, request_spec=request_spec)

    # -- live migration ---------------------------------------------------------------

    def check_can_live_migrate_destination(self, ctxt, instance, destination,
                                           block_migration, disk_over_commit,
                                           migration=None, limits=None):
        """A call (6.9) to ``destination``: can it take ``instance`` live? It asks
        the source in turn; the answer is the migrate_data dict the later
        steps receive (MigrationPreCheckError when either side refuses)."""
        return self._call_move(ctxt, destination, "check_can_live_migrate_destination",
                               timeout=CONF.long_rpc_timeout, instance=instance,
                               block_migration=block_migration,
                               disk_over_commit=disk_over_commit, migration=migration,
                               limits=limits)

    def check_can_live_migrate_source(self, ctxt, instance, dest_check_data):
        """A call (6.9) to the source (``instance.host``): its half of the check."""
        return self._call_move(ctxt, instance.host, "check_can_live_migrate_source",
                               instance=instance, dest_check_data=dest_check_data)

    def live_migration(self, ctxt, instance, dest, block_migration, host, migration,
                       migrate_data=None):
        """A cast (6.9) to the source ``host``: run the live migration (migration
        'queued' -> 'preparing' -> 'running' -> 'completed'; on failure the
        server stays on the source, task cleared, migration 'error')."""
        self._cast_move(ctxt, host, "live_migration", instance=instance, dest=dest,
                        block_migration=block_migration, migration=migration,
                        migrate_data=migrate_data)

    def pre_live_migration(self, ctxt, instance, block_migration, disk, host,
                           migrate_data=None):
        """A call (6.9) to the destination ``host``: prepare for the incoming
        guest; the (updated) migrate_data."""
        return self._call_move(ctxt, host, "pre_live_migration",
                               timeout=CONF.long_rpc_timeout, instance=instance,
                               block_migration=block_migration, disk=disk,
                               migrate_data=migrate_data)

    def post_live_migration_at_destination(self, ctxt, instance, block_migration, host):
        """A call (6.9) to the destination ``host``: the guest runs there now;
        the instance's host, node and task are updated when it returns."""
        return self._call_move(ctxt, host, "post_live_migration_at_destination",
                               timeout=CONF.long_rpc_timeout, instance=instance,
                               block_migration=block_migration)

    def rollback_live_migration_at_destination(self, ctxt, instance, host,
                                               destroy_disks=True, migrate_data=None):
        """A cast (6.9) to the destination ``host``: undo pre_live_migration."""
        self._cast_move(ctxt, host, "rollback_live_migration_at_destination",
                        instance=instance, destroy_disks=destroy_disks,
                        migrate_data=migrate_data)

    def live_migration_force_complete(self, ctxt, instance, migration):
        """A cast (6.9) to the source: make the running live migration finish."""
        self._cast_move(ctxt, migration.source_compute, "live_migration_force_complete",
                        instance=instance)

    def live_migration_abort(self, ctxt, instance, migration_id):
        """A cast (6.9) to the source: cancel the live migration ``migration_id``
        (the server stays on the source, the migration ends 'cancelled')."""
        self._cast_move(ctxt, instance.host, "live_migration_abort", instance=instance,
                        migration_id=migration_id)

    # -- evacuation -----------------------------------------------------------------

    def evacuate_instance(self, ctxt, instance, migration, host, image_ref=None,
                          new_pass=None, scheduled_node=None, stop_after=False,
                          request_spec=None):
        """A cast (6.9) to the destination ``host``: rebuild the server of a
        dead host there (migration 'pre-migrating' -> 'done'; the server ends
        ACTIVE, or STOPPED if it was or ``stop_after``; a failure: ERROR and
        migration 'failed')."""
        self._cast_move(ctxt, host, "evacuate_instance", instance=instance,
                        migration=migration, image_ref=image_ref, new_pass=new_pass,
                        scheduled_node=scheduled_node, stop_after=stop_after,
                        request_spec=request_spec)
