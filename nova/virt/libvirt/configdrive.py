"""The config drive of a libvirt guest: which bus, which device, which file.

``nova.virt.configdrive`` decides who gets a config drive (``required_by``)
and writes the image; this module places it next to the instance's disks as
``<instances_path>/<uuid>/disk.config`` and describes it to libvirt:

- ``iso9660`` (the default): a read-only cdrom on the bus the machine type
  has for one (``sata`` on q35, ``ide`` on the i440fx ``pc`` machines; the
  image property ``hw_cdrom_bus`` overrides), as the last device of that bus
  (``hdd`` on IDE, ``sdz`` on SATA/SCSI);
- ``vfat``: a disk on the instance's disk bus (``hw_disk_bus``, virtio by
  default) as ``vdz`` / ``sdz``.

The content is the instance's ``InstanceMetadata`` (the model the metadata
service answers from), built after the domain is defined so that the device
addresses libvirt assigned go into meta_data.json's ``devices``
(``device_metadata``).
"""

import os

from oslo_log import log as logging
from oslo_utils import excutils

import nova.conf
from nova.api.metadata import base as instance_metadata
from nova.virt import configdrive
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import device_metadata
from nova.virt.libvirt import imagebackend

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

FILE_NAME = "disk.config"
# The last device name of each bus (upstream keeps the config drive there).
_LAST_DEVICE = {"ide": "hdd", "sata": "sdz", "scsi": "sdz", "usb": "sdz",
                "virtio": "vdz", "xen": "xvdz"}


def _props(image_meta):
    if image_meta is None or not image_meta.obj_attr_is_set("properties"):
        return {}
    return image_meta.properties.to_dict()


def required(instance, image_meta):
    """Whether ``instance`` gets a config drive (the shared rule)."""
    return configdrive.required_by(instance, image_meta)


def path(instance):
    return os.path.join(imagebackend.instance_dir(instance), FILE_NAME)


def machine_type(image_meta):
    return _props(image_meta).get("hw_machine_type") or CONF.libvirt.hw_machine_type


def cdrom_bus(image_meta, machine=None):
    """The bus of a cdrom on this guest's machine type (``machine``, by
    default the image's or the configured one)."""
    bus = _props(image_meta).get("hw_cdrom_bus")
    if bus:
        return bus
    machine = machine or machine_type(image_meta) or ""
    return "sata" if "q35" in machine else "ide"


def disk_config(instance, image_meta, fmt=None, machine=None):
    """The GuestDisk of the config drive of ``instance``."""
    fmt = fmt or CONF.config_drive_format
    if fmt == "iso9660":
        bus = cdrom_bus(image_meta, machine)
        device = "cdrom"
    else:
        bus = _props(image_meta).get("hw_disk_bus") or "virtio"
        device = "disk"
    return vconfig.GuestDisk(path(instance), _LAST_DEVICE.get(bus, "sdz"), "raw", bus,
                             device=device, readonly=device == "cdrom")


def block_device_mappings(context, instance):
    """The instance's mappings (for their tags); () without a context or on error."""
    if context is None:
        return ()
    from nova import objects
    try:
        return objects.BlockDeviceMappingList.get_by_instance_uuid(context, instance.uuid)
    except Exception as exc:     # the tags only: the drive is still written
        LOG.warning("Could not read the block device mappings of %s: %s",
                    instance.uuid, exc)
        return ()


def attach(conf, instance, image_meta):
    """Add the config drive to the GuestConfig ``conf`` (after its other disks)."""
    disk = disk_config(instance, image_meta, machine=conf.machine_type)
    last_disk = max((i for i, d in enumerate(conf.devices)
                     if isinstance(d, vconfig.GuestDisk)), default=-1)
    conf.devices.insert(last_disk + 1, disk)
    return disk


def after_define(context, instance, image_meta, network_info, admin_password, guest):
    """Between defining the domain and starting it: record the tagged devices
    with the addresses libvirt assigned (``instance.device_metadata``) and
    write the config drive when the instance has one. Unsaved."""
    xml = guest.get_xml_desc()
    bdms = block_device_mappings(context, instance)
    devices = device_metadata.from_domain_xml(xml, network_info, bdms)
    instance.device_metadata = devices
    if required(instance, image_meta):
        build(context, instance, network_info, admin_password, devices=devices, bdms=bdms)
    return devices


def build(context, instance, network_info, admin_password=None, devices=None, fmt=None,
          bdms=None):
    """Write the config drive of ``instance``; its path.

    ``devices`` are the tagged devices with their addresses (meta_data.json's
    ``devices``; derived from the mappings and network info when None). The
    instance is marked as having a config drive (``config_drive = 'True'``,
    saved by the caller).
    """
    fmt = fmt or CONF.config_drive_format
    if bdms is None:
        bdms = block_device_mappings(context, instance)
    extra_md = {"admin_pass": admin_password} if admin_password else None
    md = instance_metadata.InstanceMetadata(instance, bdms=bdms, extra_md=extra_md,
                                            network_info=network_info or [],
                                            device_metadata=devices)
    target = path(instance)
    LOG.info("Writing the %s config drive of %s to %s", fmt, instance.uuid, target)
    try:
        with configdrive.ConfigDriveBuilder(instance_md=md) as builder:
            builder.make_drive(target, fmt)
        os.chmod(target, 0o644)
    except Exception:
        with excutils.save_and_reraise_exception():
            if os.path.exists(target):
                os.unlink(target)
    instance.config_drive = "True"
    return target
