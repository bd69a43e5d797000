"""The guest's domain: an instance, its image and its network as a GuestConfig.

``get_guest_config`` decides what the domain holds (config.py writes it as
XML): the flavor's vCPUs and memory, the CPU model of ``[libvirt] cpu_mode``,
the machine type (image ``hw_machine_type`` or ``[libvirt] hw_machine_type``),
a direct kernel boot where the image names a kernel, Nova's metadata, the
disks on the image's ``hw_disk_bus``, one interface per VIF with the image's
``hw_vif_model``, the serial console (logged to console.log), the guest
agent channel where the image asks for it, and VNC / SPICE graphics as
configured.
"""

import datetime

import nova.conf
from nova import exception
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import console as libvirt_console
from nova.virt.libvirt import guest_agent
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF


def cpu_config():
    """The GuestCPU of [libvirt] cpu_mode / cpu_models (None for "none")."""
    mode = CONF.libvirt.cpu_mode
    if mode is None:
        mode = "host-model" if CONF.libvirt.virt_type == "kvm" else "none"
    if mode == "none":
        return None
    if mode == "custom":
        if not CONF.libvirt.cpu_models:
            raise exception.NovaException(
                "[libvirt] cpu_mode custom needs [libvirt] cpu_models")
        return vconfig.GuestCPU("custom", CONF.libvirt.cpu_models[0])
    return vconfig.GuestCPU(mode)


def get_guest_config(instance, image_meta, network_info, disks, kernel=None,
                     ramdisk=None):
    """The GuestConfig of ``instance`` (see config.py)."""
    flavor = instance.flavor
    conf = vconfig.GuestConfig(CONF.libvirt.virt_type, instance.name, instance.uuid,
                               flavor.memory_mb, flavor.vcpus)
    conf.cpu = cpu_config()
    props = image_meta.properties if image_meta is not None else None
    conf.machine_type = (props.get("hw_machine_type") if props is not None else None) \
        or CONF.libvirt.hw_machine_type
    if kernel:
        conf.os_kernel = kernel
        conf.os_initrd = ramdisk
        cmdline = props.get("os_command_line") if props is not None else None
        conf.os_cmdline = cmdline or "root=/dev/vda console=tty0 console=ttyS0"
    created = instance.created_at or datetime.datetime.utcnow()
    conf.metadata.append(vconfig.NovaInstanceMeta(
        instance.display_name or instance.uuid,
        created.strftime("%Y-%m-%d %H:%M:%S"), flavor,
        owner_user=(instance.user_id, instance.user_id) if instance.user_id else None,
        owner_project=((instance.project_id, instance.project_id)
                       if instance.project_id else None),
        root_image=instance.image_ref or None))
    bus = (props.get("hw_disk_bus") if props is not None else None) or "virtio"
    for disk in disks:
        dev = disk.target_dev if bus == "virtio" else "sd" + disk.target_dev[2:]
        conf.devices.append(vconfig.GuestDisk(disk.path, dev, disk.format, bus))
    vif_model = (props.get("hw_vif_model") if props is not None else None) or "virtio"
    for vif in network_info or []:
        conf.devices.append(libvirt_vif.get_config(vif, CONF.libvirt.virt_type,
                                                   vif_model))
    log_path = libvirt_console.console_log_path(instance)
    conf.devices.append(libvirt_console.serial_device(log_path) or
                        vconfig.GuestSerial(log_path))
    if guest_agent.wanted(image_meta):
        conf.devices.append(guest_agent.GuestAgentChannel())
    if CONF.vnc.enabled:
        conf.devices.append(vconfig.GuestGraphics("vnc", CONF.vnc.server_listen))
    if CONF.spice.enabled:
        conf.devices.append(vconfig.GuestGraphics("spice", CONF.spice.server_listen))
    return conf
