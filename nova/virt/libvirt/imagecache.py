"""The image cache of a compute host: base images under <instances_path>/_base.

A base file is named after the SHA-1 of its image id. ``fetch`` downloads
an image at most once however many spawns ask for it at the same time (an
external lock per image), checks it is a disk image qemu-img understands
and, with [DEFAULT] force_raw_images, converts it to raw. ``remove_unused``
is the periodic clean-up: bases no instance disk on this host is backed by,
older than [image_cache] remove_unused_original_minimum_age_seconds, go.
"""

import hashlib
import json
import os
import time

from oslo_concurrency import lockutils
from oslo_concurrency import processutils
from oslo_log import log as logging

import nova.conf
from nova.virt.libvirt import exception as lv_exc

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def base_dir():
    return os.path.join(CONF.instances_path, CONF.image_cache.subdirectory_name)


def qemu_img_info(path):
    """qemu-img's facts about ``path`` (a dict: format, virtual-size, backing-filename...)."""
    out, _err = processutils.execute("qemu-img", "info", "--output=json", "-U", path)
    return json.loads(out)


# What qemu-img may find in an image of each Glance disk_format; an image
# whose data is something else is refused (as upstream since OSSA-2024-001: a
# "raw" image must not turn out to be a qcow2 pointing at a host file).
FORMATS_OF_DISK_FORMAT = {
    "raw": ("raw",), "ami": ("raw",), "iso": ("raw",), "qcow2": ("qcow2",),
    "vmdk": ("vmdk",), "vdi": ("vdi",), "vhd": ("vpc",), "vhdx": ("vhdx",),
}


def base_name(image_id):
    return hashlib.sha1(image_id.encode()).hexdigest()


class ImageCache:
    """Fetches images into the base directory through the image API."""

    def __init__(self, image_api=None):
        if image_api is None:
            from nova.image import api as image_api_mod
            image_api = image_api_mod.API()
        self.image_api = image_api
        self.downloads = 0   # how many images this cache actually downloaded

    def path(self, image_id):
        return os.path.join(base_dir(), base_name(image_id))

    def fetch(self, context, image_id, disk=True, disk_format=None):
        """The local path of image ``image_id`` (downloaded if not cached yet).

        ``disk``: the image must be a disk image (qemu-img checks it, and that
        its data is of the image's ``disk_format`` when given); kernels and
        ramdisks are taken as they are.
        """
        path = self.path(image_id)
        os.makedirs(base_dir(), exist_ok=True)

        @lockutils.synchronized(base_name(image_id), external=True,
                                lock_path=os.path.join(base_dir(), "locks"))
        def _fetch():
            if os.path.exists(path):
                os.utime(path)
                return False
            tmp = path + ".part"
            try:
                self.image_api.download(context, image_id, dst_path=tmp)
                self.downloads += 1
                if disk:
                    self._check_and_convert(image_id, tmp, disk_format)
                os.chmod(tmp, 0o644)
                os.rename(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return True

        fetched = _fetch()
        LOG.debug("Image %s %s at %s", image_id, "fetched" if fetched else "cached", path)
        return path

    def _check_and_convert(self, image_id, path, disk_format=None):
        try:
            info = qemu_img_info(path)
        except processutils.ProcessExecutionError as exc:
            raise lv_exc.InvalidDiskImage(image_id=image_id, reason=exc.stderr.strip())
        expected = FORMATS_OF_DISK_FORMAT.get(disk_format)
        if expected and info.get("format") not in expected:
            raise lv_exc.InvalidDiskImage(
                image_id=image_id, reason="its data is %s, not the %s its disk_format says"
                % (info.get("format"), disk_format))
        if info.get("backing-filename"):
            raise lv_exc.InvalidDiskImage(image_id=image_id,
                                          reason="it has a backing file")
        fmt = info.get("format")
        if fmt not in ("raw", "qcow2", "vmdk", "vdi", "vpc", "vhdx"):
            raise lv_exc.InvalidDiskImage(image_id=image_id, reason="format %s" % fmt)
        if fmt != "raw" and CONF.force_raw_images:
            converted = path + ".converted"
            processutils.execute("qemu-img", "convert", "-f", fmt, "-O", "raw", path,
                                 converted)
            os.rename(converted, path)

    # -- clean-up -----------------------------------------------------------------

    def used_bases(self):
        """Base files some instance disk under the instances path is backed by."""
        used = set()
        root = CONF.instances_path
        if not os.path.isdir(root):
            return used
        for entry in os.listdir(root):
            inst_dir = os.path.join(root, entry)
            if entry == CONF.image_cache.subdirectory_name or not os.path.isdir(inst_dir):
                continue
            for name in os.listdir(inst_dir):
                full = os.path.join(inst_dir, name)
                if name.startswith("disk"):
                    try:
                        backing = qemu_img_info(full).get("full-backing-filename")
                    except processutils.ProcessExecutionError:
                        continue
                    if backing:
                        used.add(os.path.realpath(backing))
                elif name.endswith(".base"):   # kernel/ramdisk links
                    used.add(os.path.realpath(full))
        return used

    def remove_unused(self, min_age=None):
        """Remove the unused bases older than ``min_age`` seconds; their paths."""
        if not CONF.image_cache.remove_unused_base_images:
            return []
        if min_age is None:
            min_age = CONF.image_cache.remove_unused_original_minimum_age_seconds
        directory = base_dir()
        if not os.path.isdir(directory):
            return []
        used = self.used_bases()
        removed = []
        now = time.time()
        for name in os.listdir(directory):
            full = os.path.join(directory, name)
            if not os.path.isfile(full) or name.endswith(".part"):
                continue
            if os.path.realpath(full) in used:
                continue
            if now - os.path.getmtime(full) < min_age:
                continue

            @lockutils.synchronized(name, external=True,
                                    lock_path=os.path.join(directory, "locks"))
            def _remove():
                if os.path.exists(full):
                    os.unlink(full)

            _remove()
            LOG.info("Removed unused base image %s", full)
            removed.append(full)
        return removed
