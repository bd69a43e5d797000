"""The compute manager's power family: reboot, stop/start, pause, suspend.

Each operation arrives as a cast after the API checked the instance's state
and set the task_state; the manager asks the driver, reads the power state
back and clears the task. A driver error leaves the instance in ERROR (as
upstream does for a failed reboot) or back in its previous state with a fault,
so nothing stays stuck in a task state.
"""

import contextlib
import sys

from oslo_log import log as logging

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)


class PowerOperations:
    """Mixin of ComputeManager: power state changes of existing instances."""

    @contextlib.contextmanager
    def _power_action(self, context, instance, event, error_state=None):
        """Run a driver action inside an action event; on failure record a fault,
        clear the task state and (with ``error_state``) set that vm_state."""
        with compute_utils.instance_event(context, instance.uuid, "compute_" + event,
                                          host=self.host):
            try:
                yield
            except (exception.InstanceNotFound,
                    exception.UnexpectedDeletingTaskStateError):
                LOG.info("Instance %s went away during %s.", instance.uuid, event)
            except Exception as exc:
                LOG.warning("%s of instance %s failed: %s", event, instance.uuid, exc)
                compute_utils.add_instance_fault_from_exc(
                    context, instance, exc, sys.exc_info()[2], host=self.host)
                instance.task_state = None
                if error_state:
                    instance.vm_state = error_state
                instance.power_state = self._current_power_state(instance)
                try:
                    instance.save()
                except exception.InstanceNotFound:
                    pass
                raise

    def _current_power_state(self, instance):
        try:
            return self.driver.get_info(instance).state
        except exception.InstanceNotFound:
            return power_state.NOSTATE

    def _finish(self, instance, vm_state, expected_task_state):
        instance.power_state = self._current_power_state(instance)
        instance.vm_state = vm_state
        instance.task_state = None
        instance.save(expected_task_state=expected_task_state)

    def reboot_instance(self, context, instance, block_device_info=None,
                        reboot_type="SOFT"):
        soft = reboot_type == "SOFT"
        expected = task_states.soft_reboot_states if soft else task_states.hard_reboot_states
        with self._power_action(context, instance, "reboot_instance",
                                error_state=vm_states.ERROR):
            instance.task_state = (task_states.REBOOT_STARTED if soft
                                   else task_states.REBOOT_STARTED_HARD)
            instance.save(expected_task_state=list(expected))
            network_info = instance.get_network_info()
            self.driver.reboot(context, instance, network_info, reboot_type)
            self._finish(instance, vm_states.ACTIVE,
                         task_states.REBOOT_STARTED if soft
                         else task_states.REBOOT_STARTED_HARD)

    def stop_instance(self, context, instance, clean_shutdown=True):
        with self._power_action(context, instance, "stop_instance"):
            self.driver.power_off(instance)
            self._finish(instance, vm_states.STOPPED, task_states.POWERING_OFF)

    def start_instance(self, context, instance):
        with self._power_action(context, instance, "start_instance"):
            self.driver.power_on(context, instance, instance.get_network_info())
            self._finish(instance, vm_states.ACTIVE, task_states.POWERING_ON)

    def pause_instance(self, context, instance):
        with self._power_action(context, instance, "pause_instance"):
            self.driver.pause(instance)
            self._finish(instance, vm_states.PAUSED, task_states.PAUSING)

    def unpause_instance(self, context, instance):
        with self._power_action(context, instance, "unpause_instance"):
            self.driver.unpause(instance)
            self._finish(instance, vm_states.ACTIVE, task_states.UNPAUSING)

    def suspend_instance(self, context, instance):
        with self._power_action(context, instance, "suspend_instance"):
            self.driver.suspend(context, instance)
            self._finish(instance, vm_states.SUSPENDED, task_states.SUSPENDING)

    def resume_instance(self, context, instance):
        with self._power_action(context, instance, "resume_instance"):
            self.driver.resume(context, instance, instance.get_network_info())
            self._finish(instance, vm_states.ACTIVE, task_states.RESUMING)

    def trigger_crash_dump(self, context, instance):
        with self._power_action(context, instance, "trigger_crash_dump"):
            self.driver.trigger_crash_dump(instance)
