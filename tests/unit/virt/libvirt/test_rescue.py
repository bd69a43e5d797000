"""Rebuild, rescue/unrescue and the guest agent password of the libvirt driver,
against libvirt's test:///default and real qemu-img."""

import json
import os
import subprocess
from xml.etree import ElementTree

import pytest

from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.objects import image_meta as image_meta_obj
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import rescue as lv_rescue
from tests.unit.virt.libvirt import fixtures


def _meta(images, image_id):
    return image_meta_obj.ImageMeta.from_dict(images.get(None, image_id))


def _spawn(drv, images, instance):
    drv.spawn(None, instance, _meta(images, instance.image_ref), [], None, {}, [])


def _xml(drv, instance):
    return ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())


def _disks(domain):
    """{target dev: (source file, device, boot order)} of the domain's disks."""
    result = {}
    for disk in domain.findall("devices/disk"):
        boot = disk.find("boot")
        result[disk.find("target").get("dev")] = (
            disk.find("source").get("file"), disk.get("device"),
            boot.get("order") if boot is not None else None)
    return result


def _backing(path):
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", "-U", path],
                                     check=True, capture_output=True).stdout)
    return info.get("full-backing-filename")


class _Saves:
    """Records the task states the driver saves (the database is the edge here)."""

    def __init__(self, instance):
        self.states = []
        self.instance = instance

    def __call__(self, expected_task_state=None):
        actual = self.instance.task_state
        self.states.append(actual)
        return None


def _rebuildable(images, instance):
    saves = _Saves(instance)
    object.__setattr__(instance, "save", saves)
    instance.task_state = task_states.REBUILDING
    return saves


# -- rebuild ------------------------------------------------------------------------------

def test_rebuild_spawns_from_the_new_image_under_the_same_domain(drv, images, conf):
    old_image, new_image = images.add_disk("16M"), images.add_disk("16M")
    instance = fixtures.make_instance(image_ref=old_image)
    _spawn(drv, images, instance)
    before = _xml(drv, instance)
    directory = imagebackend.instance_dir(instance)
    assert _backing(os.path.join(directory, "disk")) == drv.image_cache.path(old_image)

    saves = _rebuildable(images, instance)
    instance.image_ref = new_image
    drv.rebuild(None, instance, _meta(images, new_image), [], "pw", {}, None, None, None,
                network_info=[])
    after = _xml(drv, instance)
    assert after.find("uuid").text == before.find("uuid").text == instance.uuid
    assert after.find("name").text == before.find("name").text
    assert _backing(os.path.join(directory, "disk")) == drv.image_cache.path(new_image)
    assert drv.get_info(instance).state == power_state.RUNNING
    assert saves.states == [task_states.REBUILD_BLOCK_DEVICE_MAPPING,
                            task_states.REBUILD_SPAWNING]
    root_meta = after.find(".//{http://openstack.org/xmlns/libvirt/nova/1.1}root")
    assert root_meta.get("uuid") == new_image


@pytest.mark.parametrize("preserve", [True, False])
def test_rebuild_keeps_the_ephemeral_disk_only_when_asked(drv, images, conf, preserve):
    conf.set_override("images_type", "raw", "libvirt")
    image_id = images.add_disk("8M")
    instance = fixtures.make_instance(image_ref=image_id, ephemeral_gb=1)
    _spawn(drv, images, instance)
    eph = os.path.join(imagebackend.instance_dir(instance), "disk.eph0")
    with open(eph, "r+b") as f:
        f.write(b"user data on the ephemeral disk")
    _rebuildable(images, instance)
    drv.rebuild(None, instance, _meta(images, image_id), [], None, {}, None, None, None,
                network_info=[], preserve_ephemeral=preserve)
    with open(eph, "rb") as f:
        kept = f.read(31) == b"user data on the ephemeral disk"
    assert kept is preserve
    assert drv.get_info(instance).state == power_state.RUNNING
    leftovers = [n for n in os.listdir(os.path.dirname(imagebackend.instance_dir(instance)))
                 if n.endswith(".keep")]
    assert leftovers == []


# -- rescue / unrescue -------------------------------------------------------------------------

def test_legacy_rescue_boots_the_rescue_disk_with_the_root_disk_second(drv, images, conf):
    image_id, rescue_id = images.add_disk("16M"), images.add_disk("8M")
    instance = fixtures.make_instance(image_ref=image_id, ephemeral_gb=1)
    _spawn(drv, images, instance)
    directory = imagebackend.instance_dir(instance)
    before = _xml(drv, instance)

    drv.rescue(None, instance, [], _meta(images, rescue_id), "rescue-pw")
    rescued = _xml(drv, instance)
    assert rescued.find("uuid").text == instance.uuid
    disks = _disks(rescued)
    assert disks["vda"][0] == os.path.join(directory, lv_rescue.RESCUE_DISK)
    assert disks["vdb"][0] == os.path.join(directory, "disk")
    assert set(disks) == {"vda", "vdb"}  # the ephemeral disk is left out
    assert _backing(disks["vda"][0]) == drv.image_cache.path(rescue_id)
    assert os.path.exists(os.path.join(directory, lv_rescue.UNRESCUE_XML))
    assert drv.get_info(instance).state == power_state.RUNNING

    with pytest.raises(exception.InstanceNotRescuable):
        drv.rescue(None, instance, [], _meta(images, rescue_id), "again")

    drv.unrescue(None, instance)
    restored = _xml(drv, instance)
    assert _disks(restored) == _disks(before)
    assert drv.get_info(instance).state == power_state.RUNNING
    for name in (lv_rescue.RESCUE_DISK, lv_rescue.UNRESCUE_XML):
        assert not os.path.exists(os.path.join(directory, name))
    with pytest.raises(exception.InstanceNotInRescueMode):
        drv.unrescue(None, instance)


def test_rescue_image_kernel_boots_the_rescue(drv, images, conf):
    image_id = images.add_disk("16M")
    kernel = images.add_file(b"rescue kernel")
    ramdisk = images.add_file(b"rescue ramdisk")
    rescue_id = images.add_disk("8M")
    images.images[rescue_id]["properties"] = {"kernel_id": kernel, "ramdisk_id": ramdisk}
    instance = fixtures.make_instance(image_ref=image_id)
    _spawn(drv, images, instance)
    drv.rescue(None, instance, [], _meta(images, rescue_id), None)
    os_el = _xml(drv, instance).find("os")
    directory = imagebackend.instance_dir(instance)
    assert os_el.find("kernel").text == os.path.join(directory, "kernel.rescue")
    assert os_el.find("initrd").text == os.path.join(directory, "ramdisk.rescue")
    with open(os.path.join(directory, "kernel.rescue"), "rb") as f:
        assert f.read() == b"rescue kernel"
    drv.unrescue(None, instance)
    assert _xml(drv, instance).find("os/kernel") is None
    assert not os.path.exists(os.path.join(directory, "kernel.rescue"))


def test_stable_device_rescue_adds_the_rescue_disk_first_in_boot_order(drv, images, conf):
    image_id, rescue_id = images.add_disk("16M"), images.add_disk("8M")
    images.images[rescue_id]["properties"] = {"hw_rescue_device": "disk",
                                              "hw_rescue_bus": "virtio"}
    instance = fixtures.make_instance(image_ref=image_id, ephemeral_gb=1)
    _spawn(drv, images, instance)
    before = _disks(_xml(drv, instance))
    drv.rescue(None, instance, [], _meta(images, rescue_id), None)
    rescued = _xml(drv, instance)
    disks = _disks(rescued)
    directory = imagebackend.instance_dir(instance)
    for dev, (path, _device, _boot) in before.items():
        assert disks[dev][0] == path  # every disk where it was
    assert disks["vdc"] == (os.path.join(directory, lv_rescue.RESCUE_DISK), "disk", "1")
    assert rescued.findall("os/boot") == []
    drv.unrescue(None, instance)
    assert _disks(_xml(drv, instance)) == before


# -- admin password ---------------------------------------------------------------------------

def test_set_admin_password_needs_the_guest_agent(drv, images, conf):
    image_id = images.add_disk("16M")
    instance = fixtures.make_instance(image_ref=image_id)
    _spawn(drv, images, instance)
    assert _xml(drv, instance).find("devices/channel") is None
    with pytest.raises(exception.InstanceAgentNotEnabled):
        drv.set_admin_password(instance, "secret")


def test_guest_agent_channel_and_password_through_it(drv, images, conf):
    image_id = images.add_disk("16M")
    images.images[image_id]["properties"] = {"hw_qemu_guest_agent": "yes"}
    instance = fixtures.make_instance(image_ref=image_id)
    instance.system_metadata = {"image_hw_qemu_guest_agent": "yes"}
    _spawn(drv, images, instance)
    channel = _xml(drv, instance).find("devices/channel")
    assert channel.get("type") == "unix"
    assert channel.find("target").get("name") == "org.qemu.guest_agent.0"
    drv.set_admin_password(instance, "secret")  # test:///default accepts it
    conf.set_override("virt_type", "lxc", "libvirt")
    with pytest.raises(exception.SetAdminPasswdNotSupported):
        drv.set_admin_password(instance, "secret")
