"""The compute manager's read-only guest queries: console log and diagnostics.

These are RPC calls answered from the driver; they change nothing, so they
record no action event and no fault (as upstream) and do not run through
nova.compute.operation's wrapper. A refusal reaches the API as the
exception: InstanceInvalidState (409) for a guest that is not running,
NotImplementedError (501) for a hypervisor that cannot tell.
"""

from oslo_log import log as logging

from nova.compute import operation
from nova.compute import power_state
from nova import exception

LOG = logging.getLogger(__name__)


def tail(log, length):
    """The last ``length`` lines of ``log`` (bytes); None or -1: all of it."""
    if length is None:
        return log
    length = int(length)
    if length < 0:
        return log
    if length == 0 or not log:
        return b""
    lines = log.split(b"\n")
    if lines and lines[-1] == b"":   # a final newline ends the last line
        lines = lines[:-1]
        return b"\n".join(lines[-length:]) + b"\n"
    return b"\n".join(lines[-length:])


class GuestInfoOperations:
    """Mixin of ComputeManager: what the hypervisor says about a guest."""

    def get_console_output(self, context, instance, tail_length=None):
        """The last ``tail_length`` lines of the serial log, as text."""
        LOG.info("Get console output of %s", instance.uuid)
        output = self.driver.get_console_output(context, instance)
        if isinstance(output, str):
            output = output.encode("latin-1", "replace")
        return tail(output or b"", tail_length).decode("ascii", "replace")

    def _check_running(self, instance, method):
        state = operation.power_state_of(self.driver, instance)
        if state != power_state.RUNNING:
            raise exception.InstanceInvalidState(
                attr="power state", instance_uuid=instance.uuid,
                state=power_state.STATE_MAP.get(state, state), method=method)

    def get_diagnostics(self, context, instance):
        """The driver's free-form diagnostics dict (before 2.48)."""
        self._check_running(instance, "get_diagnostics")
        return self.driver.get_diagnostics(instance)

    def get_instance_diagnostics(self, context, instance):
        """The standard diagnostics (2.48) as a dict (Diagnostics.to_dict())."""
        self._check_running(instance, "get_instance_diagnostics")
        return self.driver.get_instance_diagnostics(instance).to_dict()
