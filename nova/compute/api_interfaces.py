"""API-side interface attach/detach and security groups of a server.

Attach is a call to the server's host (the user gets the new interface
back); detach is a cast. Both record their instance action. Security groups
are set on the server's ports through the network API, without the compute.
"""

from nova.compute.api_actions import check_instance_host
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception

# Where a server may get or lose an interface (upstream also allows shelved
# servers, handled without a host; not built here).
_INTERFACE_STATES = [vm_states.ACTIVE, vm_states.PAUSED, vm_states.STOPPED,
                     vm_states.SUSPENDED]


class InterfaceOperations:
    """Mixin of compute.api.API."""

    @check_instance_lock
    @check_instance_state(vm_state=_INTERFACE_STATES, task_state=[None])
    @check_instance_host
    def attach_interface(self, context, instance, network_id=None, port_id=None,
                         requested_ip=None, tag=None):
        self.compute_rpcapi.check_instance_action(
            "attach_interface", self.compute_rpcapi.INTERFACES_VERSION)
        self.network_api.validate_interface_request(context, instance, port_id=port_id,
                                                    network_id=network_id)
        self._record_action(context, instance, "attach_interface")
        return self.compute_rpcapi.attach_interface(
            instance._context, instance, network_id=network_id, port_id=port_id,
            requested_ip=requested_ip, tag=tag)

    @check_instance_lock
    @check_instance_state(vm_state=_INTERFACE_STATES, task_state=[None])
    @check_instance_host
    def detach_interface(self, context, instance, port_id):
        self.compute_rpcapi.check_instance_action(
            "detach_interface", self.compute_rpcapi.INTERFACES_VERSION)
        if port_id not in [vif["id"] for vif in instance.get_network_info()]:
            raise exception.PortNotFound(port_id=port_id)
        self._record_action(context, instance, "detach_interface")
        self.compute_rpcapi.detach_interface(instance._context, instance, port_id=port_id)
