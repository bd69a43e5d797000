"""The compute RPC client's interface methods (6.10): attach_interface, detach_interface.

Mixed into nova.compute.rpcapi.ComputeAPI. Both go to the instance's host.
"""

INTERFACES_VERSION = "6.10"


class InterfaceMethods:

    INTERFACES_VERSION = INTERFACES_VERSION

    def attach_interface(self, ctxt, instance, network_id=None, port_id=None,
                         requested_ip=None, tag=None):
        """A call (6.10): bind the user's port ``port_id`` (or a new port on
        ``network_id``, with ``requested_ip``) to the instance's host, plug it
        into the guest and return its VIF (a dict of nova.network.model.VIF).
        When it returns the port is in the instance's info cache; an error
        (PortInUse, PortNotFound, NetworkNotFound, InterfaceAttachFailed, ...)
        reaches the caller and leaves no port behind."""
        cctxt = self.router.prepare("attach_interface", version=INTERFACES_VERSION,
                                    server=instance.host)
        return cctxt.call(ctxt, "attach_interface", instance=instance,
                          network_id=network_id, port_id=port_id,
                          requested_ip=requested_ip, tag=tag)

    def detach_interface(self, ctxt, instance, port_id):
        """A cast (6.10): unplug port ``port_id`` from the guest, then delete
        it (nova created it) or unbind it (the user's). The caller learns the
        outcome from the instance action event compute_detach_interface and
        the port leaving the instance's interfaces."""
        cctxt = self.router.prepare("detach_interface", version=INTERFACES_VERSION,
                                    server=instance.host)
        cctxt.cast(ctxt, "detach_interface", instance=instance, port_id=port_id)
