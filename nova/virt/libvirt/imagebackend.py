"""Instance disks: files under <instances_path>/<uuid>/ built from cached bases.

``images_type`` qcow2 (or default with use_cow_images): an overlay on the
base, grown to the flavor's root size; raw / flat: a full raw copy, grown.
Ephemeral and swap disks come from the flavor.
"""

import os
import shutil

from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import units

import nova.conf
from nova import exception
from nova.virt.libvirt import imagecache

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def disk_format():
    kind = CONF.libvirt.images_type
    if kind == "default":
        return "qcow2" if CONF.use_cow_images else "raw"
    if kind in ("raw", "flat"):
        return "raw"
    if kind == "qcow2":
        return "qcow2"
    raise exception.NovaException("[libvirt] images_type %s is not supported" % kind)


def instance_dir(instance):
    return os.path.join(CONF.instances_path, instance.uuid)


class Disk:
    """One disk file of an instance: its path, format and guest device."""

    def __init__(self, path, fmt, target_dev):
        self.path, self.format, self.target_dev = path, fmt, target_dev


def _execute(*cmd):
    return processutils.execute(*cmd)


def create_root(base_path, path, size_gb, image_id=None):
    """The root disk at ``path`` from ``base_path``, at least ``size_gb`` GiB."""
    fmt = disk_format()
    info = imagecache.qemu_img_info(base_path)
    virtual = info["virtual-size"]
    wanted = size_gb * units.Gi
    if size_gb and wanted < virtual:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=wanted, image_size=virtual)
    if fmt == "qcow2":
        _execute("qemu-img", "create", "-f", "qcow2", "-F", info["format"],
                 "-b", base_path, path)
    else:
        _execute("qemu-img", "convert", "-f", info["format"], "-O", "raw", base_path, path)
    if size_gb and wanted > virtual:
        _execute("qemu-img", "resize", "-f", fmt, path, str(wanted))
    return Disk(path, fmt, "vda")


def create_blank(path, size_mb, target_dev, swap=False):
    """An empty disk (ephemeral, or swap with mkswap when available)."""
    fmt = disk_format()
    _execute("qemu-img", "create", "-f", fmt, path, "%dM" % size_mb)
    if swap and fmt == "raw" and shutil.which("mkswap"):
        try:
            _execute("mkswap", path)
        except processutils.ProcessExecutionError as exc:
            LOG.warning("mkswap %s failed: %s", path, exc)
    return Disk(path, fmt, target_dev)


def create_instance_disks(context, cache, instance, image_meta):
    """Build every disk file of ``instance``; [Disk], plus kernel/ramdisk paths."""
    directory = instance_dir(instance)
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    flavor = instance.flavor
    disks = []
    kernel = ramdisk = None
    # As upstream: a kernel boots with or without a ramdisk (an initramfs
    # is optional for a kernel that can mount its root itself); a ramdisk
    # without a kernel is meaningless and ignored.
    if instance.kernel_id:
        kernel = _link_base(cache.fetch(context, instance.kernel_id, disk=False),
                            os.path.join(directory, "kernel"))
        if instance.ramdisk_id:
            ramdisk = _link_base(cache.fetch(context, instance.ramdisk_id, disk=False),
                                 os.path.join(directory, "ramdisk"))
        else:
            LOG.info("Instance %s boots its kernel without a ramdisk", instance.uuid)
    elif instance.ramdisk_id:
        LOG.warning("Instance %s has a ramdisk (%s) but no kernel: ignored", instance.uuid,
                    instance.ramdisk_id)
    if instance.image_ref:
        base = cache.fetch(context, instance.image_ref,
                           disk_format=_disk_format(image_meta))
        disks.append(create_root(base, os.path.join(directory, "disk"), flavor.root_gb,
                                 instance.image_ref))
    else:
        disks.append(create_blank(os.path.join(directory, "disk"),
                                  max(flavor.root_gb, 1) * 1024, "vda"))
    devs = iter("bcdefgh")
    if flavor.ephemeral_gb:
        disks.append(create_blank(os.path.join(directory, "disk.eph0"),
                                  flavor.ephemeral_gb * 1024, "vd" + next(devs)))
    if flavor.swap:
        disks.append(create_blank(os.path.join(directory, "disk.swap"), flavor.swap,
                                  "vd" + next(devs), swap=True))
    return disks, kernel, ramdisk


def _disk_format(image_meta):
    if image_meta is None:
        return None
    try:
        return image_meta.disk_format
    except (AttributeError, NotImplementedError, ValueError):
        return None


def _link_base(base, path):
    """Copy a kernel or ramdisk next to the disks, and mark its base as used."""
    shutil.copyfile(base, path)
    os.chmod(path, 0o644)
    marker = path + ".base"
    if os.path.lexists(marker):
        os.unlink(marker)
    os.symlink(base, marker)
    return path


def delete_instance_files(instance):
    directory = instance_dir(instance)
    if os.path.isdir(directory):
        shutil.rmtree(directory, ignore_errors=True)
    return not os.path.exists(directory)
