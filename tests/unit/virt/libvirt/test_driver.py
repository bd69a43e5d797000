"""LibvirtDriver against libvirt's test:///default (the real library) and real qemu-img."""

import json
import os
import subprocess
import threading
from xml.etree import ElementTree

import pytest

from nova.compute import power_state
from nova.compute import provider_tree
from nova.compute import task_states
from nova import exception
from nova.network import model as network_model
from nova.objects import image_meta as image_meta_obj
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import imagebackend
from tests.unit.virt.libvirt import fixtures

NO_IMAGE_META = image_meta_obj.ImageMeta.from_dict({})


def spawn(drv, instance, network_info=None, power_on=True, image_meta=NO_IMAGE_META):
    drv.spawn(None, instance, image_meta, [], None, {}, network_info or [],
              power_on=power_on)


def domain_xml(drv, instance):
    return ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())


def qemu_img_info(path):
    return json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U", path],
                                     check=True, capture_output=True).stdout)


def test_loadable_as_compute_driver(conf):
    from nova.virt import driver
    loaded = driver.load_compute_driver(None, "libvirt.LibvirtDriver")
    assert type(loaded).__name__ == "LibvirtDriver"


def test_spawn_builds_overlay_disks_and_a_running_domain(drv, images, conf):
    image_id = images.add_disk("64M")
    instance = fixtures.make_instance(image_ref=image_id, root_gb=1, ephemeral_gb=1,
                                      swap=32)
    spawn(drv, instance)
    assert drv.get_info(instance).state == power_state.RUNNING
    assert instance.uuid in drv.list_instance_uuids()
    assert instance.name in drv.list_instances()

    directory = imagebackend.instance_dir(instance)
    root = qemu_img_info(os.path.join(directory, "disk"))
    assert root["format"] == "qcow2"
    assert root["virtual-size"] == 1024 ** 3            # resized to the flavor
    assert root["full-backing-filename"] == drv.image_cache.path(image_id)
    assert qemu_img_info(os.path.join(directory, "disk.eph0"))["virtual-size"] == 1024 ** 3
    assert qemu_img_info(os.path.join(directory, "disk.swap"))["virtual-size"] == \
        32 * 1024 ** 2

    xml = domain_xml(drv, instance)
    assert xml.findtext("name") == "instance-00000001"
    assert [d.find("target").get("dev") for d in xml.findall("devices/disk")] == \
        ["vda", "vdb", "vdc"]
    assert xml.find("devices/serial/log").get("file") == \
        os.path.join(directory, "console.log")
    assert xml.find("devices/graphics").get("type") == "vnc"
    assert xml.find("cpu") is None                      # qemu: cpu_mode none

    drv.destroy(None, instance, [])
    assert instance.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(directory)
    drv.destroy(None, instance, [])                     # idempotent
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)


def test_raw_images_type_copies_the_base(drv, images, conf):
    conf.set_override("images_type", "raw", "libvirt")
    instance = fixtures.make_instance(image_ref=images.add_disk("16M"))
    spawn(drv, instance)
    info = qemu_img_info(os.path.join(imagebackend.instance_dir(instance), "disk"))
    assert info["format"] == "raw" and "backing-filename" not in info
    assert domain_xml(drv, instance).find("devices/disk/driver").get("type") == "raw"


def test_direct_kernel_boot_with_command_line(drv, images, conf):
    kernel = images.add_file(b"kernel bytes")
    ramdisk = images.add_file(b"ramdisk bytes")
    instance = fixtures.make_instance(image_ref=images.add_disk(), kernel_id=kernel,
                                      ramdisk_id=ramdisk)
    meta = image_meta_obj.ImageMeta.from_dict(
        {"properties": {"os_command_line": "console=ttyS0 quiet"}})
    spawn(drv, instance, image_meta=meta)
    os_el = domain_xml(drv, instance).find("os")
    directory = imagebackend.instance_dir(instance)
    assert os_el.findtext("kernel") == os.path.join(directory, "kernel")
    assert os_el.findtext("initrd") == os.path.join(directory, "ramdisk")
    assert os_el.findtext("cmdline") == "console=ttyS0 quiet"
    with open(os.path.join(directory, "kernel"), "rb") as f:
        assert f.read() == b"kernel bytes"


def test_cpu_mode_and_spice_from_configuration(drv, images, conf):
    conf.set_override("cpu_mode", "custom", "libvirt")
    conf.set_override("cpu_models", ["Haswell"], "libvirt")
    conf.set_override("enabled", True, "spice")
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance)
    xml = domain_xml(drv, instance)
    assert xml.find("cpu").get("mode") == "custom"
    assert xml.findtext("cpu/model") == "Haswell"
    assert sorted(g.get("type") for g in xml.findall("devices/graphics")) == \
        ["spice", "vnc"]


def test_bridge_vif_becomes_a_bridged_interface(drv, images, conf, monkeypatch):
    import os_vif
    plugged = []
    # Creating a host bridge needs root and changes the host: this test stops
    # at os-vif's door; tests/integration/test_os_vif_plug.py plugs for real.
    monkeypatch.setattr(os_vif, "plug", lambda obj, info: plugged.append((obj, info)))
    network = network_model.Network(id="3f2a9a3e-8c1b-4f7e-9d2a-5b6c7d8e9f01",
                                    bridge="br-unit", meta={"mtu": 1400})
    vif = network_model.VIF(id="01234567-89ab-4def-8123-456789abcdef",
                            address="fa:16:3e:11:22:33", type=network_model.VIF_TYPE_BRIDGE,
                            devname="tap0123456789a", network=network)
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance, [vif])
    (obj, info), = plugged
    assert type(obj).__name__ == "VIFBridge" and obj.plugin == "linux_bridge"
    assert obj.bridge_name == "br-unit" and obj.vif_name == "tap0123456789a"
    assert obj.network.mtu == 1400 and obj.address == "fa:16:3e:11:22:33"
    assert info.uuid == instance.uuid and info.name == instance.name
    iface = domain_xml(drv, instance).find("devices/interface")
    assert iface.find("source").get("bridge") == "br-unit"
    assert iface.find("mac").get("address") == "fa:16:3e:11:22:33"
    assert iface.find("target").get("dev") == "tap0123456789a"


def test_unknown_vif_type_fails_the_spawn_and_leaves_nothing(drv, images, conf):
    vif = network_model.VIF(id="x1", address="fa:16:3e:00:00:09", type="vhostuser",
                            network=network_model.Network(id="n", bridge="b"))
    instance = fixtures.make_instance(image_ref=images.add_disk())
    with pytest.raises(Exception, match="vhostuser"):
        spawn(drv, instance, [vif])
    assert instance.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(imagebackend.instance_dir(instance))


def test_power_operations(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance, power_on=False)
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    drv.power_on(None, instance, [])
    assert drv.get_info(instance).state == power_state.RUNNING

    drv.pause(instance)
    assert drv.get_info(instance).state == power_state.PAUSED
    drv.unpause(instance)
    assert drv.get_info(instance).state == power_state.RUNNING

    drv.suspend(None, instance)
    assert drv.get_info(instance).state == power_state.SUSPENDED
    assert drv.host.get_guest(instance).has_managed_save()
    drv.resume(None, instance, [])
    assert drv.get_info(instance).state == power_state.RUNNING

    drv.reboot(None, instance, [], "SOFT")
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.reboot(None, instance, [], "HARD")
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.trigger_crash_dump(instance)

    drv.power_off(instance, timeout=5, retry_interval=1)   # clean ACPI shutdown
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    with pytest.raises(exception.InstanceInvalidState):
        drv.trigger_crash_dump(instance)
    # A guest that is not running cannot shut down: a soft reboot is a hard
    # one (upstream's driver does the same), and starts it.
    drv.reboot(None, instance, [], "SOFT")
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.power_off(instance, timeout=5, retry_interval=1)
    drv.reboot(None, instance, [], "HARD")                # hard reboot starts it
    assert drv.get_info(instance).state == power_state.RUNNING
    drv.power_off(instance)
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    drv.destroy(None, instance, [])                       # from SHUTDOWN
    assert not drv.instance_exists(instance)


def test_destroy_a_suspended_guest_removes_the_saved_state(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance)
    drv.suspend(None, instance)
    drv.destroy(None, instance, [])
    assert not drv.instance_exists(instance)


def test_console_output_reads_the_serial_log(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance)
    assert drv.get_console_output(None, instance) == ""
    log = os.path.join(imagebackend.instance_dir(instance), "console.log")
    with open(log, "wb") as f:
        f.write(b"x" * 200 * 1024 + b"\nlast line \xff\n")
    out = drv.get_console_output(None, instance)
    assert out.endswith("\nlast line \ufffd\n")
    assert len(out.encode("utf-8")) <= 100 * 1024 + 2


def test_diagnostics_in_the_standard_format(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk(), vcpus=2, memory_mb=256)
    spawn(drv, instance)
    diags = drv.get_instance_diagnostics(instance).to_dict()
    assert diags["state"] == "running"
    assert diags["driver"] == "libvirt"
    assert diags["hypervisor"] == "qemu"
    assert diags["num_cpus"] == 2 and len(diags["cpu_details"]) == 2
    assert diags["memory_details"]["maximum"] == 256
    assert diags["num_disks"] == 1 and diags["num_nics"] == 0
    assert set(diags["disk_details"][0]) == {"read_bytes", "read_requests", "write_bytes",
                                             "write_requests", "errors_count"}
    drv.power_off(instance)
    assert drv.get_instance_diagnostics(instance).to_dict()["state"] == "shutdown"


def test_resources_inventory_and_traits(drv, conf):
    resources = drv.get_available_resource("testhost")
    conn = drv.host.get_connection()
    assert resources["vcpus"] == conn.getInfo()[2]
    assert resources["memory_mb"] == conn.getInfo()[1]
    assert resources["hypervisor_type"] == "TEST"
    assert resources["local_gb"] > 0
    assert json.loads(resources["cpu_info"])["arch"] == "i686"

    tree = provider_tree.ProviderTree()
    tree.new_root("testhost", "4b5e2d2a-0000-4000-8000-000000000001")
    drv.update_provider_tree(tree, "testhost")
    inventory = tree.data("testhost").inventory
    assert inventory["VCPU"]["total"] == resources["vcpus"]
    assert inventory["MEMORY_MB"]["total"] == resources["memory_mb"]
    assert inventory["DISK_GB"]["total"] == resources["local_gb"]
    traits = tree.data("testhost").traits
    assert {"COMPUTE_NET_VIF_MODEL_VIRTIO", "COMPUTE_STORAGE_BUS_VIRTIO",
            "COMPUTE_GRAPHICS_MODEL_VGA"} <= set(traits)
    assert drv.capabilities_as_traits()["COMPUTE_IMAGE_TYPE_QCOW2"] is True
    assert drv.node_is_available("testhost")
    assert "up" in drv.get_host_uptime()


def test_cpu_flags_become_hw_cpu_traits(drv):
    caps = ElementTree.fromstring("""<capabilities><host><cpu><arch>x86_64</arch>
        <model>Westmere</model><feature name="sse4.2"/><feature name="avx2"/>
        <feature name="aes"/></cpu></host></capabilities>""")
    drv.host._caps = caps
    traits = drv.static_traits()
    assert {"HW_CPU_X86_SSE42", "HW_CPU_X86_AVX2", "HW_CPU_X86_AESNI"} <= traits \
        or {"HW_CPU_X86_SSE42", "HW_CPU_X86_AVX2"} <= traits


def test_flavor_disk_smaller_than_the_image_fails_cleanly(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk("2G"), root_gb=1)
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        spawn(drv, instance)
    assert not drv.instance_exists(instance)
    assert not os.path.exists(imagebackend.instance_dir(instance))


def test_an_image_that_is_not_a_disk_is_refused(drv, images, conf):
    conf.set_override("force_raw_images", False)
    bad = images.add_file(b"QFI\xfb\0\0\0\x03" + b"\0" * 600)   # a broken qcow2 header
    instance = fixtures.make_instance(image_ref=bad)
    with pytest.raises(lv_exc.InvalidDiskImage, match="cluster size"):
        spawn(drv, instance)
    assert not os.path.exists(drv.image_cache.path(bad))
    assert not drv.instance_exists(instance)


def test_two_spawns_of_one_image_download_it_once(drv, images, conf):
    image_id = images.add_disk("32M")
    instances = [fixtures.make_instance(instance_id=i, image_ref=image_id)
                 for i in (11, 12)]
    errors = []

    def run(instance):
        try:
            spawn(drv, instance)
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert images.downloads == [image_id]
    assert drv.cache_image(None, image_id) is False
    assert drv.cache_image(None, images.add_disk("8M")) is True


def test_unused_bases_are_removed(drv, images, conf):
    used_id, unused_id = images.add_disk("8M"), images.add_disk("8M")
    drv.cache_image(None, unused_id)
    instance = fixtures.make_instance(image_ref=used_id)
    spawn(drv, instance)
    removed = drv.manage_image_cache(None)
    assert removed == []                              # too young
    conf.set_override("remove_unused_original_minimum_age_seconds", 0, "image_cache")
    try:
        removed = drv.manage_image_cache(None)
    finally:
        conf.clear_override("remove_unused_original_minimum_age_seconds", "image_cache")
    assert removed == [drv.image_cache.path(unused_id)]
    assert os.path.exists(drv.image_cache.path(used_id))
    drv.destroy(None, instance, [])
    conf.set_override("remove_unused_original_minimum_age_seconds", 0, "image_cache")
    try:
        assert drv.manage_image_cache(None) == [drv.image_cache.path(used_id)]
    finally:
        conf.clear_override("remove_unused_original_minimum_age_seconds", "image_cache")


def test_snapshot_uploads_the_disk_and_keeps_the_guest_running(drv, images, conf):
    image_id = images.add_disk("16M")
    instance = fixtures.make_instance(image_ref=image_id)
    spawn(drv, instance)
    snapshot_id = images.add_file(b"")
    images.images[snapshot_id]["properties"] = {"image_type": "snapshot",
                                                "instance_uuid": instance.uuid}
    states = []

    def update_task_state(task_state, expected_state=None):
        states.append((task_state, expected_state))

    drv.snapshot(None, instance, snapshot_id, update_task_state)
    assert states == [(task_states.IMAGE_PENDING_UPLOAD, None),
                      (task_states.IMAGE_UPLOADING, task_states.IMAGE_PENDING_UPLOAD)]
    meta, data = images.uploads[snapshot_id]
    assert meta["disk_format"] == "qcow2"
    assert meta["properties"]["image_type"] == "snapshot"
    assert data[:4] == b"QFI\xfb"
    assert drv.get_info(instance).state == power_state.RUNNING

    images.fail_uploads = True
    with pytest.raises(lv_exc.SnapshotUploadFailed, match="full"):
        drv.snapshot(None, instance, snapshot_id, update_task_state)
    assert drv.get_info(instance).state == power_state.RUNNING


def test_snapshot_of_a_stopped_guest_leaves_it_stopped(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk("16M"))
    spawn(drv, instance)
    drv.power_off(instance)
    snapshot_id = images.add_file(b"")
    drv.snapshot(None, instance, snapshot_id, lambda **kw: None)
    assert images.uploads[snapshot_id][1][:4] == b"QFI\xfb"
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    assert not drv.host.get_guest(instance).has_managed_save()


def test_soft_reboot_of_a_guest_ignoring_acpi_falls_back_to_hard(drv, images, conf,
                                                                 monkeypatch):
    from nova.virt.libvirt import guest as libvirt_guest
    conf.set_override("reboot_timeout", 1)
    instance = fixtures.make_instance(image_ref=images.add_disk("8M"))
    spawn(drv, instance)
    domain_id = drv.host.get_guest(instance).id
    # The guest OS ignores the ACPI power button (no acpid): the world's edge.
    monkeypatch.setattr(libvirt_guest.Guest, "shutdown", lambda self: None)
    drv.reboot(None, instance, [], "SOFT")
    guest = drv.host.get_guest(instance)
    assert guest.get_power_state() == power_state.RUNNING
    assert guest.id != domain_id                  # a new run of the domain
    monkeypatch.undo()
    # power_off with a timeout gives up on the clean way too and pulls the plug.
    monkeypatch.setattr(libvirt_guest.Guest, "shutdown", lambda self: None)
    drv.power_off(instance, timeout=1, retry_interval=0.5)
    assert drv.get_info(instance).state == power_state.SHUTDOWN


def test_diagnostics_before_2_48_are_the_flat_counters(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk(), vcpus=2, memory_mb=256)
    spawn(drv, instance)
    legacy = drv.get_diagnostics(instance)
    assert legacy["memory"] == 256 * 1024
    assert {"cpu0_time", "cpu1_time"} <= set(legacy)
    assert all(isinstance(v, (int, float)) for v in legacy.values())


def test_an_image_whose_data_is_not_its_disk_format_is_refused(drv, images, conf):
    # A "raw" image that is in fact a qcow2 (it could point at a host file).
    image_id = images.add_disk("16M", fmt="qcow2")
    instance = fixtures.make_instance(image_ref=image_id)
    meta = image_meta_obj.ImageMeta.from_dict({"disk_format": "raw"})
    with pytest.raises(exception.ImageUnacceptable,
                       match="its data is qcow2, not the raw its disk_format says"):
        spawn(drv, instance, image_meta=meta)
    assert not os.path.exists(drv.image_cache.path(image_id))
    assert not drv.instance_exists(instance)
    assert not os.path.exists(imagebackend.instance_dir(instance))
    # The base image's lock is free again: the right format boots.
    other = fixtures.make_instance(instance_id=2, image_ref=image_id)
    spawn(drv, other, image_meta=image_meta_obj.ImageMeta.from_dict({"disk_format": "qcow2"}))
    assert drv.get_info(other).state == power_state.RUNNING


def test_a_kernel_boots_without_a_ramdisk_and_a_lone_ramdisk_is_ignored(drv, images, conf):
    kernel = images.add_file(b"kernel bytes")
    instance = fixtures.make_instance(image_ref=images.add_disk(), kernel_id=kernel)
    spawn(drv, instance)
    os_el = domain_xml(drv, instance).find("os")
    assert os_el.findtext("kernel") == os.path.join(imagebackend.instance_dir(instance),
                                                    "kernel")
    assert os_el.find("initrd") is None
    ramdisk = images.add_file(b"ramdisk bytes")
    lone = fixtures.make_instance(instance_id=3, image_ref=images.add_disk(),
                                  ramdisk_id=ramdisk)
    spawn(drv, lone)
    os_el = domain_xml(drv, lone).find("os")
    assert os_el.find("kernel") is None and os_el.find("initrd") is None
    assert ramdisk not in images.downloads


def test_a_missing_kernel_image_fails_the_spawn_and_leaves_nothing(drv, images, conf):
    instance = fixtures.make_instance(image_ref=images.add_disk(),
                                      kernel_id="0c7b6c7e-0000-4000-8000-00000000dead")
    with pytest.raises(exception.ImageNotFound):
        spawn(drv, instance)
    assert not drv.instance_exists(instance)
    assert not os.path.exists(imagebackend.instance_dir(instance))


def test_snapshot_falls_back_to_cold_where_libvirt_cannot_block_copy(drv, images, conf):
    # libvirt's test driver has no virDomainBlockCopy: the guest is saved and
    # restored around the copy (a new run of the domain), then runs again.
    instance = fixtures.make_instance(image_ref=images.add_disk("16M"))
    spawn(drv, instance)
    domain_id = drv.host.get_guest(instance).id
    snapshot_id = images.add_file(b"")
    drv.snapshot(None, instance, snapshot_id, lambda **kw: None)
    guest = drv.host.get_guest(instance)
    assert guest.id != domain_id
    assert drv.get_info(instance).state == power_state.RUNNING
    assert not guest.has_managed_save()
    assert images.uploads[snapshot_id][1][:4] == b"QFI\xfb"
    assert os.listdir(os.path.join(conf.instances_path, "snapshots")) == []
    drv.pause(instance)
    drv.snapshot(None, instance, images.add_file(b""), lambda **kw: None)
    assert drv.get_info(instance).state == power_state.PAUSED



def test_interface_hot_plug_xml_and_failures(drv, images, conf, monkeypatch):
    """The <interface> attach_interface hands libvirt is the one spawn writes
    for the same VIF. test:///default cannot hot-plug (a real libvirtd can):
    there the attach fails as InterfaceAttachFailed and the host side of the
    VIF is unplugged again, the domain unchanged."""
    import os_vif
    from nova import exception
    from nova import objects
    from nova.virt.libvirt import interfaces
    plugged, unplugged = [], []
    monkeypatch.setattr(os_vif, "plug", lambda obj, info: plugged.append(obj.vif_name))
    monkeypatch.setattr(os_vif, "unplug", lambda obj, info: unplugged.append(obj.vif_name))
    network = network_model.Network(id="3f2a9a3e-8c1b-4f7e-9d2a-5b6c7d8e9f01",
                                    bridge="br-unit", meta={"mtu": 1400})
    first = network_model.VIF(id="01234567-89ab-4def-8123-456789abcdef",
                              address="fa:16:3e:11:22:33", devname="tap0123456789a",
                              type=network_model.VIF_TYPE_BRIDGE, network=network)
    second = network_model.VIF(id="11234567-89ab-4def-8123-456789abcdef",
                               address="fa:16:3e:44:55:66", devname="tap1123456789a",
                               type=network_model.VIF_TYPE_BRIDGE, network=network)
    instance = fixtures.make_instance(image_ref=images.add_disk())
    spawn(drv, instance, [first])
    image_meta = objects.ImageMeta.from_dict({})
    written = domain_xml(drv, instance).find("devices/interface")
    made = ElementTree.fromstring(interfaces.interface_xml(instance, image_meta, first))
    for path, attr in (("mac", "address"), ("source", "bridge"), ("target", "dev"),
                       ("model", "type"), ("mtu", "size")):
        assert made.find(path).get(attr) == written.find(path).get(attr), path
    hot = ElementTree.fromstring(interfaces.interface_xml(instance, image_meta, second))
    assert hot.find("mac").get("address") == "fa:16:3e:44:55:66"
    assert hot.find("target").get("dev") == "tap1123456789a"

    with pytest.raises(exception.InterfaceAttachFailed):
        drv.attach_interface(None, instance, image_meta, second)
    assert plugged[-1] == "tap1123456789a" and unplugged == ["tap1123456789a"]
    assert len(domain_xml(drv, instance).findall("devices/interface")) == 1
    # A VIF the guest does not have: nothing to remove, its host side unplugged.
    drv.detach_interface(None, instance, second)
    assert unplugged == ["tap1123456789a"] * 2
    # One it has: the connection refuses, the caller learns it.
    with pytest.raises(exception.InterfaceDetachFailed):
        drv.detach_interface(None, instance, first)
