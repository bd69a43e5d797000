"""Resize and cold migration of a libvirt guest.

Source, ``migrate_disk_and_power_off``: refuse a smaller root or ephemeral
disk (nothing changed yet: InstanceFaultRollback), stop the guest (cleanly
within the timeout, else pull the plug), unplug its VIFs, keep its
definition as ``libvirt.xml`` and rename ``<instances_path>/<uuid>`` to
``<uuid>_resize``. That directory is the revert copy, and where the
destination takes the files from: the returned ``disk_info`` names it (with
the machine, see remotefs.py), the disks and their bases.

Destination, ``finish_migration``: copy the files into this host's
``<instances_path>/<uuid>`` (a local sparse copy when the source is this
machine, whatever the two instances paths are; scp/rsync otherwise), point
qcow2 overlays at this host's cached base, grow the root and ephemeral disks
to the new flavor (qemu-img resize, never smaller), define the guest with the
new flavor's vCPUs and memory and start it.

Source again: ``confirm_migration`` removes ``<uuid>_resize`` (and the old
definition when the guest went to another libvirt); ``finish_revert_migration``
puts ``<uuid>_resize`` back and redefines the guest from its kept XML.
"""

import os

from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import units

import nova.conf
from nova import exception
from nova.virt.libvirt import configdrive as lv_configdrive
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import imagecache
from nova.virt.libvirt import remotefs
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

RESIZE_SUFFIX = "_resize"
SAVED_XML = "libvirt.xml"
# Files of an instance directory that are not copied to the destination.
_NOT_COPIED = (SAVED_XML,)
# Disks of an instance directory and their guest devices, in guest order.
_DISKS = ("disk", "disk.eph0", "disk.swap")


def resize_dir(instance):
    return imagebackend.instance_dir(instance) + RESIZE_SUFFIX


def _flavor_disks(flavor):
    return flavor.root_gb or 0, flavor.ephemeral_gb or 0


def check_not_shrinking(instance, flavor):
    """Refuse (InstanceFaultRollback) a flavor whose root or ephemeral disk is
    smaller than the guest's: local disks are never shrunk."""
    old_root, old_eph = _flavor_disks(instance.flavor)
    new_root, new_eph = _flavor_disks(flavor)
    if new_root < old_root or new_eph < old_eph:
        reason = ("Unable to resize disk down: the root disk of %s GiB and the "
                  "ephemeral disk of %s GiB cannot become %s GiB and %s GiB"
                  % (old_root, old_eph, new_root, new_eph))
        raise lv_exc.InstanceFaultRollback(lv_exc.ResizeError(reason=reason))


def _disk_info(directory):
    """What the destination must know of the disks in ``directory``."""
    disks = []
    for name in _DISKS:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            info = imagecache.qemu_img_info(path)
            disks.append({"name": name, "format": info["format"],
                          "virtual_size": info["virtual-size"],
                          "backing_file": info.get("backing-filename"),
                          "backing_format": info.get("backing-filename-format")})
    return disks


def migrate_disk_and_power_off(drv, context, instance, dest, flavor, network_info,
                               timeout=0, retry_interval=0):
    check_not_shrinking(instance, flavor)
    guest = drv.host.get_guest(instance)
    directory = imagebackend.instance_dir(instance)
    staged = resize_dir(instance)
    xml = guest.get_xml_desc(dump_inactive=True)
    drv.power_off(instance, timeout, retry_interval)
    libvirt_vif.unplug_all(instance, network_info)
    remotefs.remove_dir(staged)          # a failed earlier attempt
    try:
        os.rename(directory, staged)
        with open(os.path.join(staged, SAVED_XML), "w") as f:
            f.write(xml)
    except Exception:
        if os.path.isdir(staged) and not os.path.exists(directory):
            os.rename(staged, directory)
        raise
    files = sorted(name for name in os.listdir(staged)
                   if name not in _NOT_COPIED and not os.path.islink(
                       os.path.join(staged, name))
                   and os.path.isfile(os.path.join(staged, name)))
    LOG.info("Instance %s stopped and its files kept in %s for the move to %s",
             instance.uuid, staged, dest)
    return {"source": remotefs.source_location(staged), "files": files,
            "disks": _disk_info(staged)}


def _rebase_on_local_base(context, drv, instance, path, disk):
    """Point a qcow2 overlay copied from another host at this host's base."""
    backing = disk.get("backing_file")
    if not backing:
        return
    if not instance.image_ref:
        raise lv_exc.MigrationError(reason="the disk %s has a backing file but the "
                                    "instance has no image" % disk["name"])
    base = drv.image_cache.fetch(context, instance.image_ref)
    if os.path.abspath(base) != os.path.abspath(backing):
        fmt = imagecache.qemu_img_info(base)["format"]
        processutils.execute("qemu-img", "rebase", "-u", "-f", "qcow2", "-F", fmt,
                             "-b", base, path)


def _grow(path, fmt, size_gb):
    """Grow the disk at ``path`` to ``size_gb`` GiB (never shrink)."""
    if not size_gb:
        return False
    current = imagecache.qemu_img_info(path)["virtual-size"]
    wanted = size_gb * units.Gi
    if wanted <= current:
        return False
    processutils.execute("qemu-img", "resize", "-f", fmt, path, str(wanted))
    LOG.info("Grew %s from %d to %d bytes", path, current, wanted)
    return True


def _local_disks(directory, disks):
    devs = iter("abcdefgh")
    return [imagebackend.Disk(os.path.join(directory, d["name"]), d["format"],
                              "vd" + next(devs)) for d in disks]


def finish_migration(drv, context, migration, instance, disk_info, network_info,
                     image_meta, resize_instance, power_on=True):
    directory = imagebackend.instance_dir(instance)
    if drv.instance_exists(instance):
        # One libvirt for both hosts (two computes on one machine): the
        # source's stopped definition is replaced by ours below.
        guest = drv.host.get_guest(instance)
        if guest.is_active():
            raise lv_exc.MigrationError(
                reason="instance %s is running on this hypervisor" % instance.uuid)
    source = disk_info["source"]
    image_meta = _with_image_properties(drv, context, instance, image_meta)
    try:
        remotefs.copy_files(source, disk_info["files"], directory)
        for disk in disk_info["disks"]:
            path = os.path.join(directory, disk["name"])
            if disk["format"] == "qcow2":
                _rebase_on_local_base(context, drv, instance, path, disk)
        if resize_instance:
            root_gb, eph_gb = _flavor_disks(instance.flavor)
            for disk in disk_info["disks"]:
                size = {"disk": root_gb, "disk.eph0": eph_gb}.get(disk["name"])
                if size:
                    _grow(os.path.join(directory, disk["name"]), disk["format"], size)
        kernel = ramdisk = None
        if instance.kernel_id and "kernel" in disk_info["files"]:
            kernel = _relink_base(context, drv, instance.kernel_id,
                                  os.path.join(directory, "kernel"))
            if instance.ramdisk_id and "ramdisk" in disk_info["files"]:
                ramdisk = _relink_base(context, drv, instance.ramdisk_id,
                                       os.path.join(directory, "ramdisk"))
        libvirt_vif.plug_all(instance, network_info)
        conf = drv.get_guest_config(instance, image_meta, network_info,
                                    _local_disks(directory, disk_info["disks"]),
                                    kernel, ramdisk)
        if lv_configdrive.FILE_NAME in disk_info["files"]:
            lv_configdrive.attach(conf, instance, image_meta)
        guest = drv.host.write_instance_config(conf.to_xml())
        if power_on:
            guest.launch()
    except Exception:
        LOG.exception("Finishing the move of %s here failed", instance.uuid)
        raise
    LOG.info("Instance %s moved here (%s vCPU, %s MiB)%s", instance.uuid,
             instance.flavor.vcpus, instance.flavor.memory_mb,
             "" if power_on else ", left stopped")


def _with_image_properties(drv, context, instance, image_meta):
    """``image_meta`` with the image's properties (kernel command line, buses,
    machine type) when the caller gave only its id."""
    props = None
    if image_meta is not None and image_meta.obj_attr_is_set("properties"):
        props = image_meta.properties.to_dict()
    if props or not instance.image_ref:
        return image_meta
    try:
        image = drv.image_api.get(context, instance.image_ref)
    except Exception as exc:
        LOG.warning("Cannot read image %s of %s (%s): its properties are not applied",
                    instance.image_ref, instance.uuid, exc)
        return image_meta
    from nova.objects import image_meta as image_meta_obj
    return image_meta_obj.ImageMeta.from_dict(image)


def _relink_base(context, drv, image_id, path):
    """A kernel/ramdisk copied from the source: mark this host's cached base
    as used by it (the image cache manager keeps bases that are linked)."""
    try:
        base = drv.image_cache.fetch(context, image_id, disk=False)
    except exception.NovaException as exc:
        LOG.warning("Cannot cache %s here (%s); the copied file is used alone",
                    image_id, exc)
        return path
    marker = path + ".base"
    if os.path.lexists(marker):
        os.unlink(marker)
    os.symlink(base, marker)
    return path


def _moved_elsewhere(drv, instance, migration):
    """Whether ``migration`` took the guest to another host (not a resize in place)."""
    src = getattr(migration, "source_compute", None)
    dst = getattr(migration, "dest_compute", None)
    if src and dst:
        return src != dst or getattr(migration, "source_node", None) != \
            getattr(migration, "dest_node", None)
    return True


def confirm_migration(drv, context, migration, instance, network_info):
    staged = resize_dir(instance)
    if _moved_elsewhere(drv, instance, migration):
        _undefine_if_ours(drv, instance)
    remotefs.remove_dir(staged)
    LOG.info("Move of %s confirmed: %s removed", instance.uuid, staged)


def _undefine_if_ours(drv, instance):
    """Drop the stopped definition the source kept, unless the libvirt is
    shared with the destination and the definition is already the
    destination's (its disks are not under this host's instance directory)."""
    try:
        guest = drv.host.get_guest(instance)
    except exception.InstanceNotFound:
        return
    mine = imagebackend.instance_dir(instance) + os.sep
    paths = [src for _dev, src, _fmt in guest.get_disks() if src]
    if guest.is_active() or not paths or not all(p.startswith(mine) for p in paths):
        return
    guest.delete_configuration()


def finish_revert_migration(drv, context, instance, network_info, migration,
                            power_on=True):
    directory = imagebackend.instance_dir(instance)
    staged = resize_dir(instance)
    if os.path.isdir(staged):
        # A resize in place left the new disks where the old ones go.
        remotefs.remove_dir(directory)
        os.rename(staged, directory)
    saved = os.path.join(directory, SAVED_XML)
    if not os.path.exists(saved):
        raise lv_exc.MigrationError(reason="nothing kept to revert %s to (%s)"
                                    % (instance.uuid, saved))
    with open(saved) as f:
        xml = f.read()
    if drv.instance_exists(instance):
        guest = drv.host.get_guest(instance)
        guest.poweroff()
    libvirt_vif.plug_all(instance, network_info)
    guest = drv.host.write_instance_config(xml)
    os.unlink(saved)
    if power_on:
        guest.launch()
    LOG.info("Instance %s reverted to its old flavor here", instance.uuid)
