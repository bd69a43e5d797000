"""The compute manager's delete family: tear an instance down on its host."""

from oslo_log import log as logging
from oslo_utils import timeutils

from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)

# Migrations of a move still under way (their uuid may hold an allocation).
_UNFINISHED_MOVE_STATUSES = ("pre-migrating", "migrating", "post-migrating", "finished",
                             "reverting", "queued", "preparing", "running")


class _Consumer:
    """Something with a uuid, for operation.release_allocation."""

    def __init__(self, uuid):
        self.uuid = uuid


class DeleteOperations:
    """Mixin of ComputeManager: terminating instances."""

    # The uuids of the instances this process is deleting right now (the
    # periodic task that finishes lost deletes leaves them alone).
    _running_deletes = None

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
        running = self.__dict__.setdefault("_running_deletes", set())
        running.add(instance.uuid)
        try:
            self._terminate(context, instance)
        finally:
            running.discard(instance.uuid)

    def _delete_running(self, instance_uuid):
        """Whether this process is deleting the instance right now."""
        return instance_uuid in (self._running_deletes or ())

    def _terminate(self, context, instance):
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
        self.reportclient.release_instance_allocation(context, instance.uuid)
        self._drop_move_allocations(context, instance)
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

    def _drop_move_allocations(self, context, instance):
        """A server deleted in the middle of a move: the allocations its
        unfinished migrations hold go with it."""
        from nova import objects
        try:
            moves = objects.MigrationList.get_by_filters(
                context, {"instance_uuid": instance.uuid,
                          "status": list(_UNFINISHED_MOVE_STATUSES)})
        except Exception:
            LOG.exception("Could not list the migrations of %s", instance.uuid)
            return
        for migration in moves:
            operation.release_allocation(self.reportclient, context,
                                         _Consumer(migration.uuid))
            migration.status = "error"
            try:
                migration.save()
            except Exception:
                LOG.exception("Could not mark migration %s in error", migration.uuid)
