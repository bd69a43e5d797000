"""Resize and cold migration: finding the destination.

The API has set task_state resize_prep and recorded the ``resize`` or
``migrate`` action. Here, inside the action's ``conductor_migrate_server``
event:

1. a Migration record is created (``pre-migrating``; type ``resize`` when
   the flavor changes, ``migration`` otherwise) with the source host/node;
2. the instance's source allocation is handed to the migration's uuid (one
   POST /allocations), so that the instance is a new consumer;
3. the scheduler picks and claims a destination for the instance with the
   request spec of the new flavor; the source host is ignored unless
   ``[DEFAULT] allow_resize_to_same_host`` (for a cold migration, also only
   when the source hypervisor can migrate to itself); a host asked for
   (migrate ``host``, 2.56) becomes the requested destination;
4. prep_resize is cast to the destination with the scheduler's alternates.

A compute that cannot prepare hands the instance back with the alternates
left (``host_list``): the next one whose allocation can still be claimed
gets it. When no host fits, the allocation goes back to the instance, the
migration is ``error``, the task is cleared and the server stays as it was
(ACTIVE or SHUTOFF) with a fault; the event records the failure.
"""

import json

from oslo_log import log as logging

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova import exception
from nova import objects
from nova.objects import fields
from nova.scheduler.client import report
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SAME_HOST_TRAIT = "COMPUTE_SAME_HOST_COLD_MIGRATE"


class MigrationTask:
    def __init__(self, scheduler_api=None, compute_api=None, report_client=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self.report_client = report_client or report.SchedulerReportClient()

    def execute(self, context, instance, flavor, request_spec=None, clean_shutdown=True,
                host_list=None, migration=None):
        try:
            with compute_utils.instance_event(context, instance.uuid,
                                              "conductor_migrate_server"):
                self._execute(context, instance, flavor, request_spec, clean_shutdown,
                              host_list, migration)
        except Exception as exc:
            LOG.warning("Move of %s did not start: %s", instance.uuid, exc)

    def _execute(self, context, instance, flavor, request_spec, clean_shutdown,
                 host_list, migration):
        if migration is None:
            migration = self._create_migration(context, instance, flavor)
            try:
                self.report_client.move_allocations(context, instance.uuid,
                                                    migration.uuid)
            except Exception as exc:
                self._give_up(context, instance, migration, exc, move_back=False)
                raise
        if request_spec is None:
            request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        try:
            if host_list is None:
                selections = self._schedule(context, instance, flavor, request_spec)
            else:
                selections = self._claim_alternate(context, instance, host_list)
        except Exception as exc:
            self._give_up(context, instance, migration, exc)
            raise
        selection, alternates = selections[0], selections[1:]
        scheduler_utils.fill_provider_mapping(request_spec, selection)
        LOG.info("Moving %s from %s to %s", instance.uuid, instance.host,
                 selection.service_host)
        self.compute_rpcapi.prep_resize(
            context, instance, flavor, migration, selection.service_host,
            request_spec=request_spec, host_list=alternates, node=selection.nodename,
            clean_shutdown=clean_shutdown)

    @staticmethod
    def _create_migration(context, instance, flavor):
        migration = objects.Migration(context=context)
        migration.instance_uuid = instance.uuid
        migration.source_compute = instance.host
        migration.source_node = instance.node
        migration.old_instance_type_id = instance.flavor.id
        migration.new_instance_type_id = flavor.id
        migration.status = "pre-migrating"
        migration.migration_type = (fields.MigrationType.RESIZE
                                    if instance.flavor.flavorid != flavor.flavorid
                                    else fields.MigrationType.MIGRATION)
        migration.user_id = context.user_id
        migration.project_id = context.project_id
        migration.create()
        return migration

    def _same_host_allowed(self, context, instance, resize):
        if not CONF.allow_resize_to_same_host:
            return False
        if resize:
            return True
        # A cold migration onto its own host only where the hypervisor can.
        try:
            node = objects.ComputeNode.get_by_host_and_nodename(context, instance.host,
                                                                instance.node)
            traits = self.report_client.get_provider_traits(context, node.uuid)
        except Exception as exc:
            LOG.debug("Could not read the traits of %s's node: %s", instance.host, exc)
            return False
        return SAME_HOST_TRAIT in (traits or ())

    def _schedule(self, context, instance, flavor, request_spec):
        resize = instance.flavor.flavorid != flavor.flavorid
        request_spec.flavor = flavor
        request_spec.reset_forced_destinations()
        request_spec.ensure_project_and_user_id(instance)
        request_spec.num_instances = 1
        request_spec.ignore_hosts = ([] if self._same_host_allowed(context, instance, resize)
                                     else [instance.host])
        scheduler_utils.setup_instance_group(context, request_spec)
        return self.scheduler_rpcapi.select_destinations(
            context, request_spec, [instance.uuid], return_objects=True,
            return_alternates=True)[0]

    def _claim_alternate(self, context, instance, host_list):
        """The first alternate whose allocation can still be claimed, and the rest."""
        host_list = list(host_list)
        while host_list:
            selection = host_list.pop(0)
            alloc_req = (json.loads(selection.allocation_request)
                         if selection.allocation_request else None)
            if alloc_req and not self.report_client.claim_resources(
                    context, instance.uuid, alloc_req, instance.project_id,
                    instance.user_id, selection.allocation_request_version):
                LOG.info("Alternate %s of %s is full now; trying the next one.",
                         selection.service_host, instance.uuid)
                continue
            return [selection] + host_list
        raise exception.MaxRetriesExceeded(
            reason="no alternate host is left to move %s to" % instance.uuid)

    def _give_up(self, context, instance, migration, exc, move_back=True):
        """No destination: everything as before the request, and a fault."""
        give_up_move(self.report_client, context, instance, migration, exc,
                     task_states.RESIZE_PREP, move_back=move_back)


def give_up_move(report_client, context, instance, migration, exc, task_state,
                 move_back=True):
    """A move that found no destination (or failed its checks): the source
    allocation back from the migration's consumer when it had been moved, the
    migration in error, a fault, and the instance's ``task_state`` cleared."""
    if move_back:
        try:
            report_client.move_allocations(context, migration.uuid, instance.uuid)
        except Exception:
            LOG.exception("Could not give %s its allocation back", instance.uuid)
    migration.status = "error"
    try:
        migration.save()
    except Exception:
        LOG.exception("Could not mark migration %s in error", migration.uuid)
    compute_utils.add_instance_fault_from_exc(context, instance, exc)
    instance.task_state = None
    try:
        instance.save(expected_task_state=[task_state])
    except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as err:
        LOG.info("Could not clear the task of %s: %s", instance.uuid, err)
