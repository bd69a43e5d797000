"""The compute manager's guest administration: the admin password, network info.

``set_admin_password`` is an RPC call (the API waits for it) with the
instance in task_state 'updating_password'; the driver sets the password
inside the running guest (libvirt: through the QEMU guest agent). Whatever
happens the task state is cleared and the vm_state kept; a failure records
a fault and reaches the API: InstanceAgentNotEnabled or
SetAdminPasswdNotSupported (409), NotImplementedError (501), anything else
as InstancePasswordSetFailed (409), so the password never shows in an error.

``inject_network_info`` (a cast) hands the guest its network configuration.
"""

from oslo_log import log as logging

from nova.compute import operation
from nova.compute import power_state
from nova import exception

LOG = logging.getLogger(__name__)


class AdminActionOperations:
    """Mixin of ComputeManager: set_admin_password, inject_network_info."""

    @operation.compute_operation()
    def set_admin_password(self, context, instance, new_pass):
        if operation.power_state_of(self.driver, instance) != power_state.RUNNING:
            raise exception.InstancePasswordSetFailed(
                instance=instance.uuid, reason="instance %s is not running" % instance.uuid)
        try:
            self.driver.set_admin_password(instance, new_pass)
        except (exception.InstanceAgentNotEnabled, exception.SetAdminPasswdNotSupported,
                exception.InstancePasswordSetFailed, NotImplementedError,
                *operation.INSTANCE_GONE):
            raise
        except Exception as exc:
            # The driver's error might hold the password: neither the log, the
            # fault nor the event's traceback repeats it (no chained cause).
            LOG.error("set_admin_password of %s failed with %s", instance.uuid,
                      type(exc).__name__)
            raise exception.InstancePasswordSetFailed(
                instance=instance.uuid, reason="error setting admin password") from None
        operation.finish(self.driver, instance, instance.vm_state)
        LOG.info("Admin password of %s set.", instance.uuid)

    @operation.compute_operation()
    def inject_network_info(self, context, instance):
        self.driver.inject_network_info(instance, instance.get_network_info())
