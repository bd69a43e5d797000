"""Shared set-up of the libvirt driver unit tests: test:///default, real qemu-img."""

import datetime
import os
import shutil
import subprocess
import uuid as uuidlib

from nova import objects

objects.register_all()


class ImageService:
    """The image service at its edge: images are local files served by id.

    ``download`` and ``update`` keep the image API's signatures; uploads are
    kept in ``uploads`` (id -> (meta, bytes)).
    """

    def __init__(self, directory):
        self.directory = directory
        self.images = {}
        self.downloads = []
        self.uploads = {}
        self.fail_uploads = False

    def add_disk(self, size="64M", fmt="qcow2", image_id=None):
        image_id = image_id or str(uuidlib.uuid4())
        path = os.path.join(self.directory, image_id)
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, path, size], check=True)
        self.images[image_id] = {"id": image_id, "path": path, "properties": {}}
        return image_id

    def add_file(self, data, image_id=None):
        image_id = image_id or str(uuidlib.uuid4())
        path = os.path.join(self.directory, image_id)
        with open(path, "wb") as f:
            f.write(data)
        self.images[image_id] = {"id": image_id, "path": path, "properties": {}}
        return image_id

    def download(self, context, image_id, dst_path=None, data=None):
        from nova import exception
        if image_id not in self.images:
            raise exception.ImageNotFound(image_id=image_id)
        self.downloads.append(image_id)
        shutil.copyfile(self.images[image_id]["path"], dst_path)

    def get(self, context, image_id, **kw):
        return {k: v for k, v in self.images[image_id].items() if k != "path"}

    def update(self, context, image_id, image_meta, data=None, purge_props=True):
        if self.fail_uploads:
            raise IOError("the image store is full")
        self.uploads[image_id] = (image_meta, data.read() if data is not None else None)
        return image_meta


def make_instance(instance_id=1, image_ref=None, kernel_id=None, ramdisk_id=None,
                  root_gb=1, ephemeral_gb=0, swap=0, memory_mb=128, vcpus=1):
    flavor = objects.Flavor(id=1, name="m1.tiny", flavorid="1", memory_mb=memory_mb,
                            vcpus=vcpus, root_gb=root_gb, ephemeral_gb=ephemeral_gb,
                            swap=swap, extra_specs={})
    return objects.Instance(
        id=instance_id, uuid=str(uuidlib.uuid4()), display_name="vm%d" % instance_id,
        user_id="u1", project_id="p1", image_ref=image_ref, kernel_id=kernel_id,
        ramdisk_id=ramdisk_id, flavor=flavor, memory_mb=memory_mb, vcpus=vcpus,
        root_gb=root_gb, ephemeral_gb=ephemeral_gb, os_type=None,
        created_at=datetime.datetime(2026, 1, 2, 3, 4, 5), config_drive=None,
        system_metadata={}, metadata={})
