"""Capturing an instance's root disk for an image (createImage).

- **Live** (a running or paused guest, where libvirt and QEMU can): the guest
  keeps running. A qcow2 *delta* is created in a private temporary directory,
  backed by the same base image as the root disk (or on its own for a disk
  without a backing file); ``virDomainBlockCopy`` mirrors the disk into it
  (shallow: only what the overlay holds; a transient job, so the domain may
  stay persistent); once the copy caught up (``cur == end``) the job is
  aborted, which leaves the delta a consistent image of that moment while the
  guest goes on with its own disk; ``qemu-img convert`` then flattens delta +
  base into one qcow2.
- **Cold** (a stopped guest, or libvirt without block copy, e.g. the test
  driver): a running or paused guest is managed-saved for the copy and
  restored afterwards; ``qemu-img convert`` reads the disk directly.

Either way the output is a standalone qcow2 in the temporary directory; the
directory (delta included) goes whatever happens, and a block job left by a
failure is aborted. ``take`` (the driver's ``snapshot``) chooses between the
two and uploads the result to the image service with the image's properties.
"""

import os
import shutil
import tempfile
import time
from xml.sax import saxutils

import libvirt
from oslo_concurrency import processutils
from oslo_log import log as logging

import nova.conf
from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import imagecache

CONF = nova.conf.CONF

LOG = logging.getLogger(__name__)

# libvirt errors that mean "no block copy of this disk here" (the driver lacks
# it, or the domain or disk cannot be mirrored): fall back to a cold snapshot.
_UNSUPPORTED = (libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
                libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_ERR_OPERATION_INVALID,
                libvirt.VIR_ERR_OPERATION_UNSUPPORTED)

COPY_TIMEOUT = 600


class LiveSnapshotUnsupported(Exception):
    """This guest or hypervisor cannot be snapshotted live."""


class SnapshotFailed(exception.NovaException):
    msg_fmt = "Snapshot of the disk %(path)s failed: %(reason)s"


def snapshot_dir(instances_path):
    """A private temporary directory QEMU can write into (o+x, as upstream)."""
    os.makedirs(instances_path, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="snapshot-", dir=instances_path)
    os.chmod(directory, 0o701)
    return directory


def _target_dev(guest, disk_path):
    for dev, source, _fmt in guest.get_disks():
        if source and os.path.realpath(source) == os.path.realpath(disk_path):
            return dev
    raise LiveSnapshotUnsupported("the guest does not use %s" % disk_path)


def _wait_for_copy(dom, dev, timeout):
    """Until the block copy into the delta caught up with the disk."""
    end = time.monotonic() + timeout
    while True:
        info = dom.blockJobInfo(dev, 0)
        if not info:
            raise SnapshotFailed(path=dev, reason="the block copy job disappeared")
        if info["end"] != 0 and info["cur"] == info["end"]:
            return
        if time.monotonic() > end:
            raise SnapshotFailed(path=dev, reason="the block copy did not finish in %ss"
                                 % timeout)
        time.sleep(0.2)


def live(guest, disk_path, out_path, workdir, timeout=COPY_TIMEOUT):
    """Copy ``disk_path`` of the running ``guest`` into ``out_path`` (qcow2).

    LiveSnapshotUnsupported when libvirt cannot block-copy (nothing changed).
    """
    dev = _target_dev(guest, disk_path)
    info = imagecache.qemu_img_info(disk_path)
    backing = info.get("full-backing-filename") or info.get("backing-filename")
    delta = os.path.join(workdir, "delta.qcow2")
    cmd = ["qemu-img", "create", "-q", "-f", "qcow2"]
    if backing:
        cmd += ["-b", backing, "-F", info.get("backing-filename-format") or
                imagecache.qemu_img_info(backing)["format"]]
    processutils.execute(*cmd + [delta, str(info["virtual-size"])])
    os.chmod(delta, 0o644)
    flags = (libvirt.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT
             | libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB)
    if backing:
        flags |= libvirt.VIR_DOMAIN_BLOCK_COPY_SHALLOW
    dest = ("<disk type='file'><driver name='qemu' type='qcow2'/><source file=%s/></disk>"
            % saxutils.quoteattr(delta))
    dom = guest.domain
    try:
        dom.blockCopy(dev, dest, None, flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() in _UNSUPPORTED:
            raise LiveSnapshotUnsupported(str(exc)) from exc
        raise
    started = time.monotonic()
    try:
        _wait_for_copy(dom, dev, timeout)
    finally:
        # Ends the mirror; the guest keeps writing to its own disk. Safe to
        # repeat (a job that is gone is not an error here).
        try:
            dom.blockJobAbort(dev, 0)
        except libvirt.libvirtError as exc:
            LOG.debug("Ending the block copy of %s: %s", dev, exc)
    LOG.info("Live copy of %s (%s) took %.1fs", disk_path, dev, time.monotonic() - started)
    processutils.execute("qemu-img", "convert", "-f", "qcow2", "-O", "qcow2", delta, out_path)


def cold(disk_path, out_path):
    """Copy ``disk_path`` (the guest is not running) into ``out_path`` (qcow2)."""
    fmt = imagecache.qemu_img_info(disk_path)["format"]
    processutils.execute("qemu-img", "convert", "-f", fmt, "-O", "qcow2", disk_path, out_path)


def remove_dir(directory):
    shutil.rmtree(directory, ignore_errors=True)


def take(drv, context, instance, image_id, update_task_state):
    """Upload the root disk of ``instance`` as image ``image_id`` (qcow2).

    A running or paused guest is copied live where libvirt can (it keeps
    running); otherwise it is managed-saved for the copy and restored
    afterwards.
    """
    guest = drv.host.get_guest(instance)
    state = guest.get_power_state()
    root = os.path.join(imagebackend.instance_dir(instance), "disk")
    update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
    workdir = snapshot_dir(os.path.join(CONF.instances_path, "snapshots"))
    try:
        out = os.path.join(workdir, "snapshot.qcow2")
        is_live = state in (power_state.RUNNING, power_state.PAUSED)
        if is_live:
            try:
                live(guest, root, out, workdir)
            except LiveSnapshotUnsupported as exc:
                LOG.info("No live snapshot of %s (%s): taking it cold", instance.uuid,
                         exc)
                is_live = False
        if not is_live:
            _cold_snapshot(guest, state, root, out)
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        meta = {"disk_format": "qcow2", "container_format": "bare",
                "properties": _snapshot_properties(drv, context, instance, image_id)}
        try:
            with open(out, "rb") as data:
                drv.image_api.update(context, image_id, meta, data=data,
                                     purge_props=False)
        except exception.ImageNotFound:
            raise
        except Exception as exc:
            raise lv_exc.SnapshotUploadFailed(image_id=image_id, reason=exc) from exc
    finally:
        remove_dir(workdir)
    LOG.info("Snapshot %s of %s uploaded (%s)", image_id, instance.uuid,
             "live" if is_live else "cold")


def _cold_snapshot(guest, state, root, out):
    """Copy the disk with the guest stopped (managed-saved if it ran)."""
    was_running = state in (power_state.RUNNING, power_state.PAUSED)
    if was_running:
        guest.managed_save()
    try:
        cold(root, out)
    finally:
        if was_running:
            guest.launch()
            if state == power_state.PAUSED:
                guest.pause()


def _snapshot_properties(drv, context, instance, image_id):
    props = {}
    try:
        current = drv.image_api.get(context, image_id)
        props.update(current.get("properties") or {})
    except exception.NovaException:
        pass
    for key in ("kernel_id", "ramdisk_id"):
        if getattr(instance, key, None):
            props[key] = getattr(instance, key)
    if instance.os_type:
        props["os_type"] = instance.os_type
    return props
