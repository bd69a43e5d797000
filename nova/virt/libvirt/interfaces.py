"""Interface hot-plug on libvirt: attach_interface / detach_interface.

The <interface> element comes from the same vif config code spawn uses
(nova.virt.libvirt.vif.get_config): os-vif plugs the host side first, then
libvirt adds the device to the persistent definition and, while the guest
runs, to the live domain. Detach finds the guest's device by its MAC
address and removes it from both before os-vif unplugs the host side.
Both record the guest's tagged devices again (``instance.device_metadata``,
unsaved: the compute manager saves it), so meta_data.json's ``devices`` list
a NIC tagged at attach with the PCI address libvirt gave it, and no longer
list a detached one.
"""

from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging

import nova.conf
from nova import exception
from nova.virt.libvirt import configdrive as lv_configdrive
from nova.virt.libvirt import device_metadata
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def _flags(guest):
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if guest.is_active():
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    return flags


def interface_xml(instance, image_meta, vif):
    """The <interface> XML of ``vif`` as spawn would write it for this guest."""
    props = image_meta.properties if image_meta is not None and \
        image_meta.obj_attr_is_set("properties") else None
    model = (props.get("hw_vif_model") if props is not None else None) or "virtio"
    conf = libvirt_vif.get_config(vif, CONF.libvirt.virt_type, model)
    return ElementTree.tostring(conf.format_dom(), encoding="unicode")


def record_devices(context, instance, guest, vif=None):
    """Set ``instance.device_metadata`` from the guest's persistent definition
    (updated at once, where a live detach completes when the guest lets go):
    the VIFs of its info cache (and ``vif``, just attached) with their tags."""
    cache = instance.info_cache if instance.obj_attr_is_set("info_cache") else None
    network_info = list(cache.network_info or []) if cache is not None else []
    if vif is not None and not any(v["id"] == vif["id"] for v in network_info):
        network_info.append(vif)
    try:
        xml = guest.get_xml_desc(dump_inactive=True)
    except libvirt.libvirtError as exc:
        LOG.warning("Could not read the definition of %s for its tagged devices: %s",
                    instance.uuid, exc)
        return
    instance.device_metadata = device_metadata.from_domain_xml(
        xml, network_info, lv_configdrive.block_device_mappings(context, instance))


def attach(host, instance, image_meta, vif, context=None):
    guest = host.get_guest(instance)
    xml = interface_xml(instance, image_meta, vif)
    libvirt_vif.plug(instance, vif)
    try:
        guest.domain.attachDeviceFlags(xml, _flags(guest))
    except libvirt.libvirtError as exc:
        LOG.warning("libvirt could not attach %s to %s: %s", vif["id"], instance.uuid, exc)
        libvirt_vif.unplug(instance, vif)
        raise exception.InterfaceAttachFailed(instance_uuid=instance.uuid) from exc
    LOG.info("Interface %s (%s) attached to %s", vif["id"], vif.get("address"),
             instance.uuid)
    record_devices(context, instance, guest, vif)


def _device_xml(guest, mac, inactive):
    root = ElementTree.fromstring(guest.get_xml_desc(dump_inactive=inactive))
    for iface in root.findall("devices/interface"):
        found = iface.find("mac")
        if found is not None and (found.get("address") or "").lower() == mac.lower():
            return ElementTree.tostring(iface, encoding="unicode")
    return None


def detach(host, instance, vif, context=None):
    try:
        guest = host.get_guest(instance)
    except exception.InstanceNotFound:
        guest = None
    if guest is not None:
        mac = vif.get("address") or ""
        steps = [(libvirt.VIR_DOMAIN_AFFECT_CONFIG, True)]
        if guest.is_active():
            steps.append((libvirt.VIR_DOMAIN_AFFECT_LIVE, False))
        for flag, inactive in steps:
            xml = _device_xml(guest, mac, inactive)
            if xml is None:
                continue  # not (or no longer) in this definition
            try:
                guest.domain.detachDeviceFlags(xml, flag)
            except libvirt.libvirtError as exc:
                raise exception.InterfaceDetachFailed(instance_uuid=instance.uuid) \
                    from exc
    libvirt_vif.unplug(instance, vif)
    LOG.info("Interface %s detached from %s", vif["id"], instance.uuid)
    if guest is not None:
        record_devices(context, instance, guest)
