"""InstanceMetadata: the per-version content of both formats, from plain objects (no database)."""

import base64
import json
import pickle

import pytest

from nova.api.metadata import base
from nova.api.metadata import netdata
from nova.api.metadata import password
from nova import objects

objects.register_all()

KEY = "ssh-rsa AAAAB3Nza demo@host"


def _instance(**overrides):
    values = dict(
        id=42, uuid="5f1c4a9e-4a3e-4f7e-9b1a-6a3c2d1e0f00", display_name="Web 1",
        hostname="web-1", launch_index=2, availability_zone="az1", project_id="p1",
        user_id="u1", reservation_id="r-abc", image_ref="0c5f1c4a-9e4a-4f7e-9b1a-6a3c2d1e0f00",
        kernel_id="", ramdisk_id="", root_device_name="/dev/vda", key_name="k1",
        key_data=KEY, metadata={"role": "web"}, system_metadata={},
        user_data=base64.b64encode(b"#!/bin/sh\n").decode(), config_drive="",
        keypairs=objects.KeyPairList(objects=[objects.KeyPair(
            name="k1", type="ssh", public_key=KEY)]),
        flavor=objects.Flavor(name="m1.small", extra_specs={}),
        info_cache=objects.InstanceInfoCache(network_info=[{
            "id": "8e1f0c6c-5d8b-4f1e-9d55-6c1fb1f5a001", "address": "fa:16:3e:11:22:33",
            "type": "ovs", "devname": "tap8e1f0c6c-5d", "tag": "nic1",
            "details": {"vlan": "100"}, "profile": {"trusted": "true"},
            "network": {"id": "net-1", "label": "private", "meta": {"mtu": 1450},
                        "subnets": [
                            {"cidr": "10.0.0.0/24", "gateway": {"address": "10.0.0.1"},
                             "dns": [{"address": "10.0.0.2"}],
                             "routes": [{"cidr": "192.168.0.0/16",
                                         "gateway": {"address": "10.0.0.254"}}],
                             "ips": [{"address": "10.0.0.5", "version": 4,
                                      "floating_ips": [{"address": "172.24.4.5"}]}]},
                            {"cidr": "fd00::/64", "gateway": None, "dns": [],
                             "ips": [{"address": "fd00::5", "version": 6}]}]}}]))
    values.update(overrides)
    return objects.Instance(**values)


def _bdms():
    return [objects.BlockDeviceMapping(tag="data", volume_id="vol-1", device_name="/dev/vdb",
                                       source_type="volume", destination_type="volume",
                                       boot_index=None)]


@pytest.fixture
def md():
    return base.InstanceMetadata(_instance(), bdms=_bdms())


def test_meta_data_json_per_version(md):
    def keys(version):
        return set(json.loads(md.openstack_file(version, "meta_data.json")))
    first = {"uuid", "meta", "hostname", "name", "launch_index", "availability_zone",
             "public_keys", "keys"}
    assert keys("2012-08-10") == first
    assert keys("2013-04-04") - first == {"random_seed"}
    assert keys("2015-10-15") - first == {"random_seed", "project_id"}
    assert keys("2016-06-30") - first == {"random_seed", "project_id", "devices"}
    assert keys("2020-10-14") - first == {"random_seed", "project_id", "devices",
                                          "dedicated_cpus"}
    assert keys("latest") == keys("2025-04-04") == keys("2020-10-14")


def test_devices_carry_tags_and_the_version_fields(md):
    def devices(version):
        return json.loads(md.openstack_file(version, "meta_data.json"))["devices"]
    disk, nic = devices("latest")
    assert disk == {"type": "disk", "bus": "virtio", "serial": "vol-1", "path": "/dev/vdb",
                    "tags": ["data"]}
    assert nic == {"type": "nic", "bus": "pci", "mac": "fa:16:3e:11:22:33", "tags": ["nic1"],
                   "vlan": 100, "vf_trusted": True}
    assert "vlan" not in devices("2016-10-06")[1]
    assert "vf_trusted" not in devices("2017-02-22")[1]
    assert devices("2017-02-22")[1]["vlan"] == 100


def test_devices_the_driver_described_leave_with_their_nic():
    """An entry the driver recorded at boot for a NIC since detached (its MAC
    no longer in the network info) is not listed; the others are, as recorded."""
    described = [{"type": "nic", "bus": "pci", "address": "0000:00:03.0",
                  "mac": "FA:16:3E:11:22:33", "tags": ["nic1"]},
                 {"type": "nic", "bus": "pci", "address": "0000:00:04.0",
                  "mac": "fa:16:3e:99:99:99", "tags": ["gone"]}]
    md = base.InstanceMetadata(_instance(), device_metadata=described)
    devices = json.loads(md.openstack_file("latest", "meta_data.json"))["devices"]
    assert devices == [described[0]]


def test_hostname_and_identity(md):
    data = json.loads(md.openstack_file("latest", "meta_data.json"))
    assert data["hostname"] == "web-1.novalocal"
    assert data["name"] == "Web 1"
    assert data["launch_index"] == 2
    assert data["availability_zone"] == "az1"
    assert data["keys"] == [{"name": "k1", "type": "ssh", "data": KEY}]
    assert len(base64.b64decode(data["random_seed"])) == 512
    assert md.lookup("/latest/meta-data/instance-id") == "i-0000002a"
    assert md.lookup("/latest/meta-data/ami-launch-index") == "2"
    assert md.lookup("/latest/meta-data/public-ipv4") == "172.24.4.5"
    assert md.lookup("/latest/meta-data/local-ipv4") == "10.0.0.5"


def test_no_key_no_user_data():
    md = base.InstanceMetadata(_instance(key_name=None, key_data=None, user_data=None,
                                         keypairs=objects.KeyPairList(objects=[])))
    data = json.loads(md.openstack_file("latest", "meta_data.json"))
    assert "public_keys" not in data and "keys" not in data
    assert "user_data" not in md.openstack_files("latest")
    with pytest.raises(base.InvalidMetadataPath):
        md.lookup("/openstack/latest/user_data")
    assert md.lookup("/latest/") == "meta-data/"
    assert "public-keys/" not in md.lookup("/latest/meta-data/").split("\n")


def test_network_data(md):
    data = json.loads(md.openstack_file("latest", "network_data.json"))
    assert data["links"] == [{"id": "tap8e1f0c6c-5d",
                              "vif_id": "8e1f0c6c-5d8b-4f1e-9d55-6c1fb1f5a001",
                              "type": "ovs", "mtu": 1450,
                              "ethernet_mac_address": "fa:16:3e:11:22:33"}]
    v4, v6 = data["networks"]
    assert v4 == {"id": "network0", "link": "tap8e1f0c6c-5d", "network_id": "net-1",
                  "type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
                  "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0",
                              "gateway": "10.0.0.1"},
                             {"network": "192.168.0.0", "netmask": "255.255.0.0",
                              "gateway": "10.0.0.254"}],
                  "services": [{"type": "dns", "address": "10.0.0.2"}]}
    assert v6["type"] == "ipv6" and v6["ip_address"] == "fd00::5"
    assert v6["netmask"] == "ffff:ffff:ffff:ffff::" and v6["routes"] == []
    assert data["services"] == [{"type": "dns", "address": "10.0.0.2"}]


def test_subnet_without_address_is_dhcp():
    data = netdata.network_data([{"id": "v", "address": "fa:16:3e:00:00:01",
                                  "network": {"id": "n", "subnets": [
                                      {"cidr": "10.1.0.0/24", "ips": []}]}}])
    assert data["networks"] == [{"id": "network0", "link": "interface0",
                                 "network_id": "n", "type": "ipv4_dhcp"}]
    assert data["links"][0]["type"] == "phy"


def test_password_chunks():
    value = "x" * 300
    items = password.convert_password(value)
    assert [len(items["password_%d" % i]) for i in range(4)] == [255, 45, 0, 0]
    assert password.extract_password(items) == value
    assert password.extract_password({}) == ""


def test_the_model_pickles_for_a_shared_cache(md):
    again = pickle.loads(pickle.dumps(md))
    assert again.lookup("/openstack/latest/user_data") == b"#!/bin/sh\n"


def test_config_drive_files(md):
    files = dict(md.config_drive_files())
    assert sorted(p for p in files if p.startswith("ec2/")) == [
        "ec2/2009-04-04/meta-data.json", "ec2/2009-04-04/user-data",
        "ec2/latest/meta-data.json", "ec2/latest/user-data"]
    assert "openstack/latest/password" not in files
    assert "openstack/2012-08-10/vendor_data.json" not in files
    assert json.loads(files["openstack/2015-10-15/meta_data.json"])["project_id"] == "p1"
    ec2 = json.loads(files["ec2/latest/meta-data.json"])
    assert ec2["public-keys"] == {"0": {"openssh-key": KEY}}
    assert ec2["placement"] == {"availability-zone": "az1"}


def test_kernel_and_ramdisk_ids_from_2007_12_15():
    md = base.InstanceMetadata(_instance(kernel_id="0000002a-0000-0000-0000-000000000000",
                                         ramdisk_id="0000002b-0000-0000-0000-000000000000"))
    listing = md.lookup("/2007-12-15/meta-data/").split("\n")
    assert "kernel-id" in listing and "ramdisk-id" in listing
    assert md.lookup("/latest/meta-data/kernel-id").startswith("aki-")
    assert md.lookup("/latest/meta-data/ramdisk-id").startswith("ari-")
    assert "kernel-id" not in md.lookup("/2007-10-10/meta-data/").split("\n")
    # Without them the keys are absent.
    plain = base.InstanceMetadata(_instance())
    assert "kernel-id" not in plain.lookup("/latest/meta-data/").split("\n")
    with pytest.raises(base.InvalidMetadataPath):
        plain.lookup("/latest/meta-data/kernel-id")
