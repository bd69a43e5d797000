"""API-side resize, cold migrate, confirmResize and revertResize.

``resize`` and ``migrate`` check the lock, the state (ACTIVE or STOPPED, no
task: 409 otherwise), the new flavor (400 for the same flavor, an unknown
or disabled one, or a smaller root disk), set task_state resize_prep,
record the action and hand the move to the conductor (compute_task 1.4),
which schedules it. ``confirmResize`` and ``revertResize`` need a RESIZED
server (VERIFY_RESIZE) and its ``finished`` migration (400 without one).
"""

from oslo_log import log as logging

from nova.compute import api_actions
from nova.compute import quota_checks
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception
from nova import objects

InvalidMigrationState = exception.InvalidMigrationState

LOG = logging.getLogger(__name__)

MOVE_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED]


class CannotMigrateToSameHost(exception.Invalid):
    msg_fmt = ("Cannot migrate to the host where the server exists. Please specify "
               "another host.")


class UnableToMigrateToSelf(exception.Invalid):
    msg_fmt = ("Unable to migrate instance (%(instance_id)s) to current host "
               "(%(host)s).")


class ComputeServiceUnavailable(exception.Invalid):
    msg_fmt = "Compute service of %(host)s is unavailable at this time."


class MigrationNotFinished(exception.Invalid):
    msg_fmt = "Instance %(instance_uuid)s has not been resized."


class MoveOperations:
    """Mixin of compute.api.API: resize and cold migration."""

    @property
    def compute_task_api(self):
        if getattr(self, "_compute_task_api", None) is None:
            from nova.conductor import api as conductor_api
            self._compute_task_api = conductor_api.ComputeTaskAPI()
        return self._compute_task_api

    @check_instance_lock
    @check_instance_state(vm_state=MOVE_VM_STATES, method="resize")
    @api_actions.check_instance_host
    def resize(self, context, instance, flavor_id=None, auto_disk_config=None,
               host_name=None):
        """Resize to flavor ``flavor_id`` or, without one, cold-migrate (to
        ``host_name`` when given, 2.56)."""
        self.compute_task_api.conductor_compute_rpcapi.router.prepare(
            "migrate_server", version="1.4")
        current = instance.flavor
        if flavor_id is None:
            flavor = current
            action = "migrate"
        else:
            try:
                flavor = objects.Flavor.get_by_flavor_id(context, flavor_id,
                                                         read_deleted="no")
            except exception.FlavorNotFound:
                raise exception.InvalidRequest(
                    "Unable to find flavor %s." % flavor_id) from None
            if flavor.flavorid == current.flavorid:
                raise exception.CannotResizeToSameFlavor()
            if flavor.disabled:
                raise exception.FlavorNotFound(flavor_id=flavor_id)
            if instance.image_ref and flavor.root_gb == 0 and current.root_gb != 0:
                raise exception.CannotResizeDisk(
                    reason="Resize to zero disk flavor is not allowed.")
            if instance.image_ref and flavor.root_gb < current.root_gb:
                raise exception.CannotResizeDisk(
                    reason="Unable to resize disk down.")
            quota_checks.check_deltas(context, instance,
                                      quota_checks.upsize_deltas(flavor, current))
            action = "resize"
        if host_name is not None:
            if host_name == instance.host:
                raise CannotMigrateToSameHost()
            self._check_move_destination(context, host_name)
        request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        if host_name is not None:
            request_spec.requested_destination = objects.Destination(host=host_name)
        if auto_disk_config is not None:
            instance.auto_disk_config = auto_disk_config
        instance.progress = 0
        instance.task_state = task_states.RESIZE_PREP
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, action)
        self.compute_task_api.migrate_server(instance._context or context, instance,
                                             flavor, request_spec=request_spec)

    @staticmethod
    def _check_move_destination(context, host_name):
        """ComputeHostNotFound (400 here) unless ``host_name`` is a compute host."""
        try:
            mapping = objects.HostMapping.get_by_host(context, host_name)
        except exception.HostMappingNotFound:
            raise exception.ComputeHostNotFound(host=host_name) from None
        from nova import context as nova_context
        with nova_context.target_cell(context, mapping.cell_mapping) as cctxt:
            if not objects.ComputeNodeList.get_all_by_host(cctxt, host_name):
                raise exception.ComputeHostNotFound(host=host_name)

    def _finished_migration(self, instance, method):
        try:
            return objects.Migration.get_by_instance_and_status(
                instance._context, instance.uuid, "finished")
        except exception.MigrationNotFound:
            raise MigrationNotFinished(instance_uuid=instance.uuid) from None

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESIZED], method="confirmResize")
    def confirm_resize(self, context, instance, migration=None):
        """Keep the new host and flavor: the source drops what it kept."""
        self.compute_rpcapi.check_instance_action("confirm_resize",
                                                  version=self.compute_rpcapi.MOVES_VERSION)
        migration = migration or self._finished_migration(instance, "confirmResize")
        migration.status = "confirming"
        migration.save()
        instance.task_state = task_states.RESIZE_CONFIRMING
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, "confirmResize")
        self.compute_rpcapi.confirm_resize(instance._context or context, instance,
                                           migration, migration.source_compute)

    def confirm_resize_on_delete(self, context, instance):
        """A RESIZED server is being deleted: confirm its resize first, so that
        the source drops what it kept and the migration's allocation goes (at
        once, when the source compute is down)."""
        if instance.vm_state != vm_states.RESIZED:
            return
        try:
            migration = objects.Migration.get_by_instance_and_status(
                instance._context, instance.uuid, "finished")
        except exception.MigrationNotFound:
            return
        migration.status = "confirming"
        migration.save()
        source_up = True
        try:
            service = objects.Service.get_by_compute_host(instance._context,
                                                          migration.source_compute)
            source_up = self.servicegroup_api.service_is_up(service)
        except exception.NotFound:
            source_up = False
        if source_up:
            self.compute_rpcapi.confirm_resize(instance._context or context, instance,
                                               migration, migration.source_compute)
            return
        try:
            self.report_client.delete_allocation_for_instance(context, migration.uuid,
                                                              force=True)
        except Exception:
            LOG.exception("Could not drop the allocation of migration %s",
                          migration.uuid)
        migration.status = "confirmed"
        migration.save()

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESIZED], method="revertResize")
    def revert_resize(self, context, instance):
        """Go back to the source host and the old flavor."""
        self.compute_rpcapi.check_instance_action("revert_resize",
                                                  version=self.compute_rpcapi.MOVES_VERSION)
        migration = self._finished_migration(instance, "revertResize")
        if instance.old_flavor is not None:
            # Going back to a bigger flavor needs room in the quota again.
            quota_checks.check_deltas(context, instance, quota_checks.upsize_deltas(
                instance.old_flavor, instance.flavor))
        migration.status = "reverting"
        migration.save()
        instance.task_state = task_states.RESIZE_REVERTING
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, "revertResize")
        self.compute_rpcapi.revert_resize(instance._context or context, instance,
                                          migration, migration.dest_compute)

    # -- live migration ---------------------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.PAUSED],
                          method="os-migrateLive")
    @api_actions.check_instance_host
    def live_migrate(self, context, instance, block_migration=None,
                     disk_over_commit=None, host_name=None, force=False):
        """Live-migrate to ``host_name`` or a host the scheduler picks."""
        self.compute_task_api.conductor_compute_rpcapi.router.prepare(
            "live_migrate_instance", version="1.4")
        if host_name is not None:
            if host_name == instance.host:
                raise UnableToMigrateToSelf(instance_id=instance.uuid, host=host_name)
            self._check_move_destination(context, host_name)
            try:
                service = objects.Service.get_by_compute_host(instance._context, host_name)
            except exception.NotFound:
                raise exception.ComputeHostNotFound(host=host_name) from None
            if not self.servicegroup_api.service_is_up(service):
                raise ComputeServiceUnavailable(host=host_name)
        request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        instance.task_state = task_states.MIGRATING
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, "live-migration")
        self.compute_task_api.live_migrate_instance(
            instance._context or context, instance, host=host_name,
            block_migration=block_migration, disk_over_commit=disk_over_commit,
            request_spec=request_spec, force=bool(force))

    def get_live_migration(self, context, instance, migration_id):
        """The in-progress live migration ``migration_id`` of ``instance``."""
        for migration in objects.MigrationList.get_in_progress_by_instance(
                instance._context, instance.uuid, "live-migration"):
            if migration.id == migration_id:
                return migration
        raise exception.MigrationNotFoundForInstance(migration_id=migration_id,
                                                     instance_id=instance.uuid)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.PAUSED],
                          task_state=[task_states.MIGRATING],
                          method="force_complete")
    def live_migrate_force_complete(self, context, instance, migration_id):
        migration = self.get_live_migration(context, instance, migration_id)
        if migration.status != "running":
            raise InvalidMigrationState(migration_id=migration_id,
                                        instance_uuid=instance.uuid,
                                        state=migration.status, method="force complete")
        self._record_action(context, instance, "live_migration_force_complete")
        self.compute_rpcapi.live_migration_force_complete(instance._context or context,
                                                          instance, migration)

    @check_instance_lock
    def live_migrate_abort(self, context, instance, migration_id, allow_queued=False):
        try:
            migration = objects.Migration.get_by_id_and_instance(
                instance._context, migration_id, instance.uuid)
        except exception.MigrationNotFound:
            raise exception.MigrationNotFoundForInstance(
                migration_id=migration_id, instance_id=instance.uuid) from None
        allowed = ("running", "queued", "preparing") if allow_queued else ("running",)
        if (migration.migration_type != "live-migration"
                or migration.status not in allowed):
            raise InvalidMigrationState(migration_id=migration_id,
                                        instance_uuid=instance.uuid,
                                        state=migration.status,
                                        method="abort live migration")
        self._record_action(context, instance, "live_migration_cancel")
        self.compute_rpcapi.live_migration_abort(instance._context or context, instance,
                                                 migration.id)

    # -- evacuation -------------------------------------------------------------------

    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR,
                                    vm_states.PAUSED, vm_states.SUSPENDED],
                          method="evacuate")
    @api_actions.check_instance_host
    def evacuate(self, context, instance, host=None, admin_password=None, force=False,
                 stop_after=False):
        """Rebuild the server on another host; its own compute must be down."""
        self.compute_task_api.conductor_compute_rpcapi.router.prepare(
            "evacuate_instance", version="1.4")
        try:
            service = objects.Service.get_by_compute_host(instance._context,
                                                          instance.host)
            source_up = self.servicegroup_api.service_is_up(service)
        except exception.NotFound:
            source_up = False
        if source_up:
            raise exception.ComputeServiceInUse(host=instance.host)
        if host is not None:
            if host == instance.host:
                raise UnableToMigrateToSelf(instance_id=instance.uuid, host=host)
            self._check_move_destination(context, host)
        request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        migration = objects.Migration(context=instance._context)
        migration.instance_uuid = instance.uuid
        migration.source_compute = instance.host
        migration.source_node = instance.node
        migration.dest_compute = host
        migration.old_instance_type_id = instance.flavor.id
        migration.new_instance_type_id = instance.flavor.id
        migration.status = "accepted"
        migration.migration_type = "evacuation"
        migration.user_id = context.user_id
        migration.project_id = context.project_id
        instance.task_state = task_states.REBUILDING
        instance.save(expected_task_state=[None])
        migration.create()
        self._record_action(context, instance, "evacuate")
        self.compute_task_api.evacuate_instance(
            instance._context or context, instance, migration, host=host,
            force=bool(force), admin_password=admin_password, stop_after=stop_after,
            request_spec=request_spec)
