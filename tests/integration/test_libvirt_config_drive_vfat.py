"""A VFAT config drive in a real q35 guest (libvirtd + QEMU, software emulation).

The other config drive path than tests/integration/test_libvirt_guest.py's
(ISO 9660 on an IDE cdrom of a pc machine): ``[DEFAULT] config_drive_format =
vfat`` on a guest whose image asks for the q35 machine, so the drive is a
virtio disk on PCI Express. The test guest (tests/libvirt_guest.py) loads its
virtio and VFAT modules, finds the file system labelled config-2, mounts it
and prints its uuid and first line of user data on the serial console.

Skips when libvirt-python, QEMU, libvirtd or dosfstools/mtools are missing
(fails under CI).
"""

import base64
import os
import shutil
import socket
import tempfile
import time
import uuid as uuidlib

import pytest

from nova import objects
from nova.objects import image_meta as image_meta_obj
from tests import libvirt_guest
from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.integration import test_libvirt_guest as lg  # noqa: E402
from tests.unit.virt.libvirt import fixtures  # noqa: E402

USER_DATA = b"#!/bin/sh vfat config drive user data\n"


@pytest.fixture(scope="module")
def booted():
    guest = lg._require()
    for tool in ("mkfs.vfat", "mcopy"):
        if shutil.which(tool) is None:
            realparts.missing("%s is not installed (dosfstools, mtools)" % tool)
    import nova.conf
    from nova.virt.libvirt import driver as libvirt_driver
    conf = nova.conf.CONF
    workdir = tempfile.mkdtemp(prefix="nova-libvirt-vfat-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    overrides = [("instances_path", os.path.join(workdir, "instances"), None),
                 ("virt_type", "qemu", "libvirt"),
                 ("connection_uri", "qemu:///system", "libvirt"),
                 ("config_drive_format", "vfat", None)]
    for name, value, group in overrides:
        conf.set_override(name, value, group)
    images = fixtures.ImageService(tempfile.mkdtemp(dir=workdir))
    drv = libvirt_driver.LibvirtDriver()
    drv.image_cache.image_api = images
    drv._image_api = images
    drv.init_host(socket.gethostname())
    instance = None
    try:
        if not drv.host.is_available:
            realparts.missing("cannot connect to qemu:///system")
        instance = fixtures.make_instance(
            instance_id=0x7e58, image_ref=images.add_disk("16M"),
            kernel_id=images.add_file(open(guest.kernel, "rb").read()),
            ramdisk_id=images.add_file(open(guest.initrd, "rb").read()),
            memory_mb=256, root_gb=1)
        instance.uuid = str(uuidlib.uuid4())
        instance.update({"hostname": "vfat-test", "launch_index": 0,
                         "availability_zone": "nova", "reservation_id": "r-vfat",
                         "root_device_name": "/dev/vda", "key_name": None,
                         "key_data": None, "config_drive": "True",
                         "user_data": base64.b64encode(USER_DATA).decode()})
        instance.keypairs = objects.KeyPairList(objects=[])
        meta = image_meta_obj.ImageMeta.from_dict(
            {"properties": {"os_command_line": guest.cmdline, "hw_machine_type": "q35"}})
        started = time.monotonic()
        drv.spawn(None, instance, meta, [], None, {}, [])
        yield drv, instance, workdir, started
    finally:
        if instance is not None:
            drv.destroy(None, instance, [])
        drv.cleanup_host(socket.gethostname())
        for name, _value, group in overrides:
            conf.clear_override(name, group)
        shutil.rmtree(workdir, ignore_errors=True)


def test_q35_guest_reads_its_vfat_config_drive(booted):
    drv, instance, workdir, started = booted
    xml = drv.host.get_guest(instance).get_xml()
    assert "q35" in xml.find("os/type").get("machine")
    [drive] = [d for d in xml.findall("devices/disk")
               if d.find("source").get("file").endswith("/disk.config")]
    assert drive.get("device") == "disk"
    assert drive.find("target").get("bus") == "virtio"
    assert drive.find("address").get("type") == "pci"

    def console():
        return drv.get_console_output(None, instance)
    line = libvirt_guest.CONFIG_DRIVE_PREFIX + instance.uuid
    lg._wait(lambda: line in console(), lg.BOOT_TIMEOUT, "the config drive line")
    first = libvirt_guest.USER_DATA_PREFIX + USER_DATA.decode().splitlines()[0]
    lg._wait(lambda: first in console(), 10, "the user data line")
    assert console().index(libvirt_guest.MARKER) < console().index(line)
    print("\nvfat config drive read %.1fs after spawn" % (time.monotonic() - started))


def test_destroy_leaves_nothing(booted):
    drv, instance, workdir, _started = booted
    drv.destroy(None, instance, [])
    assert instance.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(os.path.join(workdir, "instances", instance.uuid))
