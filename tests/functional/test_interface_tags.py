"""Device tags of a server's network interfaces, through the whole control plane
in this process (stack_fixture), the Neutron stand-in and the metadata API.

A tag is given at boot (``networks[].tag``, with the openstack CLI's ``--nic
...,tag=``) or at attach (``interfaceAttachment.tag``, ``openstack server add
port --tag``); os-interface shows it from 2.70 and the metadata service lists
the tagged NICs (with their MACs) in meta_data.json's ``devices``. Neutron
keeps no such attribute: nova keeps it in the VIFs of the server's info
cache, so it must survive a refresh of that cache from Neutron, a restart of
nova-compute and the detach of another interface, and go with its own.

The tests of this module share one cloud and one server and run in order.
"""

import json
import os
import subprocess

import pytest

from nova.api.openstack.compute import attach_interfaces
from nova.api.openstack.compute import server_create
from nova import service
from tests.functional import inprocess
from tests.functional import metadata_fixture as mdf
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
USER = {"user": "u1", "project": "p1"}
HOST = "tagc1"
LV_BRIDGE = "brnovatags"


@pytest.fixture
def libvirt_cloud(tmp_path, monkeypatch):
    """compute1 on libvirt's test:///default, the flat network on a bridge (root)."""
    pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    if os.geteuid() != 0:
        pytest.skip("creating the flat network's bridge needs root")
    from nova.virt.libvirt import driver as libvirt_driver
    for module in (server_create, attach_interfaces):
        monkeypatch.setattr(module.COMPUTE, "_network_api", None, raising=False)
    overrides = {("instances_path", None): str(tmp_path / "instances"),
                 ("connection_uri", "libvirt"): "test:///default",
                 ("virt_type", "libvirt"): "qemu", ("bridge", "flat_network"): LV_BRIDGE}
    for (name, group), value in overrides.items():
        CONF.set_override(name, value, group)
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=(HOST,))
    try:
        manager = cloud.computes[HOST].manager
        drv = libvirt_driver.LibvirtDriver(manager.virtapi)
        drv.init_host(HOST)
        manager.driver = drv
        disk = tmp_path / "disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "32M"],
                       check=True)
        status, _h, image = cloud.request_image("POST", "/v2/images", {
            "name": "disk", "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public"})
        assert status == 201, image
        assert cloud.request_image("PUT", "/v2/images/%s/file" % image["id"],
                                   raw=disk.read_bytes())[0] == 204
        yield cloud, drv, image["id"]
    finally:
        stack_fixture.stop_all(stops)
        for name, group in overrides:
            CONF.clear_override(name, group)
        subprocess.run(["ip", "link", "del", LV_BRIDGE], capture_output=True)


def test_libvirt_config_drive_lists_a_tagged_nic(libvirt_cloud, tmp_path):
    """The libvirt driver finds the boot tag on the VIF it plugs: the config
    drive it writes lists the NIC with the guest's MAC and the tag (and the
    PCI address libvirt gave it: a real libvirtd gives one, test:///default
    none, so the entry is then derived from the network info alone)."""
    from nova.virt import configdrive
    cloud, drv, image = libvirt_cloud
    status, _h, body = cloud.request("GET", "/os-networks", **USER)
    (net_id,) = [n["id"] for n in body["networks"]]
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "lv", "flavorRef": cloud.create_flavor(ram=128), "imageRef": image,
        "config_drive": True, "networks": [{"uuid": net_id, "tag": "lv-nic"}]}},
        version="2.42", **USER)
    assert status == 202, body
    server = cloud.wait_for_status(body["server"]["id"], "ACTIVE", **USER)["id"]
    iface = drv.host.get_guest(server).get_xml().find("devices/interface")
    expected = {"type": "nic", "bus": "pci", "mac": iface.find("mac").get("address"),
                "tags": ["lv-nic"]}
    address = iface.find("address")
    if address is not None:
        expected["address"] = "%04x:%02x:%02x.%x" % tuple(int(address.get(k), 16) for k in (
            "domain", "bus", "slot", "function"))
    drive = os.path.join(CONF.instances_path, server, "disk.config")
    assert configdrive.read_iso9660(drive, str(tmp_path / "cd")) == "config-2"
    md = json.loads((tmp_path / "cd" / "openstack" / "latest" / "meta_data.json").read_text())
    assert md["devices"] == [expected]
    assert cloud.request("DELETE", "/servers/%s" % server, **USER)[0] == 204
    cloud.wait_for_gone(server)


@pytest.fixture
def flat_cloud(tmp_path_factory):
    """The all-in-one's embedded flat network (no Neutron); its own cloud, so it
    runs (first) before the module's Neutron cloud starts."""
    monkeypatch = pytest.MonkeyPatch()
    for module in (server_create, attach_interfaces):
        monkeypatch.setattr(module.COMPUTE, "_network_api", None, raising=False)
    undo_md = mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
                            ("neutron", "service_metadata_proxy"): True,
                            ("api", "metadata_cache_expiration"): 0})
    cloud, stops = stack_fixture.start_cloud(tmp_path_factory.mktemp("flattags"),
                                             monkeypatch, compute_hosts=(HOST,))
    try:
        metadata, stop_md = mdf.serve_metadata()
        stops.append(stop_md)
        yield cloud, metadata
    finally:
        stack_fixture.stop_all(stops)
        undo_md()
        monkeypatch.undo()


def test_flat_network_keeps_boot_tags(flat_cloud):
    cloud, metadata = flat_cloud
    status, _h, body = cloud.request("GET", "/os-networks", **USER)
    assert status == 200, body
    (net_id,) = [n["id"] for n in body["networks"]]
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": "flat", "flavorRef": cloud.create_flavor(), "imageRef": cloud.create_image(),
        "networks": [{"uuid": net_id, "tag": "one"}, {"uuid": net_id}]}},
        version="2.42", **USER)
    assert status == 202, body
    server = cloud.wait_for_status(body["server"]["id"], "ACTIVE", **USER)["id"]
    ifaces = _interfaces(cloud, server, "2.70")
    assert sorted(i["tag"] or "" for i in ifaces) == ["", "one"]
    (tagged,) = [i for i in ifaces if i["tag"]]
    status, _h, body = metadata.request("/openstack/latest/meta_data.json",
                                        headers=mdf.proxy_headers(server, "p1"))
    assert status == 200, body
    nics = [d for d in json.loads(body)["devices"] if d["type"] == "nic"]
    assert [(d["mac"], d["tags"]) for d in nics] == [(tagged["mac_addr"], ["one"])]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    standin, url, stop_neutron = neutron_standin.start_backend(
        monkeypatch, (server_create, attach_interfaces))
    undo_md = mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
                            ("neutron", "service_metadata_proxy"): True,
                            ("api", "metadata_cache_expiration"): 0})
    cloud, stops = stack_fixture.start_cloud(tmp_path_factory.mktemp("nictags"),
                                             monkeypatch, compute_hosts=(HOST,))
    restarted = []
    try:
        # The CLI finds networks and ports in Neutron (the stand-in).
        clouds = cloud.api._cloud

        def with_network(user, project):
            config = clouds(user, project)
            config["network_endpoint_override"] = url
            return config
        monkeypatch.setattr(cloud.api, "_cloud", with_network)
        metadata, stop_md = mdf.serve_metadata()
        stops.append(stop_md)
        env = {"cloud": cloud, "standin": standin, "metadata": metadata,
               "restarted": restarted}
        env["private"] = standin.add_network("private", "p1", cidr="10.7.0.0/24")
        env["other"] = standin.add_network("other", "p1", cidr="10.8.0.0/24")
        standin.default_security_group("p1")
        env["flavor"] = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
        env["image"] = cloud.create_image()
        yield env
    finally:
        for svc in restarted:
            try:
                svc.stop()
            except Exception:
                pass
        stack_fixture.stop_all(stops)
        undo_md()
        stop_neutron()
        monkeypatch.undo()


def _interfaces(cloud, server, version):
    status, _h, body = cloud.request("GET", "/servers/%s/os-interface" % server,
                                     version=version, **USER)
    assert status == 200, body
    return body["interfaceAttachments"]


def _tags(cloud, server):
    """{port id: tag} as os-interface shows them at 2.70."""
    return {i["port_id"]: i["tag"] for i in _interfaces(cloud, server, "2.70")}


def _nic_devices(env, server):
    """{MAC: tags} of the NICs in the metadata service's meta_data.json."""
    status, _h, body = env["metadata"].request(
        "/openstack/latest/meta_data.json", headers=mdf.proxy_headers(server, "p1"))
    assert status == 200, body
    return {d["mac"]: d["tags"] for d in json.loads(body)["devices"] if d["type"] == "nic"}


def _refresh_from_neutron(env, server, port_id):
    """Neutron's network-changed event: the compute rebuilds the info cache
    from the ports; returns once the server shows a floating IP added to
    ``port_id`` (so the refresh did happen)."""
    cloud, standin = env["cloud"], env["standin"]
    address = "198.51.100.%d" % (len(standin.floatingips) + 10)
    standin.add_floating_ip(port_id, address)
    status, _h, body = cloud.request("POST", "/os-server-external-events", {"events": [
        {"name": "network-changed", "server_uuid": server, "tag": port_id}]})
    assert status == 200, body

    def refreshed():
        _s, _h, ips = cloud.request("GET", "/servers/%s/ips" % server, **USER)
        return any(a["addr"] == address for net in ips["addresses"].values() for a in net)
    inprocess.wait_for(refreshed, timeout=30, what="the info cache refreshed")


def test_boot_with_tagged_networks_and_a_tagged_port(env):
    cloud, standin = env["cloud"], env["standin"]
    port = standin.create_port({"network_id": env["private"]["id"]}, "p1", admin=False)
    # Tags need 2.42 or later with 2.37's networks; the CLI asks for 2.43.
    created = cloud.osc(
        "server", "create", "--flavor", env["flavor"], "--image", env["image"],
        "--nic", "net-id=%s,tag=front" % env["private"]["id"],
        "--nic", "net-id=%s" % env["other"]["id"],
        "--nic", "port-id=%s,tag=mine" % port["id"], "tagged", version="2.52", **USER)
    server = cloud.wait_for_status(created["id"], "ACTIVE", **USER)["id"]
    env["server"], env["user_port"] = server, port["id"]

    old = _interfaces(cloud, server, "2.69")
    assert len(old) == 3 and all("tag" not in i for i in old)
    by_net = {}
    for iface in _interfaces(cloud, server, "2.70"):
        by_net.setdefault(iface["net_id"], []).append(iface)
    private, other = by_net[env["private"]["id"]], by_net[env["other"]["id"]]
    assert sorted((i["port_id"] == port["id"], i["tag"]) for i in private) == \
        [(False, "front"), (True, "mine")]
    assert [i["tag"] for i in other] == [None]
    env["front"] = [i for i in private if i["port_id"] != port["id"]][0]["port_id"]
    env["untagged"] = other[0]["port_id"]
    status, _h, body = cloud.request(
        "GET", "/servers/%s/os-interface/%s" % (server, port["id"]), version="2.70", **USER)
    assert status == 200 and body["interfaceAttachment"]["tag"] == "mine"
    # 2.32 to 2.36 take a tag on a network too; 2.37 to 2.41 do not.
    for version, code in (("2.32", 202), ("2.37", 400)):
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "v%s" % version, "flavorRef": env["flavor"], "imageRef": env["image"],
            "networks": [{"uuid": env["other"]["id"], "tag": "t"}]}},
            version=version, **USER)
        assert status == code, (version, body)
        if code == 202:
            cloud.wait_for_status(body["server"]["id"], "ACTIVE", **USER)
            assert list(_tags(cloud, body["server"]["id"]).values()) == ["t"]
            cloud.request("DELETE", "/servers/%s" % body["server"]["id"], **USER)

    # The guest sees the tags with the MACs Neutron gave the ports.
    macs = {p: standin.ports[p]["mac_address"] for p in (port["id"], env["front"])}
    assert _nic_devices(env, server) == {macs[port["id"]]: ["mine"],
                                         macs[env["front"]]: ["front"]}


def test_attach_with_a_tag_and_detach_another_interface(env):
    cloud, standin, server = env["cloud"], env["standin"], env["server"]
    port = standin.create_port({"network_id": env["other"]["id"]}, "p1", admin=False)
    cloud.osc("server", "add", "port", "--tag", "late", server, port["id"],
              version="2.49", **USER)
    tags = _tags(cloud, server)
    assert tags == {env["user_port"]: "mine", env["front"]: "front",
                    env["untagged"]: None, port["id"]: "late"}
    assert _nic_devices(env, server)[standin.ports[port["id"]]["mac_address"]] == ["late"]

    # Detaching another interface keeps every tag.
    cloud.osc("server", "remove", "port", server, env["untagged"], **USER)
    inprocess.wait_for(lambda: env["untagged"] not in _tags(cloud, server), timeout=30,
                       what="the untagged interface detached")
    assert _tags(cloud, server) == {env["user_port"]: "mine", env["front"]: "front",
                                    port["id"]: "late"}

    # Detaching the tagged one takes its tag: attached again without one, it has none.
    cloud.osc("server", "remove", "port", server, port["id"], **USER)
    inprocess.wait_for(lambda: port["id"] not in _tags(cloud, server), timeout=30,
                       what="the tagged interface detached")
    assert "late" not in [t for tags in _nic_devices(env, server).values() for t in tags]
    status, _h, body = cloud.request("POST", "/servers/%s/os-interface" % server, {
        "interfaceAttachment": {"port_id": port["id"]}}, version="2.70", **USER)
    assert status == 200 and body["interfaceAttachment"]["tag"] is None, body
    assert _tags(cloud, server)[port["id"]] is None
    env["plain"] = port["id"]


def test_tags_survive_a_cache_refresh_and_a_compute_restart(env):
    cloud, server = env["cloud"], env["server"]
    expected = {env["user_port"]: "mine", env["front"]: "front", env["plain"]: None}
    _refresh_from_neutron(env, server, env["front"])
    assert _tags(cloud, server) == expected

    old = cloud.computes[HOST]
    vifs = list(old.manager.driver.instances[server].vifs)
    old.stop()
    old.rpcserver = None      # stopped; the module's teardown stops it again
    new = service.Service.create(host=HOST, binary="nova-compute", topic="compute")
    guest = new.manager.driver.add_instance("guest-" + server[:8], server)
    guest.vifs.extend(vifs)
    new.start()
    env["restarted"].append(new)
    cloud.computes[HOST] = new
    assert _tags(cloud, server) == expected
    _refresh_from_neutron(env, server, env["user_port"])
    assert _tags(cloud, server) == expected
    # The restarted compute detaches a tagged interface; the others keep theirs.
    cloud.osc("server", "remove", "port", server, env["front"], **USER)
    inprocess.wait_for(lambda: env["front"] not in _tags(cloud, server), timeout=30,
                       what="the interface detached through the new compute")
    assert _tags(cloud, server) == {env["user_port"]: "mine", env["plain"]: None}
    assert list(_nic_devices(env, server).values()) == [["mine"]]

