"""Moving guests with the libvirt driver: the live migration flags, URIs,
parameters, destination XML and downtime steps; resize and cold migration
between two instances paths against test:///default with real qemu-img."""

import json
import os
import subprocess
from xml.etree import ElementTree

import libvirt
import pytest

from nova import objects
from nova.compute import power_state
from nova.objects import image_meta as image_meta_obj
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import migration
from nova.virt.libvirt import remotefs
from nova.virt.libvirt import resize
from tests.unit.virt.libvirt import fixtures

NO_IMAGE_META = image_meta_obj.ImageMeta.from_dict({})
BASE = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
        | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)


@pytest.fixture
def lm_conf(conf):
    yield conf
    for opt in ("live_migration_uri", "live_migration_scheme", "live_migration_tunnelled",
                "live_migration_with_native_tls", "live_migration_permit_post_copy",
                "live_migration_permit_auto_converge", "live_migration_bandwidth",
                "live_migration_downtime", "live_migration_downtime_steps",
                "live_migration_downtime_delay", "live_migration_completion_timeout"):
        conf.clear_override(opt, "libvirt")


# -- URIs and flags ---------------------------------------------------------------------

def test_uri_defaults_to_tcp_and_follows_scheme_and_template(lm_conf):
    assert migration.live_migration_uri("host2") == "qemu+tcp://host2/system"
    assert migration.live_migration_uri("fd00::2") == "qemu+tcp://[fd00::2]/system"
    lm_conf.set_override("live_migration_scheme", "ssh", "libvirt")
    assert migration.live_migration_uri("10.0.0.2") == "qemu+ssh://10.0.0.2/system"
    lm_conf.set_override("live_migration_uri", "qemu+tcp://%s:16600/system", "libvirt")
    assert migration.live_migration_uri("127.0.0.3") == "qemu+tcp://127.0.0.3:16600/system"


def test_uri_unknown_for_lxc(lm_conf):
    lm_conf.set_override("virt_type", "lxc", "libvirt")
    with pytest.raises(lv_exc.LiveMigrationURINotAvailable):
        migration.live_migration_uri("host2")


def test_inbound_address_is_where_the_source_connects_and_streams(lm_conf):
    data = {"target_connect_addr": "127.0.0.3"}
    assert migration.connect_address(data, "compute2") == "127.0.0.3"
    assert migration.connect_address({}, "compute2") == "compute2"
    assert migration.migrate_uri(data) == "tcp://127.0.0.3"
    assert migration.migrate_uri({}) is None
    lm_conf.set_override("live_migration_tunnelled", True, "libvirt")
    assert migration.migrate_uri(data) is None      # through the libvirt connection


def test_flags_by_options(lm_conf):
    assert migration.migration_flags(False) == BASE
    assert migration.migration_flags(True) == BASE | libvirt.VIR_MIGRATE_NON_SHARED_INC
    lm_conf.set_override("live_migration_tunnelled", True, "libvirt")
    lm_conf.set_override("live_migration_with_native_tls", True, "libvirt")
    assert migration.migration_flags(False) == (BASE | libvirt.VIR_MIGRATE_TUNNELLED
                                                | libvirt.VIR_MIGRATE_TLS)
    lm_conf.clear_override("live_migration_tunnelled", "libvirt")
    lm_conf.clear_override("live_migration_with_native_tls", "libvirt")
    lm_conf.set_override("live_migration_permit_auto_converge", True, "libvirt")
    assert migration.migration_flags(False) == BASE | libvirt.VIR_MIGRATE_AUTO_CONVERGE
    # Post-copy wins over auto-converge; without post-copy support, auto-converge.
    lm_conf.set_override("live_migration_permit_post_copy", True, "libvirt")
    assert migration.migration_flags(False) == BASE | libvirt.VIR_MIGRATE_POSTCOPY
    assert migration.migration_flags(False, post_copy_supported=False) == \
        BASE | libvirt.VIR_MIGRATE_AUTO_CONVERGE


SOURCE_XML = """<domain type='qemu'><name>instance-00000001</name>
<os><type>hvm</type><kernel>/src/inst/u1/kernel</kernel><initrd>/src/inst/u1/ramdisk</initrd></os>
<devices>
 <disk type='file' device='disk'><source file='/src/inst/u1/disk'/><target dev='vda'/></disk>
 <disk type='file' device='disk'><source file='/src/inst/u1/disk.eph0'/><target dev='vdb'/></disk>
 <disk type='file' device='cdrom'><source file='/src/inst/u1/disk.config'/><target dev='hdd'/><readonly/></disk>
 <serial type='pty'><log file='/src/inst/u1/console.log' append='on'/><target port='0'/></serial>
 <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>
</devices></domain>"""


def test_destination_xml_moves_paths_and_consoles():
    xml = ElementTree.fromstring(migration.destination_xml(
        SOURCE_XML, "/src/inst/u1", "/dst/instances/u1", {"vnc": "127.0.0.3", "spice": None}))
    assert [d.find("source").get("file") for d in xml.findall("devices/disk")] == [
        "/dst/instances/u1/disk", "/dst/instances/u1/disk.eph0",
        "/dst/instances/u1/disk.config"]
    assert xml.find("devices/serial/log").get("file") == "/dst/instances/u1/console.log"
    assert xml.findtext("os/kernel") == "/dst/instances/u1/kernel"
    assert xml.findtext("os/initrd") == "/dst/instances/u1/ramdisk"
    graphics = xml.find("devices/graphics")
    assert graphics.get("listen") == "127.0.0.3"
    assert graphics.find("listen").get("address") == "127.0.0.3"
    # Shared instances path: the disks stay where they are.
    same = ElementTree.fromstring(migration.destination_xml(SOURCE_XML, "/src/inst/u1",
                                                            "/src/inst/u1"))
    assert same.find("devices/disk/source").get("file") == "/src/inst/u1/disk"


def test_params_copy_only_writable_disks_and_cap_bandwidth(lm_conf):
    data = {"target_connect_addr": "127.0.0.3"}
    params = migration.migration_params(SOURCE_XML, data, block_migration=True)
    assert params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] == ["vda", "vdb"]
    assert params[libvirt.VIR_MIGRATE_PARAM_URI] == "tcp://127.0.0.3"
    assert params[libvirt.VIR_MIGRATE_PARAM_DEST_XML] == SOURCE_XML
    assert params[libvirt.VIR_MIGRATE_PARAM_PERSIST_XML] == SOURCE_XML
    assert libvirt.VIR_MIGRATE_PARAM_BANDWIDTH not in params
    lm_conf.set_override("live_migration_bandwidth", 50, "libvirt")
    params = migration.migration_params(SOURCE_XML, {}, block_migration=False)
    assert params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] == 50
    assert libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS not in params
    assert libvirt.VIR_MIGRATE_PARAM_URI not in params


def test_downtime_steps_and_completion_timeout_scale_with_data(lm_conf):
    lm_conf.set_override("live_migration_downtime", 400, "libvirt")
    lm_conf.set_override("live_migration_downtime_steps", 4, "libvirt")
    lm_conf.set_override("live_migration_downtime_delay", 10, "libvirt")
    assert migration.downtime_steps(3.0) == [(0, 100), (30, 175), (60, 250), (90, 325),
                                             (120, 400)]
    assert migration.completion_timeout(3.0) == 2400
    lm_conf.set_override("live_migration_completion_timeout", 0, "libvirt")
    assert migration.completion_timeout(3.0) == 0
    # Small guests count as 2 GiB; disks of a block migration add up.
    assert migration.data_gb(256) == 2.0
    assert migration.data_gb(2048, 2 * 1024 ** 3) == 4.0


def test_migration_to_the_same_libvirt_is_refused(drv, lm_conf):
    """test:///default cannot migrate: the job reports libvirt's error, and
    progress stays at zero."""
    instance = fixtures.make_instance()
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    dom = drv.host.get_guest(instance).domain
    job = migration.LiveMigrationJob(dom, "test:///default", {},
                                     migration.migration_flags(False), 2.0,
                                     poll_interval=0.05)
    error = job.run()
    assert isinstance(error, libvirt.libvirtError)
    assert job.progress["memory_total"] == 0
    assert drv.get_info(instance).state == power_state.RUNNING


def test_live_migration_failing_at_start_calls_recover_only(drv, lm_conf):
    instance = fixtures.make_instance()
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    lm_conf.set_override("live_migration_uri", "test:///default#%s", "libvirt")
    calls = []
    drv.live_migration(None, instance, "dest", lambda *a: calls.append("post"),
                       lambda *a: calls.append("recover"), False,
                       {"dest_instance_dir": "/nowhere"})
    assert calls == ["recover"]
    with pytest.raises(lv_exc.MigrationError):
        drv.live_migration_abort(instance)      # none running any more
    # A migration that cannot even start (no URI for this virt type) also
    # ends in the recover method, with the reason in migrate_data.
    lm_conf.clear_override("live_migration_uri", "libvirt")
    lm_conf.set_override("virt_type", "lxc", "libvirt")
    data = {}
    drv.live_migration(None, instance, "dest", lambda *a: calls.append("post"),
                       lambda *a: calls.append("recover"), False, data)
    assert calls == ["recover", "recover"]
    assert "No live migration URI" in data["error"]


def test_source_check_decides_block_migration_by_shared_path(drv, lm_conf, tmp_path):
    instance = fixtures.make_instance()
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    shared = drv.check_can_live_migrate_destination(None, instance, {}, {}, None)
    data = drv.check_can_live_migrate_source(None, instance, shared)
    assert data["is_shared_instance_path"] and data["block_migration"] is False
    with pytest.raises(lv_exc.InvalidLocalStorage):
        drv.check_can_live_migrate_source(None, instance, dict(shared, block_migration=True))
    drv.cleanup_live_migration_destination_check(None, shared)
    assert not os.path.exists(os.path.join(lm_conf.instances_path, shared["filename"]))
    # Another instances path: not shared, so block migration ("auto" decides it).
    lm_conf.set_override("instances_path", str(tmp_path / "other"))
    other = drv.check_can_live_migrate_destination(None, instance, {}, {}, False)
    lm_conf.set_override("instances_path", str(tmp_path / "instances"))
    with pytest.raises(lv_exc.InvalidSharedStorage):
        drv.check_can_live_migrate_source(None, instance, other)
    data = drv.check_can_live_migrate_source(None, instance, dict(other,
                                                                  block_migration="auto"))
    assert data["block_migration"] is True and not data["is_shared_instance_path"]
    assert data["source"]["machine"] == remotefs.machine_id()
    assert [d["name"] for d in data["disks"]] == ["disk"]


# -- resize and cold migration on test:///default ----------------------------------------

def _flavor(name, vcpus, memory_mb, root_gb, ephemeral_gb=0):
    return objects.Flavor(id=2, name=name, flavorid=name, memory_mb=memory_mb,
                          vcpus=vcpus, root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=0,
                          extra_specs={})


def _virtual_size(path):
    return json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U", path],
                                     check=True, capture_output=True).stdout)["virtual-size"]


class Migration:
    def __init__(self, source, dest):
        self.source_compute, self.dest_compute = source, dest
        self.source_node, self.dest_node = source, dest


def test_cold_migration_between_instances_paths_resizes_confirms(drv, images, conf, tmp_path):
    src_path, dst_path = str(tmp_path / "instances"), str(tmp_path / "dst")
    image = images.add_disk(size="64M")
    instance = fixtures.make_instance(image_ref=image, root_gb=1, ephemeral_gb=1)
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    old = instance.flavor
    new = _flavor("m1.bigger", 2, 256, 2, 1)
    disk_info = drv.migrate_disk_and_power_off(None, instance, "dest", new, [])
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    staged = os.path.join(src_path, instance.uuid + "_resize")
    assert sorted(disk_info["files"]) == ["disk", "disk.eph0"]
    assert os.path.exists(os.path.join(staged, "libvirt.xml"))
    assert not os.path.exists(os.path.join(src_path, instance.uuid))
    json.dumps(disk_info)           # it travels over RPC

    conf.set_override("instances_path", dst_path)
    instance.flavor = new
    drv.finish_migration(None, Migration("src", "dst"), instance, disk_info, [],
                         NO_IMAGE_META, True, {})
    moved = os.path.join(dst_path, instance.uuid)
    xml = ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())
    assert xml.findtext("vcpu") == "2" and xml.findtext("memory") == str(256 * 1024)
    assert xml.find("devices/disk/source").get("file") == os.path.join(moved, "disk")
    assert _virtual_size(os.path.join(moved, "disk")) == 2 * 1024 ** 3
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U",
                                      os.path.join(moved, "disk")], check=True,
                                     capture_output=True).stdout)
    # The overlay uses the destination's own cached base.
    assert info["backing-filename"].startswith(os.path.join(dst_path, "_base"))
    assert drv.get_info(instance).state == power_state.RUNNING

    conf.set_override("instances_path", src_path)
    instance.flavor = old
    drv.confirm_migration(None, Migration("src", "dst"), instance, [])
    assert not os.path.exists(staged)
    # One libvirt for both: the destination's guest is left alone.
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.confirm_migration(None, Migration("src", "dst"), instance, [])   # idempotent


def test_resize_in_place_reverts_to_the_old_flavor(drv, images, conf):
    image = images.add_disk(size="64M")
    instance = fixtures.make_instance(image_ref=image, root_gb=1)
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    old = instance.flavor
    new = _flavor("m1.bigger", 2, 256, 2)
    disk_info = drv.migrate_disk_and_power_off(None, instance, "here", new, [])
    instance.flavor = new
    drv.finish_migration(None, Migration("h", "h"), instance, disk_info, [], NO_IMAGE_META,
                         True, {}, power_on=False)
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    disk = os.path.join(conf.instances_path, instance.uuid, "disk")
    assert _virtual_size(disk) == 2 * 1024 ** 3
    # Revert: the manager destroys the new guest (disks kept: same host), then the source.
    drv.destroy(None, instance, [], destroy_disks=False)
    instance.flavor = old
    drv.finish_revert_migration(None, instance, [], Migration("h", "h"))
    xml = ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())
    assert xml.findtext("vcpu") == "1" and xml.findtext("memory") == str(128 * 1024)
    assert _virtual_size(disk) == 1024 ** 3
    assert drv.get_info(instance).state == power_state.RUNNING
    assert not os.path.exists(disk.rsplit("/", 2)[0] + "/%s_resize" % instance.uuid)


def test_resize_to_a_smaller_disk_is_refused_before_anything_changes(drv, images, conf):
    image = images.add_disk(size="64M")
    instance = fixtures.make_instance(image_ref=image, root_gb=2)
    drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [])
    with pytest.raises(lv_exc.InstanceFaultRollback) as info:
        drv.migrate_disk_and_power_off(None, instance, "dest", _flavor("s", 1, 128, 1), [])
    assert "resize disk down" in str(info.value)
    assert drv.get_info(instance).state == power_state.RUNNING
    assert os.path.exists(os.path.join(conf.instances_path, instance.uuid, "disk"))
    assert resize.resize_dir(instance) and not os.path.exists(resize.resize_dir(instance))
