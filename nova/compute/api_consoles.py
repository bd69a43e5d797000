"""API-side remote consoles: ask the server's compute for a console token.

The compute issues the token (it knows where the guest's console listens)
and answers the URL the user opens; the console proxies check the token
against the cell database later. Mixin of nova.compute.api.API.
"""

from nova.compute import api_actions
from nova.compute import api_snapshot
from nova.compute import task_states

_reject = api_snapshot._reject_task_states(task_states.DELETING)


class ConsoleOperations:
    """get_{vnc,spice,serial}_console: {"url": ...} of a fresh console token."""

    def _console_url(self, context, instance, call, console_type):
        self.compute_rpcapi.check_instance_action(
            call.__name__, version=self.compute_rpcapi.CONSOLES_VERSION)
        connect_info = self._call_host(context, instance, call, console_type=console_type)
        return {"url": connect_info["access_url"]}

    @api_actions.check_instance_host
    @_reject
    def get_vnc_console(self, context, instance, console_type):
        return self._console_url(context, instance, self.compute_rpcapi.get_vnc_console,
                                 console_type)

    @api_actions.check_instance_host
    @_reject
    def get_spice_console(self, context, instance, console_type):
        return self._console_url(context, instance, self.compute_rpcapi.get_spice_console,
                                 console_type)

    @api_actions.check_instance_host
    @_reject
    def get_serial_console(self, context, instance, console_type):
        return self._console_url(context, instance,
                                 self.compute_rpcapi.get_serial_console, console_type)
