"""The libvirt driver with a real libvirtd and QEMU (software emulation).

One test guest (Debian's kernel + a busybox initramfs, tests/libvirt_guest.py)
is booted by LibvirtDriver.spawn with direct kernel boot, a qcow2 root disk
on a cached base, a bridged (tagged) NIC, a config drive and a VNC console,
then driven through every operation; afterwards no domain, disk or tap device
is left. The guest mounts its config drive and prints its uuid and the first
line of its user data on the serial console. The tests of this module share
the guest and run in order.

Skips when libvirt-python, QEMU or a running libvirtd is missing (fails under CI).
"""

import base64
import json
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
from nova.network import model as network_model
from nova.objects import image_meta as image_meta_obj
from tests import libvirt_guest
from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.unit.virt.libvirt import fixtures  # noqa: E402

# Software emulation on a loaded two-core machine.
pytestmark = pytest.mark.timeout(900)

BRIDGE = "brnovatest"
BOOT_TIMEOUT = 90
USER_DATA = b"#!/bin/sh first line of the integration test's user data\necho second\n"
NIC_TAG = "integration-nic"


def _require():
    if shutil.which("qemu-system-x86_64") is None:
        realparts.missing("qemu-system-x86 is not installed")
    if shutil.which("qemu-img") is None:
        realparts.missing("qemu-utils is not installed")
    if not os.path.exists("/run/libvirtd.pid") and \
            not os.path.exists("/var/run/libvirt/libvirt-sock"):
        realparts.missing("libvirtd is not running (start it with `libvirtd -d`)")
    if os.geteuid() != 0:
        realparts.missing("the libvirt integration test runs as root (qemu:///system)")
    try:
        return libvirt_guest.build()
    except libvirt_guest.GuestUnavailable as exc:
        realparts.missing("cannot build the test guest: %s" % exc)


def _wait(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


PATTERN = b"NOVA-ROOT-DISK-PATTERN"
PATTERN_OFFSET = 1024 * 1024


def _patterned_disk(workdir):
    """A 16 MiB qcow2 whose data holds PATTERN at 1 MiB (snapshots must keep it)."""
    raw = os.path.join(workdir, "root.raw")
    with open(raw, "wb") as f:
        f.truncate(16 * 1024 * 1024)
        f.seek(PATTERN_OFFSET)
        f.write(PATTERN)
    qcow2 = raw + ".qcow2"
    subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2],
                   check=True)
    with open(qcow2, "rb") as f:
        return f.read()


class Env:
    def __init__(self, drv, instance, images, vif, workdir, guest):
        self.drv, self.instance, self.images = drv, instance, images
        self.vif, self.workdir, self.guest = vif, workdir, guest

    def console(self):
        return self.drv.get_console_output(None, self.instance)

    def markers(self):
        return self.console().count(self.guest.marker)

    def wait_for_markers(self, count, timeout=BOOT_TIMEOUT):
        _wait(lambda: self.markers() >= count, timeout,
              "%d boot markers on the serial log" % count)

    def state(self):
        return self.drv.get_info(self.instance).state


@pytest.fixture(scope="module")
def env():
    guest = _require()
    # Its domain, bridge, tap and files are named for this module alone: other
    # modules' guests may run beside it on the machine's libvirtd (restarts are
    # tested on a private libvirtd, tests/integration/test_libvirt_reconnect.py).
    yield from _env(guest)


def _env(guest):
    import nova.conf
    from nova.virt.libvirt import driver as libvirt_driver
    conf = nova.conf.CONF
    # Under /var/tmp, readable by the QEMU user (pytest's tmp dirs are 0700).
    workdir = tempfile.mkdtemp(prefix="nova-libvirt-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    overrides = [("instances_path", os.path.join(workdir, "instances"), None),
                 ("virt_type", "qemu", "libvirt"),
                 ("connection_uri", "qemu:///system", "libvirt"),
                 ("reboot_timeout", 60, None)]
    for name, value, group in overrides:
        conf.set_override(name, value, group)
    images = fixtures.ImageService(tempfile.mkdtemp(dir=workdir))
    started = time.monotonic()
    drv = libvirt_driver.LibvirtDriver()
    drv.image_cache.image_api = images
    drv._image_api = images
    drv.init_host(socket.gethostname())
    if not drv.host.is_available:
        shutil.rmtree(workdir, ignore_errors=True)
        realparts.missing("cannot connect to qemu:///system")
    connect_s = time.monotonic() - started

    kernel_id = images.add_file(open(guest.kernel, "rb").read())
    ramdisk_id = images.add_file(open(guest.initrd, "rb").read())
    root_id = images.add_file(_patterned_disk(workdir))
    instance = fixtures.make_instance(instance_id=0x7e57, image_ref=root_id,
                                      kernel_id=kernel_id, ramdisk_id=ramdisk_id,
                                      memory_mb=256, root_gb=1, ephemeral_gb=0)
    instance.uuid = str(uuidlib.uuid4())
    # What the compute manager's instance carries for its metadata.
    instance.update({"hostname": "libvirt-test", "launch_index": 0,
                     "availability_zone": "nova", "reservation_id": "r-test",
                     "root_device_name": "/dev/vda", "key_name": None, "key_data": None,
                     "config_drive": "True",
                     "user_data": base64.b64encode(USER_DATA).decode()})
    from nova import objects
    instance.keypairs = objects.KeyPairList(objects=[])
    vif = network_model.VIF(id=str(uuidlib.uuid4()), address="fa:16:3e:7e:57:01",
                            type=network_model.VIF_TYPE_BRIDGE,
                            devname="tapnovatest0",
                            network=network_model.Network(id="net", bridge=BRIDGE,
                                                          meta={}))
    vif["tag"] = NIC_TAG
    meta = image_meta_obj.ImageMeta.from_dict(
        {"properties": {"os_command_line": guest.cmdline}})
    try:
        started = time.monotonic()
        drv.spawn(None, instance, meta, [], None, {}, network_model.NetworkInfo([vif]))
        spawn_s = time.monotonic() - started
        e = Env(drv, instance, images, vif, workdir, guest)
        e.wait_for_markers(1)
        print("\nlibvirt: first connection %.1fs, spawn %.1fs, serial marker after %.1fs"
              % (connect_s, spawn_s, time.monotonic() - started))
        yield e
    finally:
        # Whatever happened, no domain, tap, bridge or file is left for the next run.
        drv.destroy(None, instance, network_model.NetworkInfo([vif]))
        drv.cleanup_host(socket.gethostname())
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)
        for name, _value, group in overrides:
            conf.clear_override(name, group)
        shutil.rmtree(workdir, ignore_errors=True)


def test_spawned_guest_boots_to_its_marker_with_vnc_and_a_bridged_tap(env):
    assert env.state() == power_state.RUNNING
    assert env.guest.marker in env.console()
    console = env.drv.get_vnc_console(None, env.instance)
    with socket.create_connection(("127.0.0.1", console.port), timeout=10) as s:
        assert s.recv(12) == b"RFB 003.008\n"
    assert os.path.exists("/sys/class/net/%s/brif/tapnovatest0" % BRIDGE)
    diags = env.drv.get_instance_diagnostics(env.instance).to_dict()
    legacy = env.drv.get_diagnostics(env.instance)
    assert legacy["cpu0_time"] > 0 and legacy["tapnovatest0_rx_packets"] >= 0
    assert diags["state"] == "running" and diags["hypervisor"] == "qemu"
    assert diags["num_nics"] == 1 and diags["nic_details"][0]["mac_address"] == \
        "fa:16:3e:7e:57:01"
    assert diags["memory_details"]["maximum"] == 256
    assert diags["uptime"] is not None and diags["uptime"] >= 0
    assert "load average" in env.drv.get_host_uptime()


def test_the_guest_reads_its_config_drive(env):
    prefix = libvirt_guest.CONFIG_DRIVE_PREFIX
    _wait(lambda: prefix in env.console(), 120, "the config drive line on the console")
    # The serial port also carries a shell (the serial console tests type into
    # it), whose prompt may share the line.
    lines = env.console().splitlines()
    assert any(line.strip().endswith("%s%s" % (prefix, env.instance.uuid))
               for line in lines), lines
    first = USER_DATA.decode().splitlines()[0]
    _wait(lambda: libvirt_guest.USER_DATA_PREFIX + first in env.console(), 10,
          "the user data line on the console")
    print("\n" + "\n".join(line for line in env.console().splitlines()
                           if line.startswith((env.guest.marker, "CONFIG-DRIVE",
                                               "USER-DATA"))))
    # A cdrom on the IDE bus of the default (pc) machine, read-only.
    xml = env.drv.host.get_guest(env.instance).get_xml()
    [cdrom] = [d for d in xml.findall("devices/disk") if d.get("device") == "cdrom"]
    assert cdrom.find("target").get("bus") == "ide"
    assert cdrom.find("source").get("file").endswith("/disk.config")


def test_tagged_nic_has_the_pci_address_libvirt_assigned(env, tmp_path):
    from nova.virt import configdrive
    from nova.virt.libvirt import configdrive as lv_configdrive
    xml = env.drv.host.get_guest(env.instance).get_xml()
    [iface] = xml.findall("devices/interface")
    addr = iface.find("address")
    expected = "%04x:%02x:%02x.%x" % tuple(int(addr.get(k), 16) for k in
                                           ("domain", "bus", "slot", "function"))
    nic = {"type": "nic", "bus": "pci", "address": expected,
           "mac": "fa:16:3e:7e:57:01", "tags": [NIC_TAG]}
    assert env.instance.device_metadata == [nic]
    configdrive.read_iso9660(lv_configdrive.path(env.instance), str(tmp_path))
    md = json.loads((tmp_path / "openstack" / "latest" / "meta_data.json").read_text())
    assert md["devices"] == [nic]


def _pci(iface):
    addr = iface.find("address")
    return "%04x:%02x:%02x.%x" % tuple(int(addr.get(k), 16) for k in
                                       ("domain", "bus", "slot", "function"))


def test_a_nic_hot_plugged_with_a_tag_is_described_and_forgotten_on_detach(env):
    """Attaching a tagged interface to the running guest records it with the
    PCI address libvirt gave it (beside the boot NIC); detaching it drops it."""
    from nova import objects
    # The compute manager's instance holds its info cache, the new VIF in it.
    env.instance.info_cache = objects.InstanceInfoCache(
        instance_uuid=env.instance.uuid, network_info=network_model.NetworkInfo([env.vif]))
    hot = network_model.VIF(id=str(uuidlib.uuid4()), address="fa:16:3e:7e:57:02",
                            type=network_model.VIF_TYPE_BRIDGE, devname="tapnovatest1",
                            network=network_model.Network(id="net", bridge=BRIDGE, meta={}),
                            tag="hot-nic")
    meta = image_meta_obj.ImageMeta.from_dict({"properties": {}})
    boot_nic = list(env.instance.device_metadata)
    try:
        env.drv.attach_interface(None, env.instance, meta, hot)
        ifaces = {i.find("mac").get("address"): i for i in
                  env.drv.host.get_guest(env.instance).get_xml().findall("devices/interface")}
        assert env.instance.device_metadata == boot_nic + [{
            "type": "nic", "bus": "pci", "address": _pci(ifaces[hot["address"]]),
            "mac": hot["address"], "tags": ["hot-nic"]}]
    finally:
        env.drv.detach_interface(None, env.instance, hot)
    assert env.instance.device_metadata == boot_nic
    assert env.state() == power_state.RUNNING


def test_soft_reboot_is_clean_and_hard_reboot_boots_again(env):
    before = env.markers()
    buttons = env.console().count(env.guest.power_button)
    started = time.monotonic()
    # The guest's acpid powers it off on the ACPI button; the driver starts it again.
    env.drv.reboot(None, env.instance, [env.vif], "SOFT")
    assert time.monotonic() - started < 60          # no fall back to a hard reboot
    assert env.console().count(env.guest.power_button) == buttons + 1
    env.wait_for_markers(before + 1)
    env.drv.reboot(None, env.instance, [env.vif], "HARD")
    env.wait_for_markers(before + 2)
    assert env.console().count(env.guest.power_button) == buttons + 1
    assert env.state() == power_state.RUNNING


def test_stop_start_pause_suspend_resume(env):
    buttons = env.console().count(env.guest.power_button)
    env.drv.power_off(env.instance, timeout=60, retry_interval=5)
    assert env.state() == power_state.SHUTDOWN
    assert env.console().count(env.guest.power_button) == buttons + 1   # clean
    before = env.markers()
    env.drv.power_on(None, env.instance, [env.vif])
    env.wait_for_markers(before + 1)

    env.drv.pause(env.instance)
    assert env.state() == power_state.PAUSED
    env.drv.unpause(env.instance)
    assert env.state() == power_state.RUNNING

    env.drv.suspend(None, env.instance)
    assert env.state() == power_state.SUSPENDED
    env.drv.resume(None, env.instance, [env.vif])
    assert env.state() == power_state.RUNNING
    # Resumed, not rebooted: heartbeats continue and no new boot marker.
    lines = len(env.console().splitlines())
    _wait(lambda: len(env.console().splitlines()) > lines, 30, "a heartbeat after resume")
    assert env.markers() == before + 1
    env.drv.trigger_crash_dump(env.instance)


def _heartbeats(env):
    return env.console().count("heartbeat")


def test_live_snapshot_keeps_the_guest_running_and_uploads_a_valid_disk(env, tmp_path):
    events = []
    env.drv.register_event_listener(events.append)
    guest = env.drv.host.get_guest(env.instance)
    domain_id, markers, beats = guest.id, env.markers(), _heartbeats(env)
    snapshot_id = env.images.add_file(b"")
    states = []
    started = time.monotonic()
    env.drv.snapshot(None, env.instance, snapshot_id,
                     lambda task_state, expected_state=None: states.append(task_state))
    print("\nlive snapshot took %.1fs" % (time.monotonic() - started))
    assert states == [task_states.IMAGE_PENDING_UPLOAD, task_states.IMAGE_UPLOADING]
    # Live: the same run of the domain, never saved, stopped or rebooted, and
    # its serial heartbeat goes on.
    guest = env.drv.host.get_guest(env.instance)
    assert guest.id == domain_id and env.state() == power_state.RUNNING
    assert not guest.has_managed_save()
    assert not [e for e in events if e.uuid == env.instance.uuid]
    _wait(lambda: _heartbeats(env) > beats, 30, "a heartbeat after the snapshot")
    assert env.markers() == markers
    assert guest.domain.blockJobInfo("vda", 0) == {}      # no mirror left behind

    meta, data = env.images.uploads[snapshot_id]
    assert meta["disk_format"] == "qcow2"
    assert meta["properties"]["kernel_id"] == env.instance.kernel_id
    out = tmp_path / "snap.qcow2"
    out.write_bytes(data)
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(out)],
                                     check=True, capture_output=True, text=True).stdout)
    assert info["format"] == "qcow2" and info["virtual-size"] == 1024 ** 3
    assert "backing-filename" not in info                 # standalone
    subprocess.run(["qemu-img", "check", "-q", str(out)], check=True)
    raw = tmp_path / "snap.raw"
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(out), str(raw)],
                   check=True)
    with open(raw, "rb") as f:
        f.seek(PATTERN_OFFSET)
        assert f.read(len(PATTERN)) == PATTERN            # the base's data is in it
    assert os.listdir(os.path.join(env.workdir, "instances", "snapshots")) == []


def test_a_failed_snapshot_upload_leaves_the_guest_running_and_no_files(env):
    guest = env.drv.host.get_guest(env.instance)
    domain_id = guest.id
    snapshot_id = env.images.add_file(b"")
    env.images.fail_uploads = True
    try:
        with pytest.raises(Exception, match="the image store is full"):
            env.drv.snapshot(None, env.instance, snapshot_id, lambda **kw: None)
    finally:
        env.images.fail_uploads = False
    assert snapshot_id not in env.images.uploads
    assert env.drv.host.get_guest(env.instance).id == domain_id
    assert env.state() == power_state.RUNNING
    assert guest.domain.blockJobInfo("vda", 0) == {}
    assert os.listdir(os.path.join(env.workdir, "instances", "snapshots")) == []


def test_destroy_leaves_no_domain_disk_or_tap(env):
    directory = os.path.join(env.workdir, "instances", env.instance.uuid)
    assert os.path.exists(os.path.join(directory, "disk"))
    env.drv.destroy(None, env.instance, [env.vif])
    conn = env.drv.host.get_connection()
    assert env.instance.uuid not in [d.UUIDString() for d in conn.listAllDomains(0)]
    assert not os.path.exists(directory)
    assert not os.path.exists("/sys/class/net/tapnovatest0")
    env.drv.destroy(None, env.instance, [env.vif])     # again: nothing to do
    # The base image is no longer used by any disk: the cache manager removes it.
    import nova.conf
    nova.conf.CONF.set_override("remove_unused_original_minimum_age_seconds", 0,
                                "image_cache")
    try:
        removed = env.drv.manage_image_cache(None)
    finally:
        nova.conf.CONF.clear_override("remove_unused_original_minimum_age_seconds",
                                      "image_cache")
    assert env.drv.image_cache.path(env.instance.image_ref) in removed
