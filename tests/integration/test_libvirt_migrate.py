"""Resize, cold and live migration of a real guest between two libvirt hosts on
this machine.

Two private libvirtd daemons (tests/libvirtd_namespaced.py: own namespaces,
host names and host UUIDs, listening on 127.0.0.2 and 127.0.0.3) play two
compute hosts; each has its own LibvirtDriver and its own ``[DEFAULT]
instances_path`` (the test switches the option around each host's calls, as
two nova-compute processes would each have theirs). One test guest (a Debian
kernel and a busybox initramfs that prints a marker on its serial port, with
a config drive) is spawned on host A and moved around by the driver methods
in the order the compute manager calls them. The tests share the guest and
run in order.

Skips when root, QEMU, libvirtd, unshare or the test guest is missing (fails
under CI).
"""

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from xml.etree import ElementTree

import pytest

from nova.compute import power_state
from nova.objects import image_meta as image_meta_obj
from tests import libvirt_guest
from tests import libvirtd_namespaced
from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

from tests.unit.virt.libvirt import fixtures  # noqa: E402

pytestmark = pytest.mark.timeout(900)

BOOT_TIMEOUT = 120
USER_DATA = b"#!/bin/sh moved around\n"


def _wait(predicate, timeout, what, interval=0.5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def _require():
    for tool, package in (("qemu-img", "qemu-utils"),):
        if shutil.which(tool) is None:
            realparts.missing("%s is not installed" % package)
    try:
        libvirtd_namespaced.check()
    except libvirtd_namespaced.Unavailable as exc:
        realparts.missing(str(exc))
    try:
        return libvirt_guest.build()
    except libvirt_guest.GuestUnavailable as exc:
        realparts.missing("cannot build the test guest: %s" % exc)


class Host:
    """One compute host: its libvirtd, driver, instances path and address."""

    def __init__(self, name, daemon, instances_path, images):
        from nova.virt.libvirt import driver as libvirt_driver
        self.name, self.daemon = name, daemon
        self.instances_path = instances_path
        self.addr = daemon.addr
        with self.active():
            self.drv = libvirt_driver.LibvirtDriver(uri=daemon.uri)
            self.drv.image_cache.image_api = images
            self.drv._image_api = images
            self.drv.init_host(name)

    @contextlib.contextmanager
    def active(self):
        """This host's options around a call (what its nova.conf would say)."""
        import nova.conf
        conf = nova.conf.CONF
        conf.set_override("instances_path", self.instances_path)
        conf.set_override("live_migration_inbound_addr", self.addr, "libvirt")
        try:
            yield self.drv if hasattr(self, "drv") else None
        finally:
            conf.clear_override("instances_path")
            conf.clear_override("live_migration_inbound_addr", "libvirt")

    def domains(self):
        conn = self.drv.host.get_connection()
        return {d.UUIDString(): d for d in conn.listAllDomains(0)}

    def instance_dir(self, instance):
        return os.path.join(self.instances_path, instance.uuid)

    def console(self, instance):
        path = os.path.join(self.instance_dir(instance), "console.log")
        if not os.path.exists(path):
            return ""
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def xml(self, instance):
        return ElementTree.fromstring(self.domains()[instance.uuid].XMLDesc(0))


class Migration:
    """What the driver reads of nova.objects.Migration."""

    def __init__(self, source, dest):
        self.source_compute = self.source_node = source
        self.dest_compute = self.dest_node = dest


class Env:
    def __init__(self, a, b, instance, guest, image_meta):
        self.a, self.b, self.instance = a, b, instance
        self.guest, self.image_meta = guest, image_meta
        self.where = a

    def markers(self, host=None):
        return (host or self.where).console(self.instance).count(self.guest.marker)

    def wait_for_markers(self, count, host=None, timeout=BOOT_TIMEOUT):
        _wait(lambda: self.markers(host) >= count, timeout,
              "%d boot markers on %s's serial log" % (count, (host or self.where).name))

    def heartbeats(self, host=None):
        return (host or self.where).console(self.instance).count("heartbeat")


@pytest.fixture(scope="module")
def env():
    guest = _require()
    import nova.conf
    conf = nova.conf.CONF
    workdir = tempfile.mkdtemp(prefix="nova-lvmig-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    daemons = []
    port = libvirtd_namespaced.free_port(("127.0.0.2", "127.0.0.3"))
    overrides = [("virt_type", "qemu", "libvirt"),
                 # One setting for both hosts, as in a real deployment (the
                 # daemons listen on the same port of their own addresses).
                 ("live_migration_uri", "qemu+tcp://%%s:%d/system" % port, "libvirt"),
                 ("enabled", False, "vnc"), ("reboot_timeout", 60, None)]
    for name, value, group in overrides:
        conf.set_override(name, value, group)
    instance = None
    hosts = []
    try:
        for name, addr in (("lvhosta", "127.0.0.2"), ("lvhostb", "127.0.0.3")):
            daemon = libvirtd_namespaced.NamespacedLibvirtd(name, addr, port)
            daemons.append(daemon)
            try:
                daemon.start()
            except libvirtd_namespaced.Unavailable as exc:
                realparts.missing(str(exc))
        images = fixtures.ImageService(tempfile.mkdtemp(dir=workdir))
        a = Host("lvhosta", daemons[0], os.path.join(workdir, "a"), images)
        b = Host("lvhostb", daemons[1], os.path.join(workdir, "b"), images)
        hosts = [a, b]
        kernel_id = images.add_file(open(guest.kernel, "rb").read())
        ramdisk_id = images.add_file(open(guest.initrd, "rb").read())
        root_id = images.add_disk(size="16M")
        instance = fixtures.make_instance(instance_id=0x3161, image_ref=root_id,
                                          kernel_id=kernel_id, ramdisk_id=ramdisk_id,
                                          memory_mb=128, root_gb=1)
        instance.update({"hostname": "moving", "launch_index": 0,
                         "availability_zone": "nova", "reservation_id": "r-move",
                         "root_device_name": "/dev/vda", "key_name": None,
                         "key_data": None, "config_drive": "True",
                         "user_data": base64.b64encode(USER_DATA).decode()})
        from nova import objects
        instance.keypairs = objects.KeyPairList(objects=[])
        meta = image_meta_obj.ImageMeta.from_dict(
            {"properties": {"os_command_line": guest.cmdline}})
        e = Env(a, b, instance, guest, meta)
        started = time.monotonic()
        with a.active():
            a.drv.spawn(None, instance, meta, [], None, {}, [])
        e.wait_for_markers(1)
        print("\nguest booted on host A in %.1fs" % (time.monotonic() - started))
        yield e
    finally:
        for host in hosts:
            with host.active():
                try:
                    host.drv.destroy(None, instance, [])
                except Exception as exc:        # reported, clean-up goes on
                    print("destroy on %s: %s" % (host.name, exc))
                host.drv.cleanup_host(host.name)
        for daemon in daemons:
            daemon.cleanup()
        for name, _value, group in overrides:
            conf.clear_override(name, group)
        shutil.rmtree(workdir, ignore_errors=True)


def _virtual_size(path):
    return json.loads(subprocess.run(
        ["qemu-img", "info", "-U", "--output=json", path], check=True,
        capture_output=True, text=True).stdout)["virtual-size"]


def _flavor(name, vcpus, memory_mb, root_gb):
    from nova import objects
    return objects.Flavor(id=7, name=name, flavorid=name, memory_mb=memory_mb,
                          vcpus=vcpus, root_gb=root_gb, ephemeral_gb=0, swap=0,
                          extra_specs={})


def _cold_move(env, src, dst, flavor):
    """migrate_disk_and_power_off on ``src``, finish_migration on ``dst``."""
    old = env.instance.flavor
    with src.active():
        disk_info = src.drv.migrate_disk_and_power_off(None, env.instance, dst.addr,
                                                       flavor, [], timeout=30,
                                                       retry_interval=5)
    json.dumps(disk_info)
    env.instance.flavor = flavor
    with dst.active():
        dst.drv.finish_migration(None, Migration(src.name, dst.name), env.instance,
                                 disk_info, [], env.image_meta,
                                 flavor.flavorid != old.flavorid, {})
    env.where = dst
    return old


def test_resize_while_cold_migrating_to_another_host_then_revert(env):
    a, b, instance = env.a, env.b, env.instance
    markers = env.markers(a)
    started = time.monotonic()
    old = _cold_move(env, a, b, _flavor("m1.moved", 2, 192, 2))
    # On B: the new flavor's vCPUs and memory, the disk grown, booted again
    # from the copied files (the console log came along, one more marker).
    xml = b.xml(instance)
    assert xml.findtext("vcpu") == "2"
    assert int(xml.findtext("memory")) == 192 * 1024
    disk = os.path.join(b.instance_dir(instance), "disk")
    assert [d.find("source").get("file") for d in xml.findall("devices/disk")] == [
        disk, os.path.join(b.instance_dir(instance), "disk.config")]
    assert _virtual_size(disk) == 2 * 1024 ** 3
    env.wait_for_markers(markers + 1, b)
    print("\ncold migration A->B with resize: marker again after %.1fs"
          % (time.monotonic() - started))
    # A kept its files and its stopped definition for a revert.
    assert os.path.isdir(a.instance_dir(instance) + "_resize")
    assert not a.domains()[instance.uuid].isActive()

    # Revert: the manager destroys the guest on B, then A brings it back.
    with b.active():
        b.drv.destroy(None, instance, [])
    instance.flavor = old
    with a.active():
        a.drv.finish_revert_migration(None, instance, [], Migration(a.name, b.name))
    env.where = a
    xml = a.xml(instance)
    assert xml.findtext("vcpu") == "1" and int(xml.findtext("memory")) == 128 * 1024
    assert _virtual_size(os.path.join(a.instance_dir(instance), "disk")) == 1024 ** 3
    env.wait_for_markers(markers + 1, a)
    assert instance.uuid not in b.domains()
    assert not os.path.exists(b.instance_dir(instance))
    assert not os.path.exists(a.instance_dir(instance) + "_resize")


def test_cold_migration_confirmed_leaves_nothing_on_the_source(env):
    a, b, instance = env.a, env.b, env.instance
    markers = env.markers(a)
    _cold_move(env, a, b, instance.flavor)
    env.wait_for_markers(markers + 1, b)
    assert b.domains()[instance.uuid].isActive()
    with a.active():
        a.drv.confirm_migration(None, Migration(a.name, b.name), instance, [])
    assert instance.uuid not in a.domains()
    assert not os.path.exists(a.instance_dir(instance) + "_resize")
    assert not os.path.exists(a.instance_dir(instance))
    # The guest reads its config drive on B too.
    _wait(lambda: libvirt_guest.CONFIG_DRIVE_PREFIX + instance.uuid in b.console(instance),
          BOOT_TIMEOUT, "the config drive line on B")


def _live_checks(env, src, dst, block_migration="auto"):
    instance = env.instance
    with dst.active():
        dest_check = dst.drv.check_can_live_migrate_destination(
            None, instance, {}, {}, block_migration=block_migration)
    try:
        with src.active():
            data = src.drv.check_can_live_migrate_source(None, instance, dest_check)
    finally:
        with dst.active():
            dst.drv.cleanup_live_migration_destination_check(None, dest_check)
    with dst.active():
        data = dst.drv.pre_live_migration(None, instance, None, [], None, data)
    return data


def _live_migrate(env, src, dst, data, during=None):
    """live_migration on ``src``; which callback ran, and its migrate_data."""
    calls = []
    progress = []
    data["progress_callback"] = progress.append
    if during is not None:
        threading.Thread(target=during, daemon=True).start()
    with src.active():
        src.drv.live_migration(
            None, env.instance, dst.name,
            lambda ctx, inst, dest, block, md: calls.append(("post", md)),
            lambda ctx, inst, dest, md: calls.append(("recover", md)),
            block_migration=data["block_migration"], migrate_data=data)
    assert len(calls) == 1
    return calls[0][0], calls[0][1], progress


def test_block_live_migration_keeps_the_guest_running(env):
    src, dst, instance = env.b, env.a, env.instance      # from B back to A
    data = _live_checks(env, src, dst)
    assert data["block_migration"] is True and data["is_shared_instance_path"] is False
    assert data["target_connect_addr"] == dst.addr
    # The config drive was copied ahead (a read-only cdrom is not block-migrated).
    assert os.path.exists(os.path.join(dst.instance_dir(instance), "disk.config"))
    markers, beats = env.markers(src), env.heartbeats(src)
    _wait(lambda: env.heartbeats(src) > beats, 60, "a heartbeat before the migration")
    # Data the guest's disk holds only at the source (written through QEMU):
    # the block migration must carry it.
    import libvirt_qemu
    out = libvirt_qemu.qemuMonitorCommand(
        src.domains()[instance.uuid],
        'qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend '
        '"write -P 0x5a 4M 64k"', libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
    assert "rror" not in out, out
    started = time.monotonic()
    outcome, md, progress = _live_migrate(env, src, dst, data)
    took = time.monotonic() - started
    assert outcome == "post", md.get("error")
    print("\nblock live migration B->A took %.1fs; progress readings: %d, last %s"
          % (took, len(progress), md["progress"]))
    with src.active():
        src.drv.post_live_migration(None, instance, None, md)
        src.drv.post_live_migration_at_source(None, instance, [])
    with dst.active():
        dst.drv.post_live_migration_at_destination(None, instance, [], True)
    env.where = dst
    # The record's figures are libvirt's statistics of the completed job,
    # even when the memory phase was shorter than one progress poll.
    assert md["progress"]["memory_total"] > 0
    assert md["progress"]["memory_remaining"] == 0
    assert md["progress"]["disk_total"] > 0 and md["progress"]["disk_remaining"] == 0
    # The same run of the guest, now on A: no new boot, heartbeats go on there.
    assert instance.uuid not in src.domains()
    assert not os.path.exists(src.instance_dir(instance))
    dom = dst.domains()[instance.uuid]
    assert dom.isActive() and dom.isPersistent()
    xml = dst.xml(instance)
    assert xml.find("devices/disk/source").get("file") == \
        os.path.join(dst.instance_dir(instance), "disk")
    read = subprocess.run(["qemu-io", "-U", "-r", "-f", "qcow2", "-c",
                           "read -P 0x5a 4M 64k",
                           os.path.join(dst.instance_dir(instance), "disk")],
                          capture_output=True, text=True)
    assert read.returncode == 0 and "read 65536/65536" in read.stdout, read
    assert "verification failed" not in read.stdout + read.stderr
    beats = env.heartbeats(dst)
    _wait(lambda: env.heartbeats(dst) > beats, 60, "a heartbeat on A after the migration")
    assert env.markers(dst) == markers      # its log came along; no new boot
    with dst.active():
        assert dst.drv.get_info(instance).state == power_state.RUNNING


def test_aborted_live_migration_leaves_the_guest_where_it_was(env):
    import nova.conf
    conf = nova.conf.CONF
    src, dst, instance = env.a, env.b, env.instance   # now A -> B
    data = _live_checks(env, src, dst)
    conf.set_override("live_migration_bandwidth", 1, "libvirt")     # 1 MiB/s: slow

    def abort_when_running():
        def running():
            try:
                src.drv.active_migrations.get(instance.uuid)
                return src.drv.live_migration_progress(instance)["memory_total"] > 0
            except Exception:
                return False
        _wait(running, 60, "the migration job", 0.2)
        src.drv.live_migration_abort(instance)

    try:
        outcome, md, _progress = _live_migrate(env, src, dst, data,
                                               during=abort_when_running)
    finally:
        conf.clear_override("live_migration_bandwidth", "libvirt")
    assert outcome == "recover" and md["aborted"] is True
    with dst.active():
        dst.drv.rollback_live_migration_at_destination(None, instance, [], None,
                                                       destroy_disks=True,
                                                       migrate_data=md)
    assert instance.uuid not in dst.domains()
    assert not os.path.exists(dst.instance_dir(instance))
    with src.active():
        assert src.drv.get_info(instance).state == power_state.RUNNING
    beats = env.heartbeats(src)
    _wait(lambda: env.heartbeats(src) > beats, 60, "a heartbeat after the abort")


def test_force_completed_live_migration_finishes(env):
    import nova.conf
    conf = nova.conf.CONF
    src, dst, instance = env.a, env.b, env.instance
    data = _live_checks(env, src, dst)
    conf.set_override("live_migration_bandwidth", 1, "libvirt")
    conf.set_override("live_migration_permit_post_copy", True, "libvirt")

    def force_when_running():
        def running():
            try:
                return src.drv.live_migration_progress(instance)["memory_total"] > 0
            except Exception:
                return False
        _wait(running, 60, "the migration job", 0.2)
        src.drv.live_migration_force_complete(instance)

    try:
        started = time.monotonic()
        outcome, md, _progress = _live_migrate(env, src, dst, data,
                                               during=force_when_running)
    finally:
        conf.clear_override("live_migration_bandwidth", "libvirt")
        conf.clear_override("live_migration_permit_post_copy", "libvirt")
    assert outcome == "post", md.get("error")
    print("\nforce-completed (post-copy) live migration took %.1fs"
          % (time.monotonic() - started))
    with src.active():
        src.drv.post_live_migration(None, instance, None, md)
        src.drv.post_live_migration_at_source(None, instance, [])
    with dst.active():
        dst.drv.post_live_migration_at_destination(None, instance, [], True)
        assert dst.drv.get_info(instance).state == power_state.RUNNING
    env.where = dst
    assert instance.uuid not in src.domains()
