"""Booting with Neutron ports that carry a resource request (microversion 2.72).

The whole control plane runs in this process (stack_fixture) with the real
Placement and the Neutron stand-in. A port gets an admin-only
``resource_request`` as Neutron sets it for a QoS minimum bandwidth (or
packet rate) rule; an operator's agent provider tree under compute2 offers
the bandwidth. The scheduler must find it through a granular group, claim it
with the instance's resources, and the compute must bind the port with the
provider(s) in binding:profile "allocation".
"""

import pytest

from nova.api.openstack.compute import server_create
from nova.virt import fake
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
USER = {"user": "u1", "project": "p1"}

PHYSNET = "CUSTOM_PHYSNET_PHYSNET0"
VNIC = "CUSTOM_VNIC_TYPE_NORMAL"
BW_EGR = "NET_BW_EGR_KILOBIT_PER_SEC"
BW_IGR = "NET_BW_IGR_KILOBIT_PER_SEC"
PPS = "NET_PACKET_RATE_KILOPACKET_PER_SEC"
GROUP_BW = "0d9f4b0a-3c8e-4f6b-a1d2-7e5c9b3a1f01"
GROUP_PPS = "6b2e8c1d-5f4a-4d3b-9e7c-2a1f0b9c8d02"


@pytest.fixture
def stack(tmp_path, monkeypatch):
    standin, _url, stop_neutron = neutron_standin.start_backend(monkeypatch,
                                                                (server_create,))
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch)
    try:
        net = standin.add_network("physnet0-net", "p1", cidr="10.5.0.0/24")
        standin.add_security_group("p1", "default")
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
        image = cloud.create_image()
        yield cloud, standin, net, flavor, image
    finally:
        stack_fixture.stop_all(stops)
        stop_neutron()


def _root_rp(cloud, host):
    def find():
        rps = cloud.placement.get("/resource_providers?name=%s" % host)
        return rps["resource_providers"][0]["uuid"] if rps["resource_providers"] else None
    return inprocess.wait_for(find, timeout=30, what="provider of %s" % host)


def _provider(cloud, name, parent, inventory, traits=()):
    """A child provider as a Neutron agent reports it."""
    status, rp = cloud.placement.request("POST", "/resource_providers",
                                         {"name": name, "parent_provider_uuid": parent})
    assert status == 200, rp
    for trait in traits:
        status, _b = cloud.placement.request("PUT", "/traits/%s" % trait)
        assert status in (201, 204), _b
    status, body = cloud.placement.request(
        "PUT", "/resource_providers/%s/inventories" % rp["uuid"],
        {"resource_provider_generation": rp["generation"],
         "inventories": {rc: {"total": total} for rc, total in inventory.items()}})
    assert status == 200, body
    if traits:
        status, body = cloud.placement.request(
            "PUT", "/resource_providers/%s/traits" % rp["uuid"],
            {"resource_provider_generation": body["resource_provider_generation"],
             "traits": list(traits)})
        assert status == 200, body
    return rp["uuid"]


def _agent_tree(cloud, host="compute2"):
    """(agent provider with packet rate, bridge provider with bandwidth) under ``host``."""
    agent = _provider(cloud, "%s:Open vSwitch agent" % host, _root_rp(cloud, host),
                      {PPS: 1000}, [VNIC])
    bridge = _provider(cloud, "%s:Open vSwitch agent:br-phys" % host, agent,
                       {BW_EGR: 10000, BW_IGR: 10000}, [PHYSNET, VNIC])
    return agent, bridge


def _port(standin, net, resource_request):
    port = standin.create_port({"network_id": net["id"]}, "p1", admin=False)
    if resource_request is not None:
        port["resource_request"] = resource_request
    return port


def _boot(cloud, flavor, image, port, version="2.72", expect=202):
    body = {"server": {"name": "qos", "flavorRef": flavor, "imageRef": image,
                       "networks": [{"port": port["id"]}]}}
    status, _h, answer = cloud.request("POST", "/servers", body, version=version, **USER)
    assert status == expect, answer
    return answer


def _allocations(cloud, server_id):
    return {rp: alloc["resources"] for rp, alloc in cloud.placement.get(
        "/allocations/%s" % server_id)["allocations"].items()}


def test_legacy_port_request_is_scheduled_claimed_and_bound(stack):
    cloud, standin, net, flavor, image = stack
    _agent, bridge = _agent_tree(cloud)
    port = _port(standin, net, {"resources": {BW_EGR: 1000, BW_IGR: 2000},
                                "required": [PHYSNET, VNIC]})
    server_id = _boot(cloud, flavor, image, port)["server"]["id"]
    server = cloud.wait_for_status(server_id, "ACTIVE", version="2.72")
    # Only compute2 has the bandwidth.
    assert server["OS-EXT-SRV-ATTR:host"] == "compute2"
    root = _root_rp(cloud, "compute2")
    assert _allocations(cloud, server_id) == {
        root: {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1},
        bridge: {BW_EGR: 1000, BW_IGR: 2000}}
    bound = standin.ports[port["id"]]
    assert bound["binding:profile"] == {"allocation": bridge}
    assert (bound["binding:host_id"], bound["device_id"]) == ("compute2", server_id)
    assert server["addresses"]["physnet0-net"][0]["addr"] == port["fixed_ips"][0][
        "ip_address"]
    # The resource request is admin-only: nova read it with its own credentials.
    assert ("GET", "/v2.0/ports", "admin:admin") in standin.requests

    status, _h, _b = cloud.request("DELETE", "/servers/%s" % server_id, **USER)
    assert status == 204
    cloud.wait_for_gone(server_id)
    assert _allocations(cloud, server_id) == {}
    kept = standin.ports[port["id"]]   # the user's port stays, unbound
    assert (kept["device_id"], kept["binding:profile"]) == ("", {})
    assert cloud.usages("p1") == {}


def test_extended_port_request_groups_share_a_subtree(stack):
    cloud, standin, net, flavor, image = stack
    agent, bridge = _agent_tree(cloud)
    port = _port(standin, net, {
        "request_groups": [
            {"id": GROUP_BW, "resources": {BW_EGR: 3000}, "required": [PHYSNET, VNIC]},
            {"id": GROUP_PPS, "resources": {PPS: 100}, "required": [VNIC]}],
        "same_subtree": [GROUP_BW, GROUP_PPS]})
    server_id = _boot(cloud, flavor, image, port)["server"]["id"]
    server = cloud.wait_for_status(server_id, "ACTIVE", version="2.72")
    assert server["OS-EXT-SRV-ATTR:host"] == "compute2"
    allocations = _allocations(cloud, server_id)
    assert allocations[bridge] == {BW_EGR: 3000}
    assert allocations[agent] == {PPS: 100}
    assert standin.ports[port["id"]]["binding:profile"] == {
        "allocation": {GROUP_BW: bridge, GROUP_PPS: agent}}
    assert cloud.usages("p1") == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1,
                                  BW_EGR: 3000, PPS: 100}


def test_no_provider_with_the_bandwidth_is_no_valid_host(stack):
    cloud, standin, net, flavor, image = stack
    _agent_tree(cloud)
    port = _port(standin, net, {"resources": {BW_EGR: 50000}, "required": [PHYSNET]})
    server_id = _boot(cloud, flavor, image, port)["server"]["id"]
    server = cloud.wait_for_status(server_id, "ERROR", version="2.72")
    assert "No valid host was found" in server["fault"]["message"]
    assert _allocations(cloud, server_id) == {}
    assert standin.ports[port["id"]]["device_id"] == ""


def test_before_272_a_port_with_a_resource_request_is_refused(stack):
    cloud, standin, net, flavor, image = stack
    port = _port(standin, net, {"resources": {BW_EGR: 1000}, "required": [PHYSNET]})
    for version in ("2.71", "2.1"):
        answer = _boot(cloud, flavor, image, port, version=version, expect=400)
        assert answer["badRequest"]["message"] == (
            "Creating servers with ports having resource requests, like a port with a "
            "QoS minimum bandwidth policy, is not supported until microversion 2.72.")
    status, _h, body = cloud.request("GET", "/servers", **USER)
    assert body["servers"] == []
    # A port without a resource request boots at 2.71 as before.
    plain = _port(standin, net, None)
    server_id = _boot(cloud, flavor, image, plain, version="2.71")["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")
    assert standin.ports[plain["id"]]["binding:profile"] == {}


def test_a_reschedule_claims_and_binds_the_alternate_host_bandwidth(stack, monkeypatch):
    cloud, standin, net, flavor, image = stack
    bridges = {host: _agent_tree(cloud, host)[1] for host in ("compute1", "compute2")}
    failed = []
    spawn = fake.FakeDriver.spawn

    def fail_first_spawn(driver, *args, **kwargs):
        if not failed:
            failed.append(driver)
            driver.fail_next_spawns(1, message="first host breaks")
        return spawn(driver, *args, **kwargs)

    monkeypatch.setattr(fake.FakeDriver, "spawn", fail_first_spawn)
    port = _port(standin, net, {"resources": {BW_EGR: 1000}, "required": [PHYSNET, VNIC]})
    server_id = _boot(cloud, flavor, image, port)["server"]["id"]
    server = cloud.wait_for_status(server_id, "ACTIVE", version="2.72")
    first = next(h for h in bridges if cloud.driver(h) is failed[0])
    second = server["OS-EXT-SRV-ATTR:host"]
    assert second != first
    assert _allocations(cloud, server_id) == {
        _root_rp(cloud, second): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1},
        bridges[second]: {BW_EGR: 1000}}
    bound = standin.ports[port["id"]]
    assert bound["binding:profile"] == {"allocation": bridges[second]}
    assert bound["binding:host_id"] == second


def test_a_port_nova_creates_on_a_qos_network_fails_the_build(stack, caplog):
    """As upstream: only a port the user made (and passed in) may have a
    resource request; one nova makes on a QoS network is deleted again."""
    cloud, standin, net, flavor, image = stack
    _agent_tree(cloud)
    standin.qos_port_requests[net["id"]] = {"resources": {BW_EGR: 1000},
                                            "required": [PHYSNET]}
    body = {"server": {"name": "qos-net", "flavorRef": flavor, "imageRef": image,
                       "networks": [{"uuid": net["id"]}]}}
    status, _h, answer = cloud.request("POST", "/servers", body, version="2.72", **USER)
    assert status == 202, answer
    server_id = answer["server"]["id"]
    cloud.wait_for_status(server_id, "ERROR", version="2.72")
    assert standin.ports == {}   # each port it made was deleted again
    assert _allocations(cloud, server_id) == {}
    # What the compute logged for the operator on each host it tried.
    assert "Using networks with QoS policy is not supported for instance %s" % server_id \
        in caplog.text


def test_server_views_show_the_security_groups_of_its_ports(stack):
    """Security groups come from Neutron: the groups of the server's ports, each once."""
    cloud, standin, net, flavor, image = stack
    web = standin.add_security_group("p1", "web")
    body = {"server": {"name": "sg", "flavorRef": flavor, "imageRef": image,
                       "networks": [{"uuid": net["id"]}, {"uuid": net["id"]}],
                       "security_groups": [{"name": "web"}, {"name": "default"}]}}
    status, _h, answer = cloud.request("POST", "/servers", body, **USER)
    assert status == 202, answer
    assert answer["server"]["security_groups"] == [{"name": "web"}, {"name": "default"}]
    server_id = answer["server"]["id"]
    cloud.wait_for_status(server_id, "ACTIVE")
    ports = [p for p in standin.ports.values() if p["device_id"] == server_id]
    assert len(ports) == 2
    assert all(p["security_groups"][0] == web["id"] for p in ports)
    status, _h, shown = cloud.request("GET", "/servers/%s" % server_id, **USER)
    assert status == 200
    assert shown["server"]["security_groups"] == [{"name": "web"}, {"name": "default"}]
    status, _h, listed = cloud.request("GET", "/servers/detail", **USER)
    (server,) = [s for s in listed["servers"] if s["id"] == server_id]
    assert server["security_groups"] == [{"name": "web"}, {"name": "default"}]
    # Not in the reply of an update (as upstream), and never for a server without ports.
    status, _h, updated = cloud.request("PUT", "/servers/%s" % server_id,
                                        {"server": {"name": "sg2"}}, **USER)
    assert status == 200 and "security_groups" not in updated["server"]
