"""The libvirt driver's config drive, against test:///default and real image writers.

The drive is read back with the same readers a guest's tools use: pycdlib
for ISO 9660 (by Rock Ridge names) and mtools for VFAT.
"""

import base64
import json
import os
import shutil
import subprocess
from xml.etree import ElementTree

import pytest

from nova import exception
from nova.network import model as network_model
from nova import objects
from nova.objects import image_meta as image_meta_obj
from nova.virt import configdrive
from nova.virt.libvirt import configdrive as lv_configdrive
from nova.virt.libvirt import device_metadata
from nova.virt.libvirt import imagebackend
from tests.unit.virt.libvirt import fixtures

USER_DATA = b"#!/bin/sh\necho hello from user data\n"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDtest unit@test"


@pytest.fixture(autouse=True)
def no_host_bridge(monkeypatch):
    import os_vif
    # Creating a host bridge needs root and changes the host: stop at os-vif's
    # door; tests/integration/test_os_vif_plug.py plugs for real.
    monkeypatch.setattr(os_vif, "plug", lambda obj, info: None)
    monkeypatch.setattr(os_vif, "unplug", lambda obj, info: None)


@pytest.fixture
def cd_conf(conf):
    yield conf
    for name in ("force_config_drive", "config_drive_format"):
        conf.clear_override(name)
    conf.clear_override("hw_machine_type", "libvirt")


def make_instance(images, config_drive="True", **kw):
    instance = fixtures.make_instance(image_ref=images.add_disk(), **kw)
    instance.update({
        "hostname": "cdvm", "launch_index": 0, "availability_zone": "nova",
        "reservation_id": "r-cd", "root_device_name": "/dev/vda",
        "key_name": "k1", "key_data": KEY, "config_drive": config_drive,
        "user_data": base64.b64encode(USER_DATA).decode(),
        "metadata": {"role": "unit"}})
    instance.keypairs = objects.KeyPairList(objects=[
        objects.KeyPair(name="k1", type="ssh", public_key=KEY)])
    return instance


def vif(tag=None, mac="fa:16:3e:c0:ff:ee"):
    subnet = network_model.Subnet(
        cidr="10.9.8.0/24", gateway=network_model.IP(address="10.9.8.1", type="gateway"),
        dns=[network_model.IP(address="10.9.8.2", type="dns")],
        ips=[network_model.FixedIP(address="10.9.8.20", type="fixed", version=4)])
    v = network_model.VIF(id="5ca1ab1e-0000-4000-8000-000000000001", address=mac,
                          type=network_model.VIF_TYPE_BRIDGE, devname="tap5ca1ab1e-00",
                          network=network_model.Network(id="net-1", bridge="br-unit",
                                                        meta={"mtu": 1450},
                                                        subnets=[subnet]))
    if tag:
        v["tag"] = tag
    return v


def spawn(drv, instance, network_info=(), image_meta=None, admin_password=None):
    image_meta = image_meta or image_meta_obj.ImageMeta.from_dict({})
    drv.spawn(None, instance, image_meta, [], admin_password, {},
              network_model.NetworkInfo(list(network_info)))


def config_disks(drv, instance):
    root = ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())
    return [d for d in root.findall("devices/disk")
            if d.find("source").get("file").endswith("/disk.config")]


def read_iso(path, tmp_path):
    out = tmp_path / "iso"
    label = configdrive.read_iso9660(path, str(out))
    return label, out


def test_iso9660_drive_is_an_ide_cdrom_with_the_instance_metadata(drv, cd_conf, images,
                                                                  tmp_path):
    instance = make_instance(images)
    spawn(drv, instance, [vif(tag="frontend")], admin_password="s3cret")
    path = os.path.join(imagebackend.instance_dir(instance), "disk.config")
    [disk] = config_disks(drv, instance)
    assert disk.get("device") == "cdrom"
    assert disk.find("source").get("file") == path
    assert disk.find("target").get("bus") == "ide"
    assert disk.find("target").get("dev") == "hdd"
    assert disk.find("driver").get("type") == "raw"
    assert disk.find("readonly") is not None
    assert instance.config_drive == "True"

    label, out = read_iso(path, tmp_path)
    assert label == "config-2"
    latest = out / "openstack" / "latest"
    md = json.loads((latest / "meta_data.json").read_text())
    assert md["uuid"] == instance.uuid
    assert md["hostname"] == "cdvm.novalocal"      # [api] dhcp_domain
    assert md["public_keys"] == {"k1": KEY}
    assert md["meta"] == {"role": "unit"}
    assert md["admin_pass"] == "s3cret"
    assert (latest / "user_data").read_bytes() == USER_DATA
    net = json.loads((latest / "network_data.json").read_text())
    assert [link["ethernet_mac_address"] for link in net["links"]] == ["fa:16:3e:c0:ff:ee"]
    assert net["networks"][0]["ip_address"] == "10.9.8.20"
    assert net["services"] == [{"type": "dns", "address": "10.9.8.2"}]
    # The EC2 tree is there too, and no password file (guests post theirs).
    ec2 = json.loads((out / "ec2" / "latest" / "meta-data.json").read_text())
    assert ec2["hostname"] == "cdvm.novalocal"
    assert not (latest / "password").exists()


def test_q35_machines_get_a_sata_cdrom(drv, cd_conf, images):
    cd_conf.set_override("hw_machine_type", "pc-q35-7.2", "libvirt")
    instance = make_instance(images)
    spawn(drv, instance)
    [disk] = config_disks(drv, instance)
    assert (disk.find("target").get("bus"), disk.find("target").get("dev")) == \
        ("sata", "sdz")
    # The image's machine type is the domain's, and its cdrom follows.
    cd_conf.clear_override("hw_machine_type", "libvirt")
    by_image = make_instance(images, instance_id=2)
    spawn(drv, by_image, image_meta=image_meta_obj.ImageMeta.from_dict(
        {"properties": {"hw_machine_type": "q35"}}))
    root = ElementTree.fromstring(drv.host.get_guest(by_image).get_xml_desc())
    assert root.find("os/type").get("machine") == "q35"
    [disk] = config_disks(drv, by_image)
    assert disk.find("target").get("bus") == "sata"


def test_image_properties_choose_the_machine_and_cdrom_bus(cd_conf):
    meta = image_meta_obj.ImageMeta.from_dict(
        {"properties": {"hw_machine_type": "q35"}})
    assert lv_configdrive.cdrom_bus(meta) == "sata"
    meta = image_meta_obj.ImageMeta.from_dict({"properties": {"hw_cdrom_bus": "scsi"}})
    assert lv_configdrive.cdrom_bus(meta) == "scsi"
    assert lv_configdrive.cdrom_bus(image_meta_obj.ImageMeta.from_dict({})) == "ide"


@pytest.mark.skipif(not (shutil.which("mkfs.vfat") and shutil.which("mtype")),
                    reason="dosfstools/mtools are not installed")
def test_vfat_drive_is_a_virtio_disk_labelled_config_2(drv, cd_conf, images):
    cd_conf.set_override("config_drive_format", "vfat")
    instance = make_instance(images)
    spawn(drv, instance, [vif()])
    [disk] = config_disks(drv, instance)
    assert disk.get("device") == "disk"
    assert (disk.find("target").get("bus"), disk.find("target").get("dev")) == \
        ("virtio", "vdz")
    assert disk.find("readonly") is None
    path = disk.find("source").get("file")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    label = subprocess.run(["mlabel", "-s", "-i", path, "::"], env=env, check=True,
                           capture_output=True, text=True).stdout
    assert "CONFIG-2" in label
    md = subprocess.run(["mtype", "-i", path, "::/openstack/latest/meta_data.json"],
                        env=env, check=True, capture_output=True, text=True).stdout
    assert json.loads(md)["uuid"] == instance.uuid


def test_no_drive_unless_asked_and_forced_or_mandatory_ones(drv, cd_conf, images):
    plain = make_instance(images, config_drive="")
    spawn(drv, plain)
    assert config_disks(drv, plain) == []
    assert not os.path.exists(os.path.join(imagebackend.instance_dir(plain),
                                           "disk.config"))
    assert not plain.config_drive

    mandatory = make_instance(images, config_drive="", instance_id=2)
    spawn(drv, mandatory, image_meta=image_meta_obj.ImageMeta.from_dict(
        {"properties": {"img_config_drive": "mandatory"}}))
    assert len(config_disks(drv, mandatory)) == 1
    assert mandatory.config_drive == "True"

    cd_conf.set_override("force_config_drive", True)
    forced = make_instance(images, config_drive="", instance_id=3)
    spawn(drv, forced)
    assert len(config_disks(drv, forced)) == 1
    assert forced.config_drive == "True"


def test_destroy_removes_the_drive_with_the_instance(drv, cd_conf, images):
    instance = make_instance(images)
    spawn(drv, instance)
    directory = imagebackend.instance_dir(instance)
    assert os.path.exists(os.path.join(directory, "disk.config"))
    drv.destroy(None, instance, [])
    assert not os.path.exists(directory)
    assert instance.uuid not in drv.list_instance_uuids()
    assert os.listdir(cd_conf.instances_path) in ([], ["_base"])


def test_a_drive_that_cannot_be_written_fails_the_spawn_and_leaves_nothing(
        drv, cd_conf, images, monkeypatch):
    def broken(self, path, fmt=None):
        with open(path, "wb") as f:
            f.write(b"half")
        raise configdrive.ConfigDriveError(reason="disk full")
    monkeypatch.setattr(configdrive.ConfigDriveBuilder, "make_drive", broken)
    instance = make_instance(images)
    with pytest.raises(exception.NovaException, match="disk full"):
        spawn(drv, instance)
    assert instance.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(imagebackend.instance_dir(instance))


def test_device_metadata_records_tagged_devices_with_their_addresses(drv, cd_conf,
                                                                      images, tmp_path):
    instance = make_instance(images)
    spawn(drv, instance, [vif(tag="frontend"), vif(mac="fa:16:3e:00:00:02")])
    # test:///default gives no PCI addresses, so the NIC has none to report
    # here; the drive addresses of disks it does give (see below).
    assert instance.device_metadata == []
    label, out = read_iso(lv_configdrive.path(instance), tmp_path)
    md = json.loads((out / "openstack" / "latest" / "meta_data.json").read_text())
    # Without an address from libvirt the tagged NIC comes from the network info.
    assert md["devices"] == [{"type": "nic", "bus": "pci", "mac": "fa:16:3e:c0:ff:ee",
                              "tags": ["frontend"]}]


DOMAIN = """<domain type='qemu'><devices>
  <disk type='file' device='disk'><source file='/i/disk'/><target dev='vda' bus='virtio'/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/></disk>
  <disk type='file' device='disk'><source file='/i/vol'/><target dev='sdb' bus='scsi'/>
    <address type='drive' controller='1' bus='0' target='2' unit='0'/></disk>
  <disk type='file' device='cdrom'><source file='/i/disk.config'/>
    <target dev='hdd' bus='ide'/>
    <address type='drive' controller='0' bus='1' target='0' unit='1'/></disk>
  <disk type='file' device='disk'><source file='/i/sata'/><target dev='sdc' bus='sata'/>
    <address type='drive' controller='0' bus='0' target='0' unit='2'/></disk>
  <interface type='bridge'><mac address='FA:16:3E:00:00:01'/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>
  <interface type='bridge'><mac address='fa:16:3e:00:00:02'/>
    <address type='pci' domain='0x0000' bus='0x01' slot='0x1f' function='0x2'/></interface>
  <interface type='bridge'><mac address='fa:16:3e:00:00:03'/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></interface>
</devices></domain>"""


def test_device_metadata_from_a_domain_follows_the_tagging_format():
    nics = [vif(tag="web", mac="fa:16:3e:00:00:01"), vif(mac="fa:16:3e:00:00:02"),
            vif(mac="fa:16:3e:00:00:03")]
    nics[1]["details"] = {"vlan": "42"}
    nics[0]["profile"] = {"trusted": True}
    bdms = [{"device_name": "/dev/sdb", "tag": "db", "volume_id": "vol-1"},
            {"device_name": "/dev/hdd", "tag": "cd", "volume_id": None},
            {"device_name": "/dev/sdc", "tag": "sata-disk", "volume_id": "vol-3"},
            {"device_name": "/dev/vda", "tag": None, "volume_id": None}]
    devices = device_metadata.from_domain_xml(DOMAIN, nics, bdms)
    assert devices == [
        {"type": "disk", "bus": "scsi", "address": "1:0:2:0", "serial": "vol-1",
         "tags": ["db"]},
        {"type": "disk", "bus": "ide", "address": "1:1", "serial": "", "tags": ["cd"]},
        {"type": "nic", "bus": "pci", "address": "0000:00:03.0",
         "mac": "fa:16:3e:00:00:01", "tags": ["web"], "vf_trusted": True},
        {"type": "nic", "bus": "pci", "address": "0000:01:1f.2",
         "mac": "fa:16:3e:00:00:02", "tags": [], "vlan": 42},
    ]
