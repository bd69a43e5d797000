"""Virtual interfaces: a network's VIFs as libvirt <interface> elements, host side.

Plugging goes through os-vif (nova.virt.os_vif_util turns the VIF into the
object its port binding asks for):

- ``bridge`` VIFs (the flat network, Neutron's linux bridge): os-vif's
  ``linux_bridge`` plugin creates the host bridge when the network asks for
  it; libvirt makes the tap device (``vif.devname``) and enslaves it;
- ``ovs`` VIFs: os-vif's ``ovs`` plugin, only where Open vSwitch is
  installed (``ovs-vsctl``); libvirt adds the tap as an OVS port
  (``<virtualport type='openvswitch'>``), or, with hybrid plugging, to the
  ``qbr`` bridge os-vif made.

Unplug asks os-vif to unplug (the linux bridge plugin keeps the shared
bridge) and removes a tap device the domain left behind (libvirt normally
removes it when the domain stops). Both are idempotent.
"""

import os
import shutil

from oslo_concurrency import processutils
from oslo_log import log as logging

from nova import exception
from nova.network import model as network_model
from nova.virt import os_vif_util
from nova.virt.libvirt import config

LOG = logging.getLogger(__name__)


class VifTypeNotSupported(exception.NovaException):
    msg_fmt = "The libvirt driver cannot plug a VIF of type %(vif_type)s: %(reason)s"


class VifPlugFailed(exception.NovaException):
    msg_fmt = "Plugging VIF %(vif_id)s into %(bridge)s failed: %(reason)s"


def device_exists(name):
    return os.path.exists("/sys/class/net/%s" % name)


tap_name = os_vif_util.vif_name
bridge_name = os_vif_util.bridge_name


def _mtu(vif):
    network = vif.get("network") or {}
    return (network.get("meta") or {}).get("mtu")


def get_config(vif, virt_type="qemu", model="virtio"):
    """The GuestInterface of ``vif``."""
    vif_type = vif.get("type")
    if vif_type in (network_model.VIF_TYPE_BRIDGE, None, ""):
        return config.GuestInterface(vif["address"], "bridge", bridge_name(vif),
                                     tap_name(vif), model, _mtu(vif))
    if vif_type == network_model.VIF_TYPE_OVS:
        if os_vif_util.is_hybrid_plug(vif):
            return config.GuestInterface(vif["address"], "bridge",
                                         os_vif_util.nova_to_osvif_vif(vif).bridge_name,
                                         tap_name(vif), model, _mtu(vif))
        return config.GuestInterface(vif["address"], "bridge", bridge_name(vif),
                                     tap_name(vif), model, _mtu(vif),
                                     virtualport="openvswitch",
                                     interface_id=vif.get("ovs_interfaceid") or vif["id"])
    raise VifTypeNotSupported(vif_type=vif_type, reason="unknown VIF type")


def _osvif(vif):
    vif_type = vif.get("type")
    if vif_type == network_model.VIF_TYPE_OVS and not shutil.which("ovs-vsctl"):
        raise VifTypeNotSupported(vif_type=vif_type,
                                  reason="Open vSwitch is not installed here")
    obj = os_vif_util.nova_to_osvif_vif(vif)
    if obj is None:
        raise VifTypeNotSupported(vif_type=vif_type, reason="unknown VIF type")
    return obj


def plug(instance, vif):
    """Prepare the host side of ``vif`` with os-vif (bridge created if needed)."""
    obj = _osvif(vif)
    os_vif_util.initialize()
    import os_vif
    try:
        os_vif.plug(obj, os_vif_util.nova_to_osvif_instance(instance))
    except Exception as exc:
        raise VifPlugFailed(vif_id=vif["id"], bridge=obj.bridge_name,
                            reason=exc) from exc


def unplug(instance, vif):
    """Undo ``plug`` and remove what the guest left of ``vif`` (idempotent)."""
    try:
        obj = _osvif(vif)
    except VifTypeNotSupported:
        obj = None
    if obj is not None:
        os_vif_util.initialize()
        import os_vif
        try:
            os_vif.unplug(obj, os_vif_util.nova_to_osvif_instance(instance))
        except Exception as exc:
            LOG.warning("os-vif could not unplug %s of %s: %s", vif.get("id"),
                        instance.uuid, exc)
    tap = tap_name(vif)
    if device_exists(tap):
        try:
            if vif.get("type") == network_model.VIF_TYPE_OVS and shutil.which("ovs-vsctl"):
                processutils.execute("ovs-vsctl", "--if-exists", "del-port", tap)
            processutils.execute("ip", "link", "del", tap)
        except processutils.ProcessExecutionError as exc:
            LOG.warning("Could not remove tap %s of %s: %s", tap, instance.uuid, exc)


def plug_all(instance, network_info):
    """``plug`` every VIF of ``network_info`` (None: none)."""
    for vif in network_info or []:
        plug(instance, vif)


def unplug_all(instance, network_info):
    """``unplug`` every VIF of ``network_info`` (None: none)."""
    for vif in network_info or []:
        unplug(instance, vif)
