"""The libvirt driver under the real compute manager (libvirt's test:///default).

The whole control plane in one process, with compute1's driver a
LibvirtDriver on libvirt's built-in test hypervisor: the server's image is
fetched from the image store through nova's image API into the base cache,
its domain is defined with a bridged NIC on the flat network, and the API's
power actions and delete act on that domain.
"""

import os
import subprocess

import pytest

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

import nova.conf  # noqa: E402
from nova.virt.libvirt import driver as libvirt_driver  # noqa: E402
from tests.functional import inprocess  # noqa: E402
from tests.functional import stack_fixture  # noqa: E402

CONF = nova.conf.CONF
BRIDGE = "brnovafunc"


@pytest.fixture
def ready(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("creating the flat network's bridge needs root")
    CONF.set_override("instances_path", str(tmp_path / "instances"))
    CONF.set_override("connection_uri", "test:///default", "libvirt")
    CONF.set_override("virt_type", "qemu", "libvirt")
    CONF.set_override("bridge", BRIDGE, "flat_network")
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=("compute1",))
    try:
        manager = cloud.computes["compute1"].manager
        drv = libvirt_driver.LibvirtDriver(manager.virtapi)
        drv.init_host("compute1")
        manager.driver = drv
        manager.register_lifecycle_events()
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=128, disk=1, flavor_id="1")
        status, _h, image = cloud.request_image("POST", "/v2/images", {
            "name": "disk", "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public"})
        disk = tmp_path / "disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "32M"],
                       check=True)
        status, _h, _b = cloud.request_image("PUT", "/v2/images/%s/file" % image["id"],
                                             raw=disk.read_bytes())
        assert status == 204, _b
        yield cloud, drv, flavor, image["id"]
    finally:
        stack_fixture.stop_all(stops)
        for name, group in (("instances_path", None), ("connection_uri", "libvirt"),
                            ("virt_type", "libvirt"), ("bridge", "flat_network")):
            CONF.clear_override(name, group)
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


def test_server_lifecycle_on_libvirt(ready):
    cloud, drv, flavor, image_id = ready
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "lv", "flavorRef": flavor, "imageRef": image_id}})
    assert status == 202, body
    server_id = body["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")
    guest = drv.host.get_guest(server_id)
    assert guest.is_active()
    disks = guest.get_disks()
    assert disks[0][0] == "vda" and disks[0][2] == "qcow2"
    assert os.path.exists(drv.image_cache.path(image_id))
    assert os.path.exists("/sys/class/net/%s" % BRIDGE)
    iface = guest.get_xml().find("devices/interface")
    assert iface.find("source").get("bridge") == BRIDGE

    assert cloud.request("POST", "/servers/%s/action" % server_id,
                         {"os-stop": None})[0] == 202
    cloud.wait_for_status(server_id, "SHUTOFF")
    assert not guest.is_active()
    assert cloud.request("POST", "/servers/%s/action" % server_id,
                         {"os-start": None})[0] == 202
    cloud.wait_for_status(server_id, "ACTIVE")
    assert guest.is_active()

    assert cloud.request("DELETE", "/servers/%s" % server_id)[0] == 204
    cloud.wait_for_gone(server_id)
    inprocess.wait_for(lambda: server_id not in drv.list_instance_uuids(), timeout=10,
                       what="the domain to go")
    assert not os.path.exists(os.path.join(CONF.instances_path, server_id))
    # The image cache manager pass removes the base image nobody uses any more.
    CONF.set_override("remove_unused_original_minimum_age_seconds", 0, "image_cache")
    try:
        cloud.computes["compute1"].manager._run_image_cache_manager_pass(cloud.ctxt)
    finally:
        CONF.clear_override("remove_unused_original_minimum_age_seconds", "image_cache")
    assert not os.path.exists(drv.image_cache.path(image_id))


def test_config_drive_asked_for_or_mandatory_is_attached_and_removed(ready, tmp_path):
    import base64
    import json

    from nova.virt import configdrive
    cloud, drv, flavor, image_id = ready
    user_data = b"#cloud-config\nhostname: from-user-data\n"
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "cd", "flavorRef": flavor, "imageRef": image_id, "config_drive": True,
        "user_data": base64.b64encode(user_data).decode()}})
    assert status == 202, body
    asked = body["server"]["id"]
    # The image says mandatory: a server whose request did not ask gets one too.
    status, _h, image = cloud.request_image("POST", "/v2/images", {
        "name": "needs-cd", "disk_format": "qcow2", "container_format": "bare",
        "visibility": "public", "img_config_drive": "mandatory"})
    assert status == 201, image
    disk = tmp_path / "disk2.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "32M"],
                   check=True)
    status, _h, _b = cloud.request_image("PUT", "/v2/images/%s/file" % image["id"],
                                         raw=disk.read_bytes())
    assert status == 204, _b
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "cd2", "flavorRef": flavor, "imageRef": image["id"]}})
    assert status == 202, body
    mandatory = body["server"]["id"]
    for server_id in (asked, mandatory):
        server = cloud.wait_for_status(server_id, "ACTIVE")
        assert server["config_drive"] == "True"
        [cdrom] = [d for d in drv.host.get_guest(server_id).get_xml().findall(
            "devices/disk") if d.get("device") == "cdrom"]
        path = cdrom.find("source").get("file")
        assert path == os.path.join(CONF.instances_path, server_id, "disk.config")
        out = tmp_path / server_id
        assert configdrive.read_iso9660(path, str(out)) == "config-2"
        md = json.loads((out / "openstack" / "latest" / "meta_data.json").read_text())
        assert md["uuid"] == server_id
        net = json.loads((out / "openstack" / "latest" / "network_data.json").read_text())
        assert net["links"][0]["ethernet_mac_address"] == \
            drv.host.get_guest(server_id).get_interfaces()[0][1]
    assert (tmp_path / asked / "openstack" / "latest" / "user_data").read_bytes() == \
        user_data
    assert not (tmp_path / mandatory / "openstack" / "latest" / "user_data").exists()
    for server_id in (asked, mandatory):
        assert cloud.request("DELETE", "/servers/%s" % server_id)[0] == 204
        cloud.wait_for_gone(server_id)
        assert not os.path.exists(os.path.join(CONF.instances_path, server_id))


def _upload(cloud, data, disk_format):
    status, _h, image = cloud.request_image("POST", "/v2/images", {
        "name": "bad-" + disk_format, "disk_format": disk_format,
        "container_format": "bare", "visibility": "public"})
    assert status == 201, image
    assert cloud.request_image("PUT", "/v2/images/%s/file" % image["id"], raw=data)[0] == 204
    return image["id"]


def test_bad_images_end_in_error_with_a_fault_and_leave_nothing(ready, tmp_path):
    cloud, drv, flavor, _image_id = ready
    big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(big), "2G"], check=True)
    small = tmp_path / "small.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(small), "8M"], check=True)
    cases = [
        # not a disk at all: a qcow2 header qemu-img cannot read
        (_upload(cloud, b"QFI\xfb\0\0\0\x03" + b"\0" * 600, "qcow2"),
         "is not a valid disk image", False),
        # a qcow2 uploaded as "raw"
        (_upload(cloud, small.read_bytes(), "raw"),
         "its data is qcow2, not the raw its disk_format says", False),
        # a 2 GiB disk for a 1 GiB flavor
        (_upload(cloud, big.read_bytes(), "qcow2"), "Flavor's disk is too small", True),
    ]
    for image_id, message, cached in cases:
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "bad", "flavorRef": flavor, "imageRef": image_id}})
        assert status == 202, body
        server_id = body["server"]["id"]
        server = cloud.wait_for_status(server_id, "ERROR")
        assert message in server["fault"]["message"], server["fault"]
        assert server["fault"]["code"] in (400, 500)
        # Nothing left: no domain, no instance directory, no allocation; the
        # base of an image that is not a usable disk is not kept either.
        assert server_id not in drv.list_instance_uuids()
        assert not os.path.exists(os.path.join(CONF.instances_path, server_id))
        assert os.path.exists(drv.image_cache.path(image_id)) is cached
        assert not os.path.exists(drv.image_cache.path(image_id) + ".part")
        inprocess.wait_for(lambda: all(v == 0 for v in cloud.usages().values()),
                           timeout=10, what="the allocation to be released")
        assert cloud.request("DELETE", "/servers/%s" % server_id)[0] == 204
        cloud.wait_for_gone(server_id)
