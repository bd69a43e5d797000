"""cloud-init's own readers against a server booted through the whole control plane.

The server is booted with a key pair and user data on the flat network with
the fake driver; cloud-init's OpenStack MetadataReader reads the metadata
API over HTTP on loopback, as the Neutron metadata proxy would pass it on
(the test sets the proxy's signed headers), and by fixed address as on the
flat network.
"""

import pytest

from tests.functional import metadata_fixture as mdf
from tests.functional import stack_fixture

USER_DATA = "#cloud-config\nruncmd:\n - echo hello from user data\n"


@pytest.fixture
def booted(tmp_path, monkeypatch):
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch)
    try:
        stops.append(mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET}))
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1, flavor_id="1")
        image = cloud.create_image()
        status, _h, body = cloud.request("POST", "/os-keypairs",
                                         {"keypair": {"name": "demo-key"}})
        assert status == 200, body
        keypair = body["keypair"]
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "Web-01", "flavorRef": flavor, "imageRef": image,
            "key_name": "demo-key", "user_data": mdf.b64(USER_DATA),
            "metadata": {"role": "web"}}})
        assert status == 202, body
        server = cloud.wait_for_status(body["server"]["id"], "ACTIVE")
        metadata, stop = mdf.serve_metadata()
        stops.append(stop)
        yield cloud, server, keypair, metadata
    finally:
        stack_fixture.stop_all(stops)


def _fixed_ip(server):
    return server["addresses"]["private"][0]["addr"]


def _check_reading(result, server, keypair):
    openstack, _ec2, _u = mdf.cloudinit()
    metadata = result["metadata"]
    assert metadata["uuid"] == server["id"]
    assert metadata["name"] == "Web-01"
    assert metadata["hostname"] == "web-01.novalocal"
    assert metadata["local-hostname"] == "web-01.novalocal"
    assert metadata["public_keys"] == {"demo-key": keypair["public_key"]}
    assert metadata["keys"] == [{"name": "demo-key", "type": "ssh",
                                 "data": keypair["public_key"]}]
    assert metadata["meta"] == {"role": "web"}
    assert metadata["project_id"] == server["tenant_id"]
    assert len(metadata["random_seed"]) == 512
    assert result["userdata"] == USER_DATA.encode()
    # The network configuration cloud-init would write for the guest.
    mac = server["addresses"]["private"][0]["OS-EXT-IPS-MAC:mac_addr"]
    network = openstack.convert_net_json(result["networkdata"], known_macs={mac: "eth0"})
    [physical] = [c for c in network["config"] if c["type"] == "physical"]
    assert physical["mac_address"] == mac
    assert physical["name"] == "eth0"
    [subnet] = physical["subnets"]
    assert subnet["type"] == "static"
    assert subnet["address"] == _fixed_ip(server)
    assert subnet["netmask"] == "255.255.255.0"
    assert subnet["routes"][0]["gateway"] == "10.0.0.1"
    return metadata


def test_cloudinit_reads_the_service_behind_the_neutron_proxy(booted):
    cloud, server, keypair, metadata = booted
    undo = mdf.set_conf({("neutron", "service_metadata_proxy"): True})
    try:
        headers = mdf.proxy_headers(server["id"], server["tenant_id"])
        reader = mdf.proxied_reader(metadata.url, headers)
        result = reader.read_v2()
    finally:
        undo()
    _check_reading(result, server, keypair)
    # cloud-init picked the newest version it knows that we list.
    assert reader._find_working_version() == "2018-08-27"
    ec2 = result["ec2-metadata"]
    assert ec2["instance-type"] == "m1.tiny"
    assert ec2["hostname"] == "web-01.novalocal"
    assert ec2["local-ipv4"] == _fixed_ip(server)
    assert ec2["placement"] == {"availability-zone": "nova"}
    assert ec2["public-keys"] == {"demo-key": keypair["public_key"]}
    assert ec2["instance-id"].startswith("i-") and len(ec2["instance-id"]) == 10


def test_cloudinit_reads_the_service_by_fixed_address_on_the_flat_network(booted):
    cloud, server, keypair, metadata = booted
    undo = mdf.set_conf({("api", "use_forwarded_for"): True})
    try:
        reader = mdf.proxied_reader(metadata.url, {"X-Forwarded-For": _fixed_ip(server)})
        result = reader.read_v2()
        # An address no instance holds finds nothing.
        status, _h, _b = metadata.request("/openstack/latest/meta_data.json",
                                          headers={"X-Forwarded-For": "10.0.0.250"})
    finally:
        undo()
    _check_reading(result, server, keypair)
    assert status == 404
