"""os-interface and a server's security groups, through the whole control plane
in this process (stack_fixture) and the Neutron stand-in.

One module-scoped cloud with compute1 and an ACTIVE server of project p1 on
network "private"; the tests attach and detach ports and groups and check
what Neutron, the fake hypervisor and the API say.
"""

import pytest

from nova.api.openstack.compute import attach_interfaces
from nova.api.openstack.compute import security_groups
from nova.api.openstack.compute import server_create
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
USER = {"user": "u1", "project": "p1"}
HOST = "compute1"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    standin, _url, stop_neutron = neutron_standin.start_backend(
        monkeypatch, (server_create, attach_interfaces, security_groups))
    cloud, stops = stack_fixture.start_cloud(tmp_path_factory.mktemp("ifaces"),
                                             monkeypatch, compute_hosts=(HOST,))
    try:
        private = standin.add_network("private", "p1", cidr="10.5.0.0/24")
        other = standin.add_network("other", "p1", cidr="10.6.0.0/24")
        standin.default_security_group("p1")
        web = standin.add_security_group("p1", "web", "web servers")
        standin.add_security_group_rule(web["id"], "ingress", "tcp", 80, 80,
                                        remote_ip_prefix="0.0.0.0/0")
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
        image = cloud.create_image()
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "vm", "flavorRef": flavor, "imageRef": image,
            "networks": [{"uuid": private["id"]}]}}, **USER)
        assert status == 202, body
        server = cloud.wait_for_status(body["server"]["id"], "ACTIVE")["id"]
        yield cloud, standin, server, private, other, web
    finally:
        stack_fixture.stop_all(stops)
        stop_neutron()
        monkeypatch.undo()


def _interfaces(cloud, server, version=None):
    status, _h, body = cloud.request("GET", "/servers/%s/os-interface" % server,
                                     version=version, **USER)
    assert status == 200, body
    return body["interfaceAttachments"]


def test_attach_by_network_with_a_fixed_ip_and_detach_deletes_the_port(env):
    cloud, standin, server, private, other, _web = env
    (first,) = _interfaces(cloud, server)
    assert first["net_id"] == private["id"] and first["fixed_ips"][0]["ip_address"]
    status, _h, body = cloud.request(
        "POST", "/servers/%s/os-interface" % server,
        {"interfaceAttachment": {"net_id": other["id"],
                                 "fixed_ips": [{"ip_address": "10.6.0.50"}],
                                 "tag": "data"}}, version="2.49", **USER)
    assert status == 200, body
    new = body["interfaceAttachment"]
    assert new["net_id"] == other["id"]
    assert new["fixed_ips"][0]["ip_address"] == "10.6.0.50"
    port = standin.ports[new["port_id"]]
    assert port["device_id"] == server and port["binding:host_id"] == HOST
    assert port["device_owner"].startswith("compute:")
    assert new["port_id"] in cloud.driver(HOST).instances[server].vifs
    assert {i["port_id"] for i in _interfaces(cloud, server)} == {first["port_id"],
                                                                  new["port_id"]}
    status, _h, shown = cloud.request(
        "GET", "/servers/%s/os-interface/%s" % (server, new["port_id"]), **USER)
    assert status == 200 and shown["interfaceAttachment"]["mac_addr"] == port["mac_address"]
    # The server's addresses follow.
    status, _h, ips = cloud.request("GET", "/servers/%s/ips/other" % server, **USER)
    assert ips == {"other": [{"version": 4, "addr": "10.6.0.50"}]}

    status, _h, _b = cloud.request(
        "DELETE", "/servers/%s/os-interface/%s" % (server, new["port_id"]), **USER)
    assert status == 202
    inprocess.wait_for(lambda: new["port_id"] not in standin.ports, timeout=30,
                       what="the port nova created deleted")
    assert new["port_id"] not in cloud.driver(HOST).instances[server].vifs
    assert [i["port_id"] for i in _interfaces(cloud, server)] == [first["port_id"]]
    status, _h, actions = cloud.request("GET", "/servers/%s/os-instance-actions" % server,
                                        **USER)
    names = [a["action"] for a in actions["instanceActions"]]
    assert "attach_interface" in names and "detach_interface" in names


def test_attach_a_users_port_twice_and_detach_only_unbinds_it(env):
    cloud, standin, server, private, _other, _web = env
    port = standin.create_port({"network_id": private["id"]}, "p1", admin=False)
    path = "/servers/%s/os-interface" % server
    status, _h, body = cloud.request("POST", path, {"interfaceAttachment": {
        "port_id": port["id"]}}, **USER)
    assert status == 200, body
    assert standin.ports[port["id"]]["device_id"] == server
    # The same port again: it is in use.
    status, _h, body = cloud.request("POST", path, {"interfaceAttachment": {
        "port_id": port["id"]}}, **USER)
    assert status == 409
    assert body["conflictingRequest"]["message"] == "Port %s is still in use." % port["id"]
    status, _h, _b = cloud.request("DELETE", "%s/%s" % (path, port["id"]), **USER)
    assert status == 202
    inprocess.wait_for(lambda: standin.ports[port["id"]]["device_id"] == "", timeout=30,
                       what="the user's port unbound")
    assert standin.ports[port["id"]]["binding:host_id"] == ""


def test_attach_bad_input(env):
    cloud, _standin, server, private, other, _web = env
    path = "/servers/%s/os-interface" % server
    missing = "3f0c3d6e-4a55-4f1f-9c84-8b2b52f3a111"
    cases = [
        ({"port_id": missing}, 404, "Port id %s could not be found." % missing),
        ({"net_id": missing}, 404, "Network %s could not be found." % missing),
        ({"net_id": private["id"], "port_id": missing}, 400,
         "Must not input both network_id and port_id"),
        ({"fixed_ips": [{"ip_address": "10.5.0.9"}]}, 400,
         "Must input network_id when request IP address"),
        ({"net_id": "not-a-uuid"}, 400, None),
        ({"net_id": other["id"], "tag": "x"}, 400, None),  # tag needs 2.49
    ]
    for body, code, message in cases:
        status, _h, answer = cloud.request("POST", path, {"interfaceAttachment": body},
                                           **USER)
        assert status == code, (body, answer)
        if message:
            assert list(answer.values())[0]["message"] == message
    # Two networks: the compute cannot pick one.
    status, _h, answer = cloud.request("POST", path, {"interfaceAttachment": {}}, **USER)
    assert status == 400, answer
    status, _h, answer = cloud.request("DELETE", "%s/%s" % (path, missing), **USER)
    assert status == 404
    status, _h, answer = cloud.request("GET", "%s/%s" % (path, missing), **USER)
    assert status == 404
    # Another project sees no server.
    assert cloud.request("GET", path, user="eve", project="eve")[0] == 404


def test_security_groups_added_and_removed_on_the_ports(env):
    cloud, standin, server, _private, _other, web = env
    path = "/servers/%s/os-security-groups" % server
    status, _h, body = cloud.request("GET", path, **USER)
    assert status == 200, body
    assert [g["name"] for g in body["security_groups"]] == ["default"]
    action = "/servers/%s/action" % server
    status, _h, body = cloud.request("POST", action, {"addSecurityGroup": {"name": "web"}},
                                     **USER)
    assert status == 202, body
    ports = [p for p in standin.ports.values() if p["device_id"] == server]
    assert all(web["id"] in p["security_groups"] for p in ports)
    status, _h, body = cloud.request("GET", path, **USER)
    groups = {g["name"]: g for g in body["security_groups"]}
    assert set(groups) == {"default", "web"}
    (rule,) = groups["web"]["rules"]
    assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 80, 80)
    assert rule["ip_range"] == {"cidr": "0.0.0.0/0"} and rule["parent_group_id"] == web["id"]
    assert groups["web"]["description"] == "web servers"
    # The server views list the names too.
    status, _h, shown = cloud.request("GET", "/servers/%s" % server, **USER)
    assert {g["name"] for g in shown["server"]["security_groups"]} == {"default", "web"}

    status, _h, body = cloud.request("POST", action,
                                     {"removeSecurityGroup": {"name": "web"}}, **USER)
    assert status == 202, body
    assert all(web["id"] not in p["security_groups"] for p in ports)
    # Removing it again: the server does not have it.
    status, _h, body = cloud.request("POST", action,
                                     {"removeSecurityGroup": {"name": "web"}}, **USER)
    assert status == 400
    assert body["badRequest"]["message"] == (
        "Security group web not associated with the instance %s" % server)
    status, _h, body = cloud.request("POST", action,
                                     {"addSecurityGroup": {"name": "nope"}}, **USER)
    assert status == 404
    assert body["itemNotFound"]["message"] == "Security group nope not found."
    for bad in ({"addSecurityGroup": {}}, {"addSecurityGroup": {"name": " "}},
                {"removeSecurityGroup": "web"}):
        assert cloud.request("POST", action, bad, **USER)[0] == 400, bad
    # The openstack CLI drives the same actions.
    cloud.osc("server", "add", "security", "group", server, "web", user="u1", project="p1")
    assert all(web["id"] in p["security_groups"] for p in ports)
    cloud.osc("server", "remove", "security", "group", server, "web",
              user="u1", project="p1")
    assert all(web["id"] not in p["security_groups"] for p in ports)
