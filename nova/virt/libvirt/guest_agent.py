"""The QEMU guest agent: its channel in the domain, and passwords set through it.

An image with ``hw_qemu_guest_agent=yes`` gets a virtio-serial channel named
``org.qemu.guest_agent.0``; through it libvirt asks the agent in the guest
to set a user's password (``virDomainSetUserPassword``). Without the
property nobody listens there, so a password change is refused at once
(InstanceAgentNotEnabled, a 409 at the API) rather than left to time out.
"""

from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging
from oslo_utils import strutils

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

AGENT_CHANNEL = "org.qemu.guest_agent.0"


class GuestAgentChannel:
    """<channel type='unix'> with the agent's virtio target (a GuestConfig device)."""

    def format_dom(self):
        channel = ElementTree.Element("channel", type="unix")
        ElementTree.SubElement(channel, "source", mode="bind")
        ElementTree.SubElement(channel, "target", type="virtio", name=AGENT_CHANNEL)
        return channel


def _prop(source, name):
    """An image property from an ImageMeta's properties or an instance's system
    metadata (image_<name>)."""
    if hasattr(source, "system_metadata"):
        return (source.system_metadata or {}).get("image_" + name)
    if source is None or not source.obj_attr_is_set("properties"):
        return None
    return source.properties.get(name)


def wanted(image_meta):
    """Whether the image asks for the guest agent (hw_qemu_guest_agent=yes)."""
    return strutils.bool_from_string(_prop(image_meta, "hw_qemu_guest_agent"))


def set_admin_password(host, instance, new_pass):
    """Set the administrator's password in the guest through the agent."""
    if CONF.libvirt.virt_type not in ("kvm", "qemu"):
        raise exception.SetAdminPasswdNotSupported()
    if not wanted(instance):
        raise exception.InstanceAgentNotEnabled()
    os_type = (_prop(instance, "os_type") or instance.os_type or "").lower()
    user = _prop(instance, "os_admin_user") or (
        "Administrator" if os_type == "windows" else "root")
    guest = host.get_guest(instance)
    try:
        guest.domain.setUserPassword(user, new_pass, 0)
    except libvirt.libvirtError as exc:
        code = exc.get_error_code()
        LOG.warning("Setting the password of %s in %s failed: [%s] %s", user,
                    instance.uuid, code, exc)
        if code == libvirt.VIR_ERR_NO_SUPPORT:
            raise exception.SetAdminPasswdNotSupported() from exc
        reason = ("the guest agent does not answer"
                  if code == getattr(libvirt, "VIR_ERR_AGENT_UNRESPONSIVE", -1)
                  else "libvirt error %s" % code)
        raise exception.InstancePasswordSetFailed(instance=instance.uuid,
                                                  reason=reason) from exc
