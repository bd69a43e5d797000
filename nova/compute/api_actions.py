"""API-side server actions: delete, reboot, stop/start, pause, suspend, lock.

Each checks the instance's lock and state (409 through InstanceInvalidState
or InstanceIsLocked), records the instance action, sets the task state the
compute expects and casts to the instance's host. A server that has no host
(still a build request, buried in cell0, or never placed) or whose compute
service is down is deleted right here.
"""

import functools

from oslo_log import log as logging
from oslo_utils import timeutils

from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)


def check_instance_host(func):
    """Refuse (InstanceNotReady, a 409) an action that is cast to the server's
    compute host when the server has none (a build that never got one and
    ended in ERROR): no compute would ever finish it."""
    @functools.wraps(func)
    def wrapper(self, context, instance, *args, **kwargs):
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        return func(self, context, instance, *args, **kwargs)
    return wrapper


class ActionOperations:
    """Mixin of compute.api.API: acting on existing servers."""

    @property
    def compute_rpcapi(self):
        if getattr(self, "_compute_rpcapi", None) is None:
            self._compute_rpcapi = compute_rpcapi.ComputeAPI()
        return self._compute_rpcapi

    @property
    def report_client(self):
        if getattr(self, "_report_client", None) is None:
            from nova.scheduler.client import report
            self._report_client = report.SchedulerReportClient()
        return self._report_client

    @staticmethod
    def _record_action(context, instance, action):
        try:
            objects.InstanceAction.action_start(instance._context or context,
                                                instance.uuid, action, want_result=False)
        except Exception:
            LOG.exception("Could not record action %s of %s", action, instance.uuid)

    # -- delete -------------------------------------------------------------------

    @check_instance_lock
    def delete(self, context, instance):
        # [DEFAULT] reclaim_instance_interval > 0: deferred (api_soft_delete).
        if self.soft_delete_applies(instance):
            self.soft_delete(context, instance)
            return
        self._delete(context, instance, "delete")

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SOFT_DELETED], task_state=None)
    def force_delete(self, context, instance):
        self._delete(context, instance, "forceDelete")

    def _delete(self, context, instance, action):
        if getattr(instance, "_build_request", None) is not None:
            if self._delete_build_request(context, instance):
                return
            # The conductor placed it meanwhile: delete it where it is now.
            instance = self.get(context, instance.uuid)
        if instance.task_state == task_states.DELETING and instance.host:
            # Already being deleted: ask the compute again (idempotent there).
            self.compute_rpcapi.terminate_instance(instance._context, instance)
            return
        self._record_action(context, instance, "delete")
        self.confirm_resize_on_delete(context, instance)
        if not instance.host or not self._compute_is_up(context, instance):
            self.delete_shelved_image(context, instance)
            self._local_delete(context, instance)
            return
        self._queue_mapping_for_delete(context, instance.uuid)
        self.delete_shelved_image(context, instance)
        self.compute_rpcapi.check_instance_action("terminate_instance")
        instance.task_state = task_states.DELETING
        try:
            instance.save(expected_task_state=[None] + list(_DELETE_FROM_TASKS))
        except exception.UnexpectedTaskStateError as exc:
            raise exception.InstanceInvalidState(
                attr="task_state", instance_uuid=instance.uuid,
                state=exc.kwargs.get("actual"), method=action)
        self.compute_rpcapi.terminate_instance(instance._context, instance)

    def _delete_build_request(self, context, instance):
        """Delete a server that is still a build request; False if it is gone."""
        try:
            instance._build_request.destroy()
        except exception.BuildRequestNotFound:
            return False
        try:
            spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
            spec.destroy()
        except exception.NotFound:
            pass
        self._forget_unplaced_mapping(context, instance.uuid)
        # A claim may exist if the scheduler got this far.
        self._release_allocation(context, instance)
        return True

    @classmethod
    def _forget_unplaced_mapping(cls, context, instance_uuid):
        """The mapping of a server deleted as a build request: gone when no
        cell holds the instance (nothing would ever archive it); queued for
        delete when a conductor placed it meanwhile."""
        try:
            mapping = objects.InstanceMapping.get_by_instance_uuid(context, instance_uuid)
        except exception.InstanceMappingNotFound:
            return
        if mapping.cell_mapping is None:
            mapping.destroy()
        else:
            cls._queue_mapping_for_delete(context, instance_uuid)

    @staticmethod
    def _queue_mapping_for_delete(context, instance_uuid):
        try:
            mapping = objects.InstanceMapping.get_by_instance_uuid(context, instance_uuid)
            mapping.queued_for_delete = True
            mapping.save()
        except exception.InstanceMappingNotFound:
            pass

    def _compute_is_up(self, context, instance):
        try:
            service = objects.Service.get_by_compute_host(instance._context, instance.host)
        except exception.NotFound:
            return False
        return self.servicegroup_api.service_is_up(service)

    def _local_delete(self, context, instance):
        """Delete a server whose host cannot do it (none, or its compute is down)."""
        LOG.info("Deleting instance %s locally (host %s).", instance.uuid, instance.host)
        # The allocation first: a Placement that cannot release it answers 503
        # before anything else has changed (a release done twice is harmless
        # when Neutron fails next and the delete is asked again).
        if instance.host:
            self.report_client.release_instance_allocation(context, instance.uuid)
        else:  # never placed: a claim is unlikely, its release best effort
            self._release_allocation(context, instance)
        # An offloaded server has no host but keeps its addresses/ports.
        if instance.host or instance.vm_state == vm_states.SHELVED_OFFLOADED:
            try:
                from nova.network import api as network_api
                network_api.get_network_api().deallocate_for_instance(
                    instance._context, instance)
            except exception.ServiceUnavailable:
                # Neutron down: the API answers 503; the server (and its ports)
                # stay until a delete once it is back.
                raise
            except Exception:
                LOG.exception("Could not release the networks of %s", instance.uuid)
        self._queue_mapping_for_delete(context, instance.uuid)
        # Nobody opens the console of a deleted server (its host cannot say so).
        try:
            objects.ConsoleAuthToken.clean_console_auths_for_instance(instance._context,
                                                                      instance.uuid)
        except Exception:
            LOG.exception("Could not revoke the console tokens of %s", instance.uuid)
        instance.vm_state = vm_states.DELETED
        instance.task_state = None
        instance.terminated_at = timeutils.utcnow()
        try:
            instance.save()
            instance.destroy()
        except exception.InstanceNotFound:
            pass

    def _release_allocation(self, context, instance):
        try:
            self.report_client.delete_allocation_for_instance(context, instance.uuid,
                                                              force=True)
        except Exception:
            LOG.exception("Could not release the allocation of %s", instance.uuid)

    # -- power ---------------------------------------------------------------------

    def _cast_action(self, context, instance, action, task_state, cast, **kwargs):
        self.compute_rpcapi.check_instance_action(cast.__name__)
        instance.task_state = task_state
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, action)
        cast(instance._context, instance, **kwargs)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED,
                                    vm_states.PAUSED, vm_states.SUSPENDED, vm_states.ERROR],
                          task_state=task_states.ALLOW_REBOOT)
    @check_instance_host
    def reboot(self, context, instance, reboot_type):
        soft = reboot_type == "SOFT"
        if soft and instance.vm_state != vm_states.ACTIVE:
            raise exception.InstanceInvalidState(
                attr="vm_state", instance_uuid=instance.uuid, state=instance.vm_state,
                method="reboot")
        if soft and instance.task_state is not None:
            raise exception.InstanceInvalidState(
                attr="task_state", instance_uuid=instance.uuid,
                state=instance.task_state, method="reboot")
        self.compute_rpcapi.check_instance_action("reboot_instance")
        instance.task_state = (task_states.REBOOTING if soft
                               else task_states.REBOOTING_HARD)
        expected = [None] if soft else [None] + [
            s for s in task_states.ALLOW_REBOOT if s is not None]
        instance.save(expected_task_state=expected)
        self._record_action(context, instance, "reboot")
        self.compute_rpcapi.reboot_instance(instance._context, instance,
                                            reboot_type=reboot_type)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.ERROR])
    @check_instance_host
    def stop(self, context, instance):
        self._cast_action(context, instance, "stop", task_states.POWERING_OFF,
                          self.compute_rpcapi.stop_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.STOPPED])
    @check_instance_host
    def start(self, context, instance):
        self._cast_action(context, instance, "start", task_states.POWERING_ON,
                          self.compute_rpcapi.start_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE])
    @check_instance_host
    def pause(self, context, instance):
        self._cast_action(context, instance, "pause", task_states.PAUSING,
                          self.compute_rpcapi.pause_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.PAUSED])
    @check_instance_host
    def unpause(self, context, instance):
        self._cast_action(context, instance, "unpause", task_states.UNPAUSING,
                          self.compute_rpcapi.unpause_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE])
    @check_instance_host
    def suspend(self, context, instance):
        self._cast_action(context, instance, "suspend", task_states.SUSPENDING,
                          self.compute_rpcapi.suspend_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SUSPENDED])
    @check_instance_host
    def resume(self, context, instance):
        self._cast_action(context, instance, "resume", task_states.RESUMING,
                          self.compute_rpcapi.resume_instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.PAUSED,
                                    vm_states.RESCUED, vm_states.RESIZED,
                                    vm_states.ERROR])
    @check_instance_host
    def trigger_crash_dump(self, context, instance):
        self.compute_rpcapi.check_instance_action("trigger_crash_dump")
        self._record_action(context, instance, "trigger_crash_dump")
        self.compute_rpcapi.trigger_crash_dump(instance._context, instance)

    # -- lock -----------------------------------------------------------------------

    @staticmethod
    def _check_in_a_cell(instance, method):
        """A server still a build request has no record to lock: 409 until scheduled."""
        if getattr(instance, "_build_request", None) is not None:
            raise exception.InstanceInvalidState(
                attr="vm_state", instance_uuid=instance.uuid, state=instance.vm_state,
                method=method)

    def lock(self, context, instance, reason=None):
        """Lock the server; an admin's lock can only be lifted by an admin.

        The owner locking a server that is already locked changes nothing:
        an admin's lock stays the admin's.
        """
        self._check_in_a_cell(instance, "lock")
        is_owner = instance.project_id == context.project_id
        if instance.locked and is_owner:
            return
        instance.locked = True
        instance.locked_by = "owner" if is_owner else "admin"
        if reason:
            instance.system_metadata = dict(instance.system_metadata,
                                            locked_reason=reason)
        instance.save()
        self._record_action(context, instance, "lock")

    def is_expected_locked_by(self, context, instance):
        """Whether ``context`` may unlock without the override rule: the server
        is not locked, or locked by the caller's side (owner or admin)."""
        is_owner = instance.project_id == context.project_id
        expected = "owner" if is_owner else "admin"
        return not instance.locked_by or instance.locked_by == expected

    def unlock(self, context, instance):
        self._check_in_a_cell(instance, "unlock")
        instance.locked = False
        instance.locked_by = None
        if "locked_reason" in (instance.system_metadata or {}):
            metadata = dict(instance.system_metadata)
            metadata.pop("locked_reason")
            instance.system_metadata = metadata
        instance.save()
        self._record_action(context, instance, "unlock")


# Task states a delete may interrupt (anything but another delete's).
_DELETE_FROM_TASKS = tuple(
    value for name, value in vars(task_states).items()
    if name.isupper() and isinstance(value, str) and value != task_states.DELETING)


