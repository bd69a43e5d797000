"""API-side deferred delete: soft delete and restore.

With ``[DEFAULT] reclaim_instance_interval`` > 0, deleting a server that has
run (``launched_at`` set), is on a host and runs no task makes it SOFT_DELETED instead of
destroying it: the compute powers the guest off and the server keeps its
host resources and Placement allocation (but no longer counts in the
instances/cores/ram quotas, as upstream) until ``restore`` brings it back, ``forceDelete`` deletes it, or
the compute reclaims it once the interval has passed. Servers that never
ran, are still being built, are shelved or are already soft-deleted are
deleted at once, as before.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import quota_checks
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Servers in these states are deleted at once even with soft delete on (as
# are servers in the middle of a task: a delete interrupts it).
_NOT_SOFT_DELETED = (vm_states.SOFT_DELETED, vm_states.SHELVED,
                     vm_states.SHELVED_OFFLOADED, vm_states.BUILDING)


class SoftDeleteOperations:
    """Mixin of compute.api.API: deferred deletes and restores."""

    def soft_delete_applies(self, instance):
        """Whether a delete of ``instance`` is deferred (see the module docstring)."""
        return (CONF.reclaim_instance_interval > 0
                and getattr(instance, "_build_request", None) is None
                and bool(instance.host) and instance.launched_at is not None
                and instance.task_state is None
                # Computes pinned below the soft delete's RPC version delete outright.
                and self.compute_rpcapi.router.can_send_version(
                    self.compute_rpcapi.PARKING_VERSION)
                and instance.vm_state not in _NOT_SOFT_DELETED)

    def soft_delete(self, context, instance):
        """Make the server SOFT_DELETED (through its compute when that is up)."""
        self._record_action(context, instance, "delete")
        self._set_queued_for_delete(context, instance.uuid, True)
        now = timeutils.utcnow()
        if not self._compute_is_up(context, instance):
            # Its compute powers it off when it is back (the power state sync)
            # and reclaims it in time.
            LOG.info("Soft-deleting instance %s locally (host %s is down).",
                     instance.uuid, instance.host)
            instance.vm_state = vm_states.SOFT_DELETED
            instance.task_state = None
            instance.deleted_at = now
            self._save_for(instance, "delete")
            return
        self.compute_rpcapi.check_instance_action(
            "soft_delete_instance", version=self.compute_rpcapi.PARKING_VERSION)
        instance.task_state = task_states.SOFT_DELETING
        instance.deleted_at = now
        self._save_for(instance, "delete")
        self.compute_rpcapi.soft_delete_instance(instance._context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SOFT_DELETED], method="restore")
    def restore(self, context, instance):
        """Bring a SOFT_DELETED server back (powered on by its compute).

        A soft-deleted server does not count in the quotas: TooManyInstances
        (403) when its project has no room for it any more.
        """
        self._check_restore_quota(context, instance)
        if instance.host:
            self.compute_rpcapi.check_instance_action(
                "restore_instance", version=self.compute_rpcapi.PARKING_VERSION)
            instance.task_state = task_states.RESTORING
        else:
            instance.vm_state = vm_states.ACTIVE
        instance.deleted_at = None
        self._save_for(instance, "restore")
        self._set_queued_for_delete(context, instance.uuid, False)
        self._record_action(context, instance, "restore")
        if instance.host:
            self.compute_rpcapi.restore_instance(instance._context, instance)

    @staticmethod
    def _check_restore_quota(context, instance):
        flavor = instance.flavor
        quota_checks.check_deltas(context, instance, {
            "instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb})

    @staticmethod
    def _save_for(instance, action):
        try:
            instance.save(expected_task_state=[None])
        except exception.UnexpectedTaskStateError as exc:
            raise exception.InstanceInvalidState(
                attr="task_state", instance_uuid=instance.uuid,
                state=exc.kwargs.get("actual"), method=action)

    @staticmethod
    def _set_queued_for_delete(context, instance_uuid, queued):
        try:
            mapping = objects.InstanceMapping.get_by_instance_uuid(context, instance_uuid)
            mapping.queued_for_delete = queued
            mapping.save()
        except exception.InstanceMappingNotFound:
            pass
