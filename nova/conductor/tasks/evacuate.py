"""Evacuation: a server of a dead host rebuilt on another one.

The API created the Migration (``evacuation``, ``accepted``) and set task
rebuilding. The scheduler picks and claims a destination (the requested
host only, when one was given; the source is ignored) for the migration's
uuid, and that claim is then merged into the instance's allocation: the
instance holds its source allocation and the destination's until the
source compute comes back and cleans up (as upstream). With a host and
``force`` (2.29-2.67) the source resources are claimed there without the
scheduler. When nothing fits, the migration is ``error``, the task is
cleared and a fault says why; the allocation is as before.
"""

from oslo_log import log as logging

from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova import exception
from nova import objects
from nova.scheduler.client import report
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

LOG = logging.getLogger(__name__)


class EvacuateTask:
    def __init__(self, scheduler_api=None, compute_api=None, report_client=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self.report_client = report_client or report.SchedulerReportClient()

    def execute(self, context, instance, migration, host=None, force=False,
                admin_password=None, stop_after=False, request_spec=None):
        try:
            with compute_utils.instance_event(context, instance.uuid,
                                              "conductor_rebuild_server"):
                dest, node = self._destination(context, instance, migration, host, force,
                                               request_spec)
        except Exception as exc:
            LOG.warning("No host to evacuate %s to: %s", instance.uuid, exc)
            self.report_client.delete_allocation_for_instance(context, migration.uuid,
                                                              force=True)
            migration.status = "error"
            migration.save()
            compute_utils.add_instance_fault_from_exc(context, instance, exc)
            instance.task_state = None
            try:
                instance.save(expected_task_state=[task_states.REBUILDING])
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
                pass
            return
        migration.dest_compute = dest
        migration.dest_node = node
        migration.save()
        self.compute_rpcapi.evacuate_instance(
            context, instance, migration, dest, new_pass=admin_password,
            scheduled_node=node, stop_after=stop_after, request_spec=request_spec)

    def _destination(self, context, instance, migration, host, force, request_spec):
        if host and force:
            node = objects.ComputeNodeList.get_all_by_host(context, host)[0]
            resources = {}
            allocs = self.report_client.get_allocations_for_consumer(context,
                                                                     instance.uuid)
            for alloc in allocs.values():
                for rc, amount in alloc["resources"].items():
                    resources[rc] = resources.get(rc, 0) + amount
            if not self.report_client.claim_resources(
                    context, migration.uuid,
                    {"allocations": {node.uuid: {"resources": resources}}},
                    instance.project_id, instance.user_id, "1.28"):
                raise exception.NoValidHost(reason="%s has no room for the server" % host)
            dest, nodename = host, node.hypervisor_hostname
        else:
            if request_spec is None:
                request_spec = objects.RequestSpec.get_by_instance_uuid(context,
                                                                        instance.uuid)
            request_spec.reset_forced_destinations()
            request_spec.ensure_project_and_user_id(instance)
            request_spec.num_instances = 1
            request_spec.flavor = instance.flavor
            request_spec.ignore_hosts = [instance.host]
            if host:
                request_spec.requested_destination = objects.Destination(host=host)
            scheduler_utils.setup_instance_group(context, request_spec)
            selection = self.scheduler_rpcapi.select_destinations(
                context, request_spec, [migration.uuid], return_objects=True,
                return_alternates=False)[0][0]
            dest, nodename = selection.service_host, selection.nodename
        self.report_client.merge_allocations(context, migration.uuid, instance.uuid)
        return dest, nodename
