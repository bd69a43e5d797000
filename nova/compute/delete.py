"""The compute manager's delete family: tear an instance down on its host."""

from oslo_log import log as logging
from oslo_utils import timeutils

from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)


class DeleteOperations:
    """Mixin of ComputeManager: terminating instances."""

    # A delete that fails (the hypervisor could not remove the guest) leaves
    # the instance in ERROR, still holding its resources: delete it again.
    @operation.compute_operation(error_vm_state=vm_states.ERROR)
    def terminate_instance(self, context, instance, bdms=None):
        """Destroy the guest, release its networks and allocation, delete the record.

        Idempotent: a guest already gone, a network already released or an
        instance already deleted are not errors. If the networks cannot be
        released (Neutron down), or its allocation (Placement down), the instance
        ends in ERROR, to be deleted again.
        """
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        # Nobody may open the console of a server that is going away.
        self.clean_console_tokens(context, instance)
        try:
            self.driver.destroy(context, instance, network_info)
        except exception.InstanceNotFound:
            pass
        # Neutron unreachable: the instance stays (ERROR, with a fault naming
        # the network service) with its ports and allocation, and a delete once
        # Neutron is back finishes the job; nothing is left behind unrecorded.
        self.network_api.deallocate_for_instance(context, instance)
        # Release the claim first: once the server is gone from the API, its
        # resources are free again (Placement usages, quotas). A Placement that
        # cannot do it leaves the instance in ERROR, to be deleted again.
        self._release_allocation_or_fail(context, instance)
        instance.power_state = power_state.NOSTATE
        instance.vm_state = vm_states.DELETED
        instance.task_state = None
        instance.terminated_at = timeutils.utcnow()
        try:
            instance.save(expected_task_state=[task_states.DELETING, None])
            instance.destroy()
        except exception.InstanceNotFound:
            LOG.info("Instance %s was already deleted.", instance.uuid)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance,
                                  deleted=True)
        LOG.info("Instance %s deleted from %s.", instance.uuid, self.host)

    def _release_allocation_or_fail(self, context, instance):
        try:
            released = self.reportclient.delete_allocation_for_instance(
                context, instance.uuid, force=True)
        except exception.AllocationDeleteFailed as exc:
            raise exception.ServiceUnavailable(
                service="placement", reason=exc.format_message()) from exc
        if released is None:  # Placement could not be reached (logged)
            raise exception.ServiceUnavailable(
                service="placement",
                reason="the allocation of instance %s could not be released" % instance.uuid)
