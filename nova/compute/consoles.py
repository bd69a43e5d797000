"""The compute manager's remote consoles: issue console tokens, confirm ports.

A console request asks the driver where the guest's console listens, stores
a ConsoleAuthToken for it (through the conductor: nova-compute has no
database) and answers the user's URL. A console proxy, before it relays a
connection, asks the instance's host whether the port a token names is still
that guest's console (validate_console_port): a guest that stopped, moved
or restarted on another port leaves its old tokens useless.
"""

from oslo_log import log as logging
from oslo_service import periodic_task

import nova.conf
from nova.compute import power_state
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# console_type -> (protocol, whether that protocol is enabled, access URL base)
_TYPES = {
    "novnc": ("vnc", lambda: CONF.vnc.enabled, lambda: CONF.vnc.novncproxy_base_url),
    "spice-html5": ("spice", lambda: CONF.spice.enabled,
                    lambda: CONF.spice.html5proxy_base_url),
    "spice-direct": ("spice", lambda: CONF.spice.enabled,
                     lambda: CONF.spice.spice_direct_proxy_base_url),
    "serial": ("serial", lambda: CONF.serial_console.enabled,
               lambda: CONF.serial_console.base_url),
}


class ConsoleOperations:
    """Mixin of ComputeManager: get_{vnc,spice,serial}_console and their tokens."""

    def _driver_console(self, context, instance, protocol):
        return getattr(self.driver, "get_%s_console" % protocol)(context, instance)

    def _issue_console(self, context, instance, protocol, console_type):
        if console_type not in _TYPES or _TYPES[console_type][0] != protocol:
            raise exception.ConsoleTypeInvalid(console_type=console_type)
        _protocol, enabled, base_url = _TYPES[console_type]
        if not enabled():
            raise exception.ConsoleTypeUnavailable(console_type=console_type)
        state = self.driver.get_info(instance).state
        if state not in (power_state.RUNNING, power_state.PAUSED):
            raise exception.InstanceInvalidState(
                attr="power state", instance_uuid=instance.uuid,
                state=power_state.STATE_MAP.get(state, state),
                method="get_%s_console" % protocol)
        try:
            console = self._driver_console(context, instance, protocol)
        except exception.InstanceNotFound:
            if instance.vm_state != vm_states.BUILDING:
                raise
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        if console_type == "spice-direct":
            # For a native client behind a TLS-terminating SPICE proxy: the
            # guest must listen with TLS and the deployment name that proxy.
            if not console.tls_port or not CONF.spice.spice_direct_proxy_base_url:
                raise exception.ConsoleTypeUnavailable(console_type=console_type)
        auth = objects.ConsoleAuthToken(
            context, console_type=console_type, host=console.host, port=console.port,
            tls_port=console.tls_port, internal_access_path=console.internal_access_path,
            instance_uuid=instance.uuid, access_url_base=base_url())
        token = auth.authorize(CONF.consoleauth.token_ttl)
        LOG.info("Issued a %s console token for %s (%s:%s)", console_type, instance.uuid,
                 console.host, console.port)
        return console.get_connection_info(token, auth.access_url)

    def get_vnc_console(self, context, console_type, instance):
        """connect_info of a new token for the guest's VNC console (see rpcapi)."""
        return self._issue_console(context, instance, "vnc", console_type)

    def get_spice_console(self, context, console_type, instance):
        return self._issue_console(context, instance, "spice", console_type)

    def get_serial_console(self, context, console_type, instance):
        return self._issue_console(context, instance, "serial", console_type)

    def validate_console_port(self, context, instance, port, console_type):
        """Whether ``port`` is still where the guest's ``console_type`` console listens."""
        protocol = _TYPES.get(console_type, (None,))[0]
        if protocol is None:
            return False
        try:
            console = self._driver_console(context, instance, protocol)
        except (exception.InstanceNotFound, exception.ConsoleTypeUnavailable,
                NotImplementedError):
            return False
        return str(console.port) == str(port) or (
            console.tls_port is not None and str(console.tls_port) == str(port))

    def clean_console_tokens(self, context, instance):
        """Revoke the instance's console tokens (it is deleted or leaves this host)."""
        try:
            objects.ConsoleAuthToken.clean_console_auths_for_instance(context, instance.uuid)
        except Exception:
            LOG.exception("Could not revoke the console tokens of %s", instance.uuid)

    @periodic_task.periodic_task(spacing=600)
    def _cleanup_expired_console_auth_tokens(self, context):
        """Delete the console tokens that have expired (of every host of the cell)."""
        count = objects.ConsoleAuthToken.clean_expired_console_auths(context)
        if count:
            LOG.info("Deleted %d expired console token(s)", count)
