"""Virtual interfaces: a network's VIFs as libvirt <interface> elements, host side.

- ``bridge`` VIFs (the flat network, Neutron's linux bridge): the host bridge
  named by the network is created if missing; libvirt makes the tap device
  (``vif.devname``) and enslaves it.
- ``ovs`` VIFs: an Open vSwitch port on the network's bridge (br-int by
  default), only where ovs-vsctl exists.

Unplug removes a tap device the domain left behind (libvirt normally removes
it when the domain stops); a shared bridge stays.
"""

import os
import shutil

from oslo_concurrency import lockutils
from oslo_concurrency import processutils
from oslo_log import log as logging

from nova import exception
from nova.network import model as network_model
from nova.virt.libvirt import config

LOG = logging.getLogger(__name__)


class VifTypeNotSupported(exception.NovaException):
    msg_fmt = "The libvirt driver cannot plug a VIF of type %(vif_type)s: %(reason)s"


def device_exists(name):
    return os.path.exists("/sys/class/net/%s" % name)


def tap_name(vif):
    return (vif.get("devname") or ("tap" + vif["id"]))[:14]


def bridge_name(vif):
    network = vif.get("network") or {}
    return network.get("bridge") or ("br-int" if vif.get("type") == network_model.VIF_TYPE_OVS
                                     else "br100")


@lockutils.synchronized("nova-bridge-setup")
def ensure_bridge(name, mtu=None):
    """Create the Linux bridge ``name`` (up) unless it exists."""
    if not device_exists(name):
        LOG.info("Creating bridge %s", name)
        try:
            processutils.execute("ip", "link", "add", "name", name, "type", "bridge")
        except processutils.ProcessExecutionError:
            if not device_exists(name):
                raise
    if mtu:
        processutils.execute("ip", "link", "set", name, "mtu", str(mtu))
    processutils.execute("ip", "link", "set", name, "up")


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
        return config.GuestInterface(vif["address"], "bridge", bridge_name(vif),
                                     tap_name(vif), model, _mtu(vif),
                                     virtualport="openvswitch",
                                     interface_id=vif.get("ovs_interfaceid") or vif["id"])
    raise VifTypeNotSupported(vif_type=vif_type, reason="unknown VIF type")


def plug(instance, vif):
    vif_type = vif.get("type")
    if vif_type in (network_model.VIF_TYPE_BRIDGE, None, ""):
        ensure_bridge(bridge_name(vif), _mtu(vif))
    elif vif_type == network_model.VIF_TYPE_OVS:
        if not shutil.which("ovs-vsctl"):
            raise VifTypeNotSupported(vif_type=vif_type,
                                      reason="Open vSwitch is not installed here")
    else:
        raise VifTypeNotSupported(vif_type=vif_type, reason="unknown VIF type")


def unplug(instance, vif):
    """Remove what the guest left of ``vif`` on the host (idempotent)."""
    tap = tap_name(vif)
    if device_exists(tap):
        try:
            if vif.get("type") == network_model.VIF_TYPE_OVS and shutil.which("ovs-vsctl"):
                processutils.execute("ovs-vsctl", "--if-exists", "del-port", tap)
            processutils.execute("ip", "link", "del", tap)
        except processutils.ProcessExecutionError as exc:
            LOG.warning("Could not remove tap %s of %s: %s", tap, instance.uuid, exc)
