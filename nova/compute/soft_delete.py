"""The compute manager's soft-delete family: soft delete, restore, reclaim.

With ``[DEFAULT] reclaim_instance_interval`` > 0 a delete of a server that
has run does not destroy it: the API sets task_state soft-deleting and
``deleted_at``, and here the guest is powered off and the server becomes
SOFT_DELETED. It keeps its host, its disks, its networks and its Placement
allocation (and counts in the quotas), so ``restore`` can power it on
again (task_state restoring -> ACTIVE). ``forceDelete`` deletes it at once
(the ordinary terminate); the periodic ``reclaim_queued_deletes`` deletes
the ones soft-deleted more than reclaim_instance_interval seconds ago.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import operation
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class SoftDeleteOperations:
    """Mixin of ComputeManager: deferred deletes."""

    @operation.compute_operation(success_vm_state=vm_states.SOFT_DELETED)
    def soft_delete_instance(self, context, instance):
        try:
            self.driver.soft_delete(instance)
        except NotImplementedError:
            # A hypervisor without its own soft delete: the guest is powered off.
            self.driver.power_off(instance)

    @operation.compute_operation(success_vm_state=vm_states.ACTIVE)
    def restore_instance(self, context, instance):
        try:
            self.driver.restore(instance)
        except NotImplementedError:
            self.driver.power_on(context, instance, instance.get_network_info())

    def reclaim_queued_deletes(self, context):
        """Delete this host's SOFT_DELETED servers whose ``deleted_at`` is more
        than reclaim_instance_interval seconds ago; the uuids deleted."""
        interval = CONF.reclaim_instance_interval
        if interval <= 0:
            return []
        filters = {"vm_state": vm_states.SOFT_DELETED, "task_state": None,
                   "host": self.host}
        instances = objects.InstanceList.get_by_filters(context, filters,
                                                        expected_attrs=[])
        now = timeutils.utcnow()
        reclaimed = []
        for instance in instances:
            deleted_at = instance.deleted_at
            if deleted_at is None:
                continue
            if (now - timeutils.normalize_time(deleted_at)).total_seconds() < interval:
                continue
            LOG.info("Reclaiming soft-deleted instance %s.", instance.uuid)
            instance.task_state = task_states.DELETING
            try:
                instance.save(expected_task_state=[None])
                objects.InstanceAction.action_start(context, instance.uuid, "delete",
                                                    want_result=False)
                self.terminate_instance(context, instance)
                reclaimed.append(instance.uuid)
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
                LOG.info("Not reclaiming %s: %s", instance.uuid, exc)
            except Exception:
                LOG.exception("Could not reclaim instance %s", instance.uuid)
        return reclaimed
