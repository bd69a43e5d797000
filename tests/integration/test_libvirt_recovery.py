"""Rebuild, rescue and unrescue of a real guest (libvirtd + QEMU, software emulation).

The test guest (tests/libvirt_guest.py: Debian's kernel and a busybox
initramfs, direct kernel boot) prints a marker on its serial console when it
has booted. Two more "images" are the same initramfs with one more cpio
archive appended whose /init prints another marker (the kernel unpacks the
archives in order, the later /init replaces the first): one the server is
rebuilt with, one it is rescued with. Each step is seen on the console: the
rebuilt image's marker, the rescue image's marker, and the rebuilt image's
marker again after unrescue. The tests of this module share the guest and run
in order.

Skips when libvirt-python, QEMU or a running libvirtd is missing (fails under CI).
"""

import gzip
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid as uuidlib

import pytest

from nova.compute import power_state
from nova.compute import task_states
from nova.objects import image_meta as image_meta_obj
from tests import libvirt_guest
from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.integration import test_libvirt_guest as guest_test  # noqa: E402
from tests.unit.virt.libvirt import fixtures  # noqa: E402

REBUILT_MARKER = "NOVA-TEST-GUEST-REBUILT-IMAGE"
RESCUE_MARKER = "NOVA-TEST-GUEST-RESCUE-IMAGE"
BOOT_TIMEOUT = 90


def _variant_initrd(initrd, marker, target):
    """``initrd`` with one more archive whose /init prints ``marker`` instead."""
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "init"), "w") as f:
            f.write(libvirt_guest.INIT.replace(libvirt_guest.MARKER, marker))
        os.chmod(os.path.join(root, "init"), 0o755)
        archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                                 input=b"init\n", check=True, capture_output=True).stdout
    with open(initrd, "rb") as src, open(target, "wb") as dst:
        dst.write(src.read())
        dst.write(gzip.compress(archive, 9))
    return target


class _Saves:
    def __init__(self):
        self.states = []

    def __call__(self, instance, expected_task_state=None):
        self.states.append(instance.task_state)


class Env:
    def __init__(self, drv, instance, images, guest, workdir):
        self.drv, self.instance, self.images = drv, instance, images
        self.guest, self.workdir = guest, workdir

    def console(self):
        return self.drv.get_console_output(None, self.instance)

    def wait_for(self, marker, count=1):
        end = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < end:
            if self.console().count(marker) >= count:
                return
            time.sleep(0.5)
        raise AssertionError("no %d x %s on the serial console:\n%s"
                             % (count, marker, self.console()[-2000:]))

    def meta(self, image_id):
        return image_meta_obj.ImageMeta.from_dict(self.images.get(None, image_id))


@pytest.fixture(scope="module")
def env():
    guest = guest_test._require()
    if shutil.which("cpio") is None:
        realparts.missing("cpio is not installed")
    import nova.conf
    from nova.virt.libvirt import driver as libvirt_driver
    conf = nova.conf.CONF
    workdir = tempfile.mkdtemp(prefix="nova-libvirt-recovery-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    overrides = [("instances_path", os.path.join(workdir, "instances"), None),
                 ("virt_type", "qemu", "libvirt"),
                 ("connection_uri", "qemu:///system", "libvirt")]
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
        kernel_id = images.add_file(open(guest.kernel, "rb").read())
        ramdisks = {}
        for name, marker in (("rebuilt", REBUILT_MARKER), ("rescue", RESCUE_MARKER)):
            path = _variant_initrd(guest.initrd, marker,
                                   os.path.join(workdir, "initrd-%s.gz" % name))
            ramdisks[name] = images.add_file(open(path, "rb").read())
        ramdisk_id = images.add_file(open(guest.initrd, "rb").read())
        ids = {}
        for name, ramdisk in (("original", ramdisk_id), ("rebuilt", ramdisks["rebuilt"]),
                              ("rescue", ramdisks["rescue"])):
            ids[name] = images.add_disk("16M")
            images.images[ids[name]]["properties"] = {
                "kernel_id": kernel_id, "ramdisk_id": ramdisk,
                "os_command_line": guest.cmdline}
        instance = fixtures.make_instance(instance_id=0x7e59, image_ref=ids["original"],
                                          kernel_id=kernel_id, ramdisk_id=ramdisk_id,
                                          memory_mb=256, root_gb=1)
        instance.uuid = str(uuidlib.uuid4())
        e = Env(drv, instance, images, guest, workdir)
        e.ids = ids
        started = time.monotonic()
        drv.spawn(None, instance, e.meta(ids["original"]), [], None, {}, [])
        e.wait_for(guest.marker)
        e.timings = {"spawn": time.monotonic() - started}
        yield e
        print("\nlibvirt (real guest, to its serial marker): " + ", ".join(
            "%s %.1f s" % item for item in e.timings.items()))
    finally:
        if instance is not None:
            drv.destroy(None, instance, [])
        drv.cleanup_host(socket.gethostname())
        for name, _value, group in overrides:
            conf.clear_override(name, group)
        shutil.rmtree(workdir, ignore_errors=True)


def test_rebuild_boots_the_new_image_in_the_same_domain(env):
    domain = env.drv.host.get_guest(env.instance)
    uuid, name = domain.uuid, domain.name
    saves = _Saves()
    instance = env.instance
    object.__setattr__(instance, "save", lambda **kw: saves(instance, **kw))
    instance.task_state = task_states.REBUILDING
    instance.image_ref = env.ids["rebuilt"]
    props = env.images.images[env.ids["rebuilt"]]["properties"]
    instance.kernel_id, instance.ramdisk_id = props["kernel_id"], props["ramdisk_id"]
    started = time.monotonic()
    env.drv.rebuild(None, instance, env.meta(env.ids["rebuilt"]), [], None, {}, None,
                    None, None, network_info=[])
    env.wait_for(REBUILT_MARKER)
    env.timings["rebuild"] = time.monotonic() - started
    assert saves.states == [task_states.REBUILD_BLOCK_DEVICE_MAPPING,
                            task_states.REBUILD_SPAWNING]
    rebuilt = env.drv.host.get_guest(env.instance)
    assert (rebuilt.uuid, rebuilt.name) == (uuid, name)
    assert env.guest.marker not in env.console()  # a new disk set, a new log
    assert env.drv.get_info(env.instance).state == power_state.RUNNING


def test_rescue_boots_the_rescue_image_with_the_root_disk_attached(env):
    started = time.monotonic()
    env.drv.rescue(None, env.instance, [], env.meta(env.ids["rescue"]), "pw")
    env.wait_for(RESCUE_MARKER)
    env.timings["rescue"] = time.monotonic() - started
    disks = {target: source for target, source, _fmt in
             env.drv.host.get_guest(env.instance).get_disks()}
    directory = os.path.join(env.workdir, "instances", env.instance.uuid)
    assert disks["vda"] == os.path.join(directory, "disk.rescue")
    assert disks["vdb"] == os.path.join(directory, "disk")


def test_unrescue_boots_the_servers_own_image_again(env):
    before = env.console().count(REBUILT_MARKER)
    started = time.monotonic()
    env.drv.unrescue(None, env.instance)
    env.wait_for(REBUILT_MARKER, before + 1)
    env.timings["unrescue"] = time.monotonic() - started
    directory = os.path.join(env.workdir, "instances", env.instance.uuid)
    assert not os.path.exists(os.path.join(directory, "disk.rescue"))
    disks = [target for target, _s, _f in env.drv.host.get_guest(env.instance).get_disks()]
    assert disks == ["vda"]  # the root disk alone again, where it was
