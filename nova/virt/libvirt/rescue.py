"""Rebuild, rescue and unrescue of a libvirt guest.

Rebuild: the domain and its disks go, and the guest is spawned again from the
new image under the same domain name and uuid, with the same interfaces (MAC
addresses come from the instance's network info); with ``preserve_ephemeral``
the ephemeral disks are kept as they were.

Rescue: the domain's definition is saved as ``unrescue.xml`` in the
instance's directory; a rescue disk ``disk.rescue`` is made from the rescue
image (the one the user named, or the server's own) and the guest boots from
it. Without stable device rescue (legacy, as upstream) the rescue disk is the
first disk and the server's root disk the second (its other disks are left
out); the rescue image's kernel/ramdisk (``kernel_id``/``ramdisk_id``) boot
it when it names them. With stable device rescue (the rescue image has
``hw_rescue_device`` or ``hw_rescue_bus``) every disk stays where it is and
the rescue disk is added after them, first in the boot order. Unrescue
defines ``unrescue.xml`` again and removes the rescue files.
"""

import os
import shutil
from xml.etree import ElementTree

from oslo_log import log as logging

from nova.compute import task_states
from nova import exception
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import spawn as lv_spawn

LOG = logging.getLogger(__name__)

UNRESCUE_XML = "unrescue.xml"
RESCUE_DISK = "disk.rescue"
_RESCUE_FILES = (UNRESCUE_XML, RESCUE_DISK, "kernel.rescue", "ramdisk.rescue")
_EPHEMERAL_PREFIX = "disk.eph"


# -- rebuild ------------------------------------------------------------------------------

def rebuild(drv, context, instance, image_meta, injected_files, admin_password,
            allocations, network_info=None, preserve_ephemeral=False):
    """Destroy the guest and its disks and spawn it again from ``image_meta``."""
    directory = imagebackend.instance_dir(instance)
    kept = _set_aside_ephemeral(directory) if preserve_ephemeral else {}
    try:
        lv_spawn.remove_domain(drv.host, instance)
        imagebackend.delete_instance_files(instance)
        instance.task_state = task_states.REBUILD_BLOCK_DEVICE_MAPPING
        instance.save(expected_task_state=[task_states.REBUILDING])
        instance.task_state = task_states.REBUILD_SPAWNING
        instance.save(expected_task_state=[task_states.REBUILD_BLOCK_DEVICE_MAPPING])
        drv.spawn(context, instance, image_meta, injected_files, admin_password,
                  allocations, network_info=network_info, power_on=False)
        for name, aside in kept.items():
            os.replace(aside, os.path.join(directory, name))
        kept = {}
        drv.host.get_guest(instance).launch()
    finally:
        for aside in kept.values():  # a failure: nothing of the old guest to go back to
            _remove(aside)
    LOG.info("Instance %s rebuilt from image %s", instance.uuid,
             image_meta.id if image_meta.obj_attr_is_set("id") else None)


def _set_aside_ephemeral(directory):
    """Move the ephemeral disks out of the instance directory: {name: new path}."""
    kept = {}
    if not os.path.isdir(directory):
        return kept
    parent = os.path.dirname(directory)
    for name in sorted(os.listdir(directory)):
        if name.startswith(_EPHEMERAL_PREFIX):
            aside = os.path.join(parent, ".%s.%s.keep" % (os.path.basename(directory), name))
            os.replace(os.path.join(directory, name), aside)
            kept[name] = aside
    return kept


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# -- rescue ---------------------------------------------------------------------------------

def is_stable_rescue(image_meta):
    props = image_meta.properties if image_meta.obj_attr_is_set("properties") else None
    if props is None:
        return False
    return bool(props.get("hw_rescue_device") or props.get("hw_rescue_bus"))


def rescue(drv, context, instance, image_meta, rescue_password=None):
    """Boot the guest from a rescue disk made from ``image_meta``."""
    guest = drv.host.get_guest(instance)
    directory = imagebackend.instance_dir(instance)
    saved = os.path.join(directory, UNRESCUE_XML)
    if os.path.exists(saved):
        raise exception.InstanceNotRescuable(instance_id=instance.uuid,
                                             reason="it is already rescued")
    original = guest.get_xml_desc(dump_inactive=True)
    image_id = image_meta.id if image_meta.obj_attr_is_set("id") else instance.image_ref
    base = drv.image_cache.fetch(context, image_id)
    disk = imagebackend.create_root(base, os.path.join(directory, RESCUE_DISK), 0,
                                    image_id)
    domain = ElementTree.fromstring(original)
    if is_stable_rescue(image_meta):
        _add_stable_rescue_disk(domain, disk, image_meta)
    else:
        _make_legacy_rescue(domain, disk, _rescue_kernel(drv, context, directory,
                                                         image_meta))
    with open(saved, "w") as f:
        f.write(original)
    try:
        guest.poweroff()
        rescued = drv.host.write_instance_config(ElementTree.tostring(domain,
                                                                      encoding="unicode"))
        rescued.launch()
    except Exception:
        LOG.exception("Rescue of %s failed; putting its own definition back", instance.uuid)
        drv.host.write_instance_config(original)
        for name in _RESCUE_FILES:
            _remove(os.path.join(directory, name))
        raise
    LOG.info("Instance %s rescued from image %s", instance.uuid, image_id)


def unrescue(drv, context, instance):
    """Boot the guest from its own disks again, as it was defined before rescue."""
    directory = imagebackend.instance_dir(instance)
    saved = os.path.join(directory, UNRESCUE_XML)
    if not os.path.exists(saved):
        raise exception.InstanceNotInRescueMode(instance_id=instance.uuid)
    with open(saved) as f:
        original = f.read()
    guest = drv.host.get_guest(instance)
    guest.poweroff()
    drv.host.write_instance_config(original).launch()
    for name in _RESCUE_FILES:
        _remove(os.path.join(directory, name))
    LOG.info("Instance %s unrescued", instance.uuid)


def _rescue_kernel(drv, context, directory, image_meta):
    """(kernel, ramdisk) paths the rescue boots with, or None to boot from disk."""
    props = image_meta.properties if image_meta.obj_attr_is_set("properties") else None
    kernel_id = props.get("kernel_id") if props is not None else None
    if not kernel_id:
        return None
    kernel = os.path.join(directory, "kernel.rescue")
    shutil.copyfile(drv.image_cache.fetch(context, kernel_id, disk=False), kernel)
    ramdisk = None
    ramdisk_id = props.get("ramdisk_id")
    if ramdisk_id:
        ramdisk = os.path.join(directory, "ramdisk.rescue")
        shutil.copyfile(drv.image_cache.fetch(context, ramdisk_id, disk=False), ramdisk)
    return kernel, ramdisk


def _disk_element(disk, target_dev, bus, device="disk"):
    el = ElementTree.Element("disk", type="file", device=device)
    ElementTree.SubElement(el, "driver", name="qemu", type=disk.format)
    ElementTree.SubElement(el, "source", file=disk.path)
    ElementTree.SubElement(el, "target", dev=target_dev, bus=bus)
    return el


def _file_disks(devices):
    return [d for d in devices.findall("disk") if d.get("device") == "disk"]


def _make_legacy_rescue(domain, disk, kernel):
    """The rescue disk first, the root disk second; the other disks left out."""
    devices = domain.find("devices")
    disks = devices.findall("disk")
    root = _file_disks(devices)[0] if _file_disks(devices) else None
    bus = root.find("target").get("bus") if root is not None else "virtio"
    prefix = "vd" if bus == "virtio" else "sd"
    for el in disks:
        devices.remove(el)
    devices.insert(0, _disk_element(disk, prefix + "a", bus))
    if root is not None:
        root.find("target").set("dev", prefix + "b")
        _drop_address(root)
        devices.insert(1, root)
    if kernel is not None:
        os_el = domain.find("os")
        for tag in ("kernel", "initrd", "boot"):
            for el in os_el.findall(tag):
                os_el.remove(el)
        ElementTree.SubElement(os_el, "kernel").text = kernel[0]
        if kernel[1]:
            ElementTree.SubElement(os_el, "initrd").text = kernel[1]


def _add_stable_rescue_disk(domain, disk, image_meta):
    """Every disk where it was; the rescue disk added, first to boot."""
    props = image_meta.properties
    device = props.get("hw_rescue_device") or "disk"
    bus = props.get("hw_rescue_bus") or ("ide" if device == "cdrom" else "virtio")
    devices = domain.find("devices")
    used = {d.find("target").get("dev") for d in devices.findall("disk")}
    prefix = {"virtio": "vd", "ide": "hd", "sata": "sd", "scsi": "sd", "usb": "sd"}.get(
        bus, "vd")
    target = next(prefix + c for c in "abcdefghijklmnopqrstuvwxyz" if prefix + c not in used)
    os_el = domain.find("os")
    for el in os_el.findall("boot"):
        os_el.remove(el)
    for el in devices.findall("disk") + devices.findall("interface"):
        for boot in el.findall("boot"):
            el.remove(boot)
    rescue_el = _disk_element(disk, target, bus, device)
    ElementTree.SubElement(rescue_el, "boot", order="1")
    last = max((i for i, el in enumerate(devices) if el.tag == "disk"), default=-1)
    devices.insert(last + 1, rescue_el)


def _drop_address(el):
    for address in el.findall("address"):
        el.remove(address)
