"""The compute manager's interface attach and detach (os-interface).

Attach: the network API binds (or creates and binds) the port to this host
and saves it in the info cache, with the user's device tag (2.49); the
driver plugs it into the guest, live and in its persistent definition. If
the driver fails the port is released again. Detach: the driver unplugs the
device, then the port is deleted (nova created it) or unbound (the user's).
A driver that records the guest's tagged devices again (libvirt) leaves
``instance.device_metadata`` changed; it is saved here.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova.compute import operation
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)


class InterfaceOperations:
    """Mixin of ComputeManager: attach_interface, detach_interface."""

    @operation.compute_operation()
    def attach_interface(self, context, instance, network_id=None, port_id=None,
                         requested_ip=None, tag=None):
        if not self.driver.capabilities.get("supports_attach_interface"):
            raise exception.AttachInterfaceNotSupported(instance_uuid=instance.uuid)
        vif, _nw_info = self.network_api.allocate_port_for_instance(
            context, instance, port_id=port_id, network_id=network_id,
            requested_ip=requested_ip, bind_host_id=self.host, tag=tag)
        image_meta = objects.ImageMeta.from_instance(instance)
        try:
            self.driver.attach_interface(context, instance, image_meta, vif)
        except Exception as exc:
            LOG.warning("Attaching port %s to %s failed: %s", vif["id"], instance.uuid, exc)
            self.network_api.deallocate_port_for_instance(context, instance, vif["id"])
            raise exception.InterfaceAttachFailed(instance_uuid=instance.uuid) from exc
        LOG.info("Attached port %s to %s", vif["id"], instance.uuid)
        _save_device_metadata(instance)
        return jsonutils.loads(jsonutils.dumps(vif))

    @operation.compute_operation()
    def detach_interface(self, context, instance, port_id):
        vif = next((v for v in instance.get_network_info() if v["id"] == port_id), None)
        if vif is None:
            raise exception.PortNotFound(port_id=port_id)
        try:
            self.driver.detach_interface(context, instance, vif)
        except exception.NovaException as exc:
            LOG.warning("Detaching port %s from %s failed: %s", port_id, instance.uuid, exc)
            raise exception.InterfaceDetachFailed(instance_uuid=instance.uuid) from exc
        self.network_api.deallocate_port_for_instance(context, instance, port_id)
        LOG.info("Detached port %s from %s", port_id, instance.uuid)
        _save_device_metadata(instance)


def _save_device_metadata(instance):
    """Save the tagged devices a driver recorded again on hot-plug (libvirt)."""
    if "device_metadata" in instance.obj_what_changed():
        instance.save()
