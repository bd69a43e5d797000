"""The compute manager's power family: reboot, stop/start, pause, suspend, crash dump.

Each operation arrives as a cast after the API checked the instance's state
and set the task_state. The manager asks the driver; the operation wrapper
(nova.compute.operation) reads the power state back, sets the vm_state and
clears the task. A failed reboot leaves the instance in ERROR (as upstream
does); the other operations keep their vm_state. Either way a fault is
recorded and nothing stays stuck in a task state.
"""

from nova.compute import operation
from nova.compute import task_states
from nova.compute import vm_states


class PowerOperations:
    """Mixin of ComputeManager: power state changes of existing instances."""

    @operation.compute_operation(success_vm_state=vm_states.ACTIVE,
                                 error_vm_state=vm_states.ERROR)
    def reboot_instance(self, context, instance, block_device_info=None,
                        reboot_type="SOFT"):
        soft = reboot_type == "SOFT"
        expected = task_states.soft_reboot_states if soft else task_states.hard_reboot_states
        instance.task_state = (task_states.REBOOT_STARTED if soft
                               else task_states.REBOOT_STARTED_HARD)
        instance.save(expected_task_state=list(expected))
        self.driver.reboot(context, instance, instance.get_network_info(), reboot_type)

    @operation.compute_operation(success_vm_state=vm_states.STOPPED)
    def stop_instance(self, context, instance, clean_shutdown=True):
        self.driver.power_off(instance)

    @operation.compute_operation(success_vm_state=vm_states.ACTIVE)
    def start_instance(self, context, instance):
        self.driver.power_on(context, instance, instance.get_network_info())

    @operation.compute_operation(success_vm_state=vm_states.PAUSED)
    def pause_instance(self, context, instance):
        self.driver.pause(instance)

    @operation.compute_operation(success_vm_state=vm_states.ACTIVE)
    def unpause_instance(self, context, instance):
        self.driver.unpause(instance)

    @operation.compute_operation(success_vm_state=vm_states.SUSPENDED)
    def suspend_instance(self, context, instance):
        self.driver.suspend(context, instance)

    @operation.compute_operation(success_vm_state=vm_states.ACTIVE)
    def resume_instance(self, context, instance):
        self.driver.resume(context, instance, instance.get_network_info())

    @operation.compute_operation()
    def trigger_crash_dump(self, context, instance):
        self.driver.trigger_crash_dump(instance)
