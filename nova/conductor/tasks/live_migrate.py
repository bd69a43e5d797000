"""Live migration: finding and checking the destination.

Inside the action's ``conductor_live_migrate_instance`` event: a Migration
(type ``live-migration``, status ``accepted``) is created and the
instance's source allocation handed to it; then

- with a host and ``force`` (2.30-2.67): no scheduler; the source
  allocation is copied onto the destination for the instance;
- otherwise the scheduler picks (from the requested host only, when one was
  given) and claims a destination for the instance, the source host
  ignored; each candidate runs the hypervisor checks
  (check_can_live_migrate_destination on it, which asks the source) and a
  refused one gives its claim back, up to ``[DEFAULT] migrate_max_retries``
  more hosts.

Then live_migration is cast to the source. When nothing fits, the instance
keeps its allocation, the migration is ``error``, the task cleared and a
fault says why.
"""

from oslo_log import log as logging

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.conductor.tasks import migrate
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler.client import report
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class LiveMigrationTask:
    def __init__(self, scheduler_api=None, compute_api=None, report_client=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self.report_client = report_client or report.SchedulerReportClient()

    def execute(self, context, instance, host=None, block_migration=None,
                disk_over_commit=None, request_spec=None, force=False):
        migration = self._create_migration(context, instance, host)
        try:
            with compute_utils.instance_event(context, instance.uuid,
                                              "conductor_live_migrate_instance"):
                self._execute(context, instance, migration, host, block_migration,
                              disk_over_commit, request_spec, force)
        except Exception as exc:
            LOG.warning("Live migration of %s did not start: %s", instance.uuid, exc)
            self._give_up(context, instance, migration, exc)

    @staticmethod
    def _create_migration(context, instance, host):
        migration = objects.Migration(context=context)
        migration.instance_uuid = instance.uuid
        migration.source_compute = instance.host
        migration.source_node = instance.node
        migration.dest_compute = host
        migration.old_instance_type_id = instance.flavor.id
        migration.new_instance_type_id = instance.flavor.id
        migration.status = "accepted"
        migration.migration_type = fields.MigrationType.LIVE_MIGRATION
        migration.user_id = context.user_id
        migration.project_id = context.project_id
        migration.create()
        return migration

    def _execute(self, context, instance, migration, host, block_migration,
                 disk_over_commit, request_spec, force):
        source_allocs = self.report_client.get_allocs_for_consumer(context, instance.uuid)
        self.report_client.move_allocations(context, instance.uuid, migration.uuid)
        migration._moved = True
        if host and force:
            migrate_data = self._forced(context, instance, migration, host, source_allocs,
                                        block_migration, disk_over_commit)
            dest, node = host, migrate_data.get("dest_node")
        else:
            dest, node, migrate_data = self._schedule(
                context, instance, migration, host, block_migration, disk_over_commit,
                request_spec)
        migration.dest_compute = dest
        migration.dest_node = node
        migration.save()
        self.compute_rpcapi.live_migration(context, instance, dest, block_migration,
                                           instance.host, migration,
                                           migrate_data=migrate_data)

    def _check(self, context, instance, migration, dest, block_migration,
               disk_over_commit):
        return self.compute_rpcapi.check_can_live_migrate_destination(
            context, instance, dest, block_migration, disk_over_commit,
            migration=migration)

    def _forced(self, context, instance, migration, host, source_allocs,
                block_migration, disk_over_commit):
        node = objects.ComputeNodeList.get_all_by_host(context, host)[0]
        resources = {}
        for alloc in (source_allocs.get("allocations") or {}).values():
            for rc, amount in alloc["resources"].items():
                resources[rc] = resources.get(rc, 0) + amount
        claimed = self.report_client.claim_resources(
            context, instance.uuid, {"allocations": {node.uuid: {"resources": resources}}},
            instance.project_id, instance.user_id, "1.28")
        if not claimed:
            raise exception.MigrationPreCheckError(
                reason="Unable to claim %s on the destination %s" % (resources, host))
        try:
            return self._check(context, instance, migration, host, block_migration,
                               disk_over_commit)
        except Exception:
            self.report_client.delete_allocation_for_instance(context, instance.uuid,
                                                              force=True)
            raise

    def _schedule(self, context, instance, migration, host, block_migration,
                  disk_over_commit, request_spec):
        if request_spec is None:
            request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        request_spec.reset_forced_destinations()
        request_spec.ensure_project_and_user_id(instance)
        request_spec.num_instances = 1
        request_spec.flavor = instance.flavor
        if host:
            request_spec.requested_destination = objects.Destination(host=host)
        ignored = [instance.host]
        scheduler_utils.setup_instance_group(context, request_spec)
        attempts = 0
        last_error = None
        limit = CONF.migrate_max_retries
        while limit < 0 or attempts <= limit:
            attempts += 1
            request_spec.ignore_hosts = list(ignored)
            try:
                selection = self.scheduler_rpcapi.select_destinations(
                    context, request_spec, [instance.uuid], return_objects=True,
                    return_alternates=False)[0][0]
            except exception.NoValidHost as exc:
                if last_error is not None:
                    raise exception.MaxRetriesExceeded(reason=str(last_error)) from exc
                raise
            try:
                migrate_data = self._check(context, instance, migration,
                                           selection.service_host, block_migration,
                                           disk_over_commit)
                return selection.service_host, selection.nodename, migrate_data
            except Exception as exc:
                LOG.info("%s cannot take %s live: %s", selection.service_host,
                         instance.uuid, exc)
                last_error = exc
                ignored.append(selection.service_host)
                self.report_client.delete_allocation_for_instance(
                    context, instance.uuid, force=True)
                if host:
                    raise
        raise exception.MaxRetriesExceeded(
            reason="Exceeded max scheduling retries %d for instance %s: %s"
                   % (CONF.migrate_max_retries, instance.uuid, last_error))

    def _give_up(self, context, instance, migration, exc):
        migrate.give_up_move(self.report_client, context, instance, migration, exc,
                             task_states.MIGRATING,
                             move_back=getattr(migration, "_moved", False))
