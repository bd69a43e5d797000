"""Contract: every call nova makes to Neutron, against Neutron 29 and against our stand-in.

The calls (nova/network/neutron_client.py, nova/network/neutron.py,
nova/api/metadata/lookup.py), each exercised below through nova's own code:

* GET /v2.0/networks?id=..                    (named networks; _available_networks)
* GET /v2.0/networks?tenant_id=..&shared=False and ?shared=True   (get_all)
* GET /v2.0/networks/{id}                     (get, show_network; 404 -> NetworkNotFound)
* GET /v2.0/security-groups?tenant_id=..      (security group names -> ids at boot)
* POST /v2.0/ports                            (create_port; fixed IP errors translated)
* PUT /v2.0/ports/{id}                        (binding:host_id, device_id/owner, unbind)
* GET /v2.0/ports/{id}                        (show_port; 404 -> PortNotFound)
* DELETE /v2.0/ports/{id}                     (delete_port; 404 -> PortNotFound)
* GET /v2.0/ports?device_id=.. / ?id=.. / ?network_id=..&fixed_ips=ip_address=..
  / ?tenant_id=..&fields=id / ?fixed_ips=ip_address=.. (metadata lookup)
* GET /v2.0/subnets?id=..                     (network info)
* GET /v2.0/floatingips?port_id=..            (network info)
* GET /v2.0/quotas/{project}                  (port quota check)
* GET /v2.0/auto-allocated-topology/{project} (--nic auto; unavailable -> 400 to the user)
* os-interface (nova/network/neutron_interfaces.py): GET /v2.0/ports/{id} (free or
  in use), PUT /v2.0/ports/{id} (bind to a running server, unbind on detach),
  POST /v2.0/ports (a new port on a network, with a fixed IP), DELETE on detach
* security groups of a server: GET /v2.0/security-groups?id=.. (with rules),
  GET /v2.0/ports?device_id=..&fields=.., PUT /v2.0/ports/{id} security_groups

Each test runs twice: ``real`` (tools/neighbours.py: Keystone + Neutron with
the agent-less ML2 driver; nova acts with the user's Keystone token and its
``nova`` service user) and ``standin`` (tests/functional/neutron_standin.py,
the one the functional tests use).
"""

import uuid

import pytest

from nova import exception
from nova.network import api as network_api
from nova.network import neutron as neutron_api
from nova.network import neutron_client
from nova import objects
from tests.functional import inprocess
from tests.integration import contract_sides

# One worker runs every module of the group, with one ``neighbours`` deployment
# (tests/integration/conftest.py, tests/xdist_order.py); the first test's set-up
# may install the services from PyPI (minutes on a fresh machine).
pytestmark = [pytest.mark.xdist_group("neighbours"), pytest.mark.timeout(900)]


@pytest.fixture(scope="module", params=["real", "standin"])
def side(request):
    if request.param == "real":
        yield contract_sides.RealNeutron(request.getfixturevalue("neighbours"))
    else:
        standin = contract_sides.StandInNeutron()
        yield standin
        standin.stop()


@pytest.fixture
def neutron(side, tmp_path, monkeypatch):
    """``side`` configured as nova's [neutron], with a fresh cell database."""
    gen = inprocess.configured_nova(tmp_path, monkeypatch)
    next(gen)
    side.configure()
    try:
        yield side
    finally:
        side.unconfigure()
        side.cleanup()
        next(gen, None)


def _name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


def _instance(ctxt):
    from nova import context as nova_context
    inst = objects.Instance(nova_context.get_admin_context(), project_id=ctxt.project_id,
                            user_id=ctxt.user_id, vm_state="building", host="compute1",
                            availability_zone="nova")
    inst.create()
    return objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["info_cache"])


def test_networks_a_project_sees(neutron):
    ctxt = neutron.user_context()
    own = neutron.add_network(_name("own"), ctxt.project_id, cidr="10.31.0.0/24")
    shared = neutron.add_network(_name("shared"), neutron.other_project(), shared=True,
                                 cidr="10.32.0.0/24")
    other = neutron.add_network(_name("other"), neutron.other_project(), cidr="10.33.0.0/24")
    api = neutron_api.API()
    names = {n["name"] for n in api.get_all(ctxt)}
    assert {own["name"], shared["name"]} <= names
    assert other["name"] not in names
    got = api.get(ctxt, own["id"])
    assert (got["id"], got["name"], got["subnets"]) == (own["id"], own["name"],
                                                          own["subnets"])
    assert api.get(ctxt, shared["id"])["shared"] is True
    with pytest.raises(exception.NetworkNotFound):
        api.get(ctxt, other["id"])
    with pytest.raises(exception.NetworkNotFound):
        api.get(ctxt, str(uuid.uuid4()))
    # Named networks keep the order asked for; a missing one is NetworkNotFound.
    client = neutron_client.get_client(ctxt)
    nets = api._available_networks(ctxt, client, [shared["id"], own["id"]])
    assert [n["id"] for n in nets] == [shared["id"], own["id"]]
    with pytest.raises(exception.NetworkNotFound):
        api._available_networks(ctxt, client, [own["id"], str(uuid.uuid4())])


def test_network_without_subnet_is_refused(neutron):
    ctxt = neutron.user_context()
    bare = neutron.add_network(_name("bare"), ctxt.project_id)
    with pytest.raises(exception.NetworkRequiresSubnet):
        neutron_api.API().validate_networks(
            ctxt, objects.NetworkRequestList(objects=[
                objects.NetworkRequest(network_id=bare["id"])]), 1)


def test_security_group_names_become_ids(neutron):
    """The list answers under ``security_groups``; every project has ``default``."""
    ctxt = neutron.user_context()
    web = neutron.add_security_group(ctxt.project_id, _name("web"))
    client = neutron_client.get_client(ctxt)
    groups = client.list("security-groups", tenant_id=ctxt.project_id)
    assert {"default", web["name"]} <= {g["name"] for g in groups}
    ids = neutron_api.API()._security_group_ids(client, ctxt, [web["name"], "default"])
    default = [g["id"] for g in groups if g["name"] == "default"]
    assert ids == [web["id"], default[0]]
    assert neutron_api.API()._security_group_ids(client, ctxt, [web["id"]]) == [web["id"]]
    with pytest.raises(exception.NetworkError):
        neutron_api.API()._security_group_ids(client, ctxt, ["no-such-group"])


def test_port_lifecycle_through_the_client(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.34.0.0/24")
    user = neutron_client.get_client(ctxt)
    admin = neutron_client.get_client(ctxt, admin=True)
    device = str(uuid.uuid4())
    port = user.create_port({"network_id": net["id"], "device_id": device,
                             "device_owner": "compute:nova",
                             "tenant_id": ctxt.project_id, "admin_state_up": True})
    assert port["network_id"] == net["id"] and port["device_id"] == device
    assert port["fixed_ips"][0]["ip_address"].startswith("10.34.0.")
    assert port["mac_address"]
    # Bindings are for admins: a user sees none of them, nova's service user does.
    assert "binding:vif_type" not in port and "binding:host_id" not in port
    assert admin.show_port(port["id"])["binding:vif_type"] == "unbound"
    bound = admin.update_port(port["id"], {"binding:host_id": "compute1"})
    assert (bound["binding:host_id"], bound["binding:vif_type"]) == ("compute1", "ovs")
    assert user.show_port(port["id"])["device_id"] == device
    assert [p["id"] for p in admin.list("ports", device_id=device)] == [port["id"]]
    assert [p["id"] for p in user.list("ports", id=[port["id"]])] == [port["id"]]
    address = port["fixed_ips"][0]["ip_address"]
    assert [p["id"] for p in user.list("ports", network_id=net["id"],
                                       fixed_ips="ip_address=%s" % address)] == [port["id"]]
    assert [p["id"] for p in admin.list("ports", fixed_ips="ip_address=%s" % address,
                                        network_id=net["id"])] == [port["id"]]
    mine = user.list("ports", tenant_id=ctxt.project_id, fields="id")
    assert {"id": port["id"]} in mine
    subnet_id = port["fixed_ips"][0]["subnet_id"]
    (subnet,) = user.list("subnets", id=[subnet_id])
    assert subnet["cidr"] == "10.34.0.0/24" and subnet["gateway_ip"] == "10.34.0.1"
    assert user.list("floatingips", port_id=[port["id"]]) == []
    # Unbind as nova does when a kept port leaves its server.
    unbound = admin.update_port(port["id"], {"device_id": "", "device_owner": "",
                                             "binding:host_id": None, "binding:profile": {}})
    assert (unbound["device_id"], unbound["binding:vif_type"]) == ("", "unbound")
    admin.delete_port(port["id"])
    with pytest.raises(exception.PortNotFound):
        user.show_port(port["id"])
    with pytest.raises(exception.PortNotFound):
        admin.delete_port(port["id"])
    with pytest.raises(exception.PortNotFound):
        admin.update_port(port["id"], {"device_id": "x"})


def test_port_create_errors_become_nova_faults(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.35.0.0/24")
    client = neutron_client.get_client(ctxt)
    body = {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.35.0.20"}]}
    first = client.create_port(dict(body))
    with pytest.raises(exception.FixedIpAlreadyInUse):
        client.create_port(dict(body))
    with pytest.raises(exception.FixedIpInvalidOnNetwork):
        client.create_port({"network_id": net["id"],
                            "fixed_ips": [{"ip_address": "192.168.77.5"}]})
    with pytest.raises(exception.NetworkNotFound):
        client.create_port({"network_id": str(uuid.uuid4())})
    neutron_client.get_client(ctxt, admin=True).delete_port(first["id"])


def test_validate_networks_checks_ports_and_addresses(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.36.0.0/24")
    client = neutron_client.get_client(ctxt)
    used = client.create_port({"network_id": net["id"], "device_id": str(uuid.uuid4()),
                               "fixed_ips": [{"ip_address": "10.36.0.9"}]})
    free = client.create_port({"network_id": net["id"]})
    api = neutron_api.API()

    def reqs(**kwargs):
        return objects.NetworkRequestList(objects=[objects.NetworkRequest(**kwargs)])

    with pytest.raises(exception.PortInUse):
        api.validate_networks(ctxt, reqs(port_id=used["id"]), 1)
    assert api.validate_networks(ctxt, reqs(port_id=free["id"]), 1) == 1
    with pytest.raises(exception.FixedIpAlreadyInUse):
        api.validate_networks(ctxt, reqs(network_id=net["id"], address="10.36.0.9"), 1)
    assert api.validate_networks(ctxt, reqs(network_id=net["id"]), 2) == 2
    with pytest.raises(exception.PortNotFound):
        api.validate_networks(ctxt, reqs(port_id=str(uuid.uuid4())), 1)
    quota = client.show_quota(ctxt.project_id)
    assert isinstance(quota.get("port"), int)
    # A port without a resource request asks Placement for nothing.
    groups, _params = api.create_resource_requests(ctxt, reqs(port_id=free["id"]))
    assert groups == []


def test_allocate_and_deallocate_for_an_instance(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.37.0.0/24")
    net2 = neutron.add_network(_name("net2"), ctxt.project_id, cidr="10.38.0.0/24")
    web = neutron.add_security_group(ctxt.project_id, _name("web"))
    kept = neutron_client.get_client(ctxt).create_port({"network_id": net2["id"]})
    inst = _instance(ctxt)
    requests = objects.NetworkRequestList(objects=[
        objects.NetworkRequest(network_id=net2["id"]),
        objects.NetworkRequest(network_id=net["id"]),
        objects.NetworkRequest(port_id=kept["id"]),
        objects.NetworkRequest(network_id=net2["id"])])
    api = network_api.get_network_api()
    nw_info = api.allocate_for_instance(ctxt, inst, requests, security_groups=[web["name"]],
                                        bind_host_id="compute1")
    # Order kept, a network twice is two ports.
    assert [vif["network"]["id"] for vif in nw_info] == [net2["id"], net["id"], net2["id"],
                                                          net2["id"]]
    assert nw_info[2]["id"] == kept["id"] and nw_info[2]["preserve_on_delete"]
    # The network info nova caches carries the binding (only an admin sees it).
    assert [vif["type"] for vif in nw_info] == ["ovs"] * 4
    assert all(vif["ovs_interfaceid"] == vif["id"] for vif in nw_info)
    ports = neutron.ports(device_id=inst.uuid)
    assert len(ports) == 4
    for port in ports:
        assert port["binding:host_id"] == "compute1"
        assert port["binding:vif_type"] == "ovs"
        assert port["device_owner"] == "compute:nova"
    created = [p for p in ports if p["id"] != kept["id"]]
    assert all(p["security_groups"] == [web["id"]] for p in created)
    subnet = nw_info[1]["network"]["subnets"][0]
    assert (subnet["cidr"], subnet["gateway"]["address"]) == ("10.37.0.0/24", "10.37.0.1")
    api.deallocate_for_instance(ctxt, objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["info_cache"]))
    assert neutron.ports(device_id=inst.uuid) == []
    left = neutron.show("ports", kept["id"])
    assert left is not None and left["device_id"] == ""


def test_default_security_group_on_a_port_nova_creates(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.39.0.0/24")
    client = neutron_client.get_client(ctxt)
    groups = client.list("security-groups", tenant_id=ctxt.project_id)
    default = [g["id"] for g in groups if g["name"] == "default"]
    port = client.create_port({"network_id": net["id"]})
    assert port["security_groups"] == default
    neutron_client.get_client(ctxt, admin=True).delete_port(port["id"])


def test_auto_allocation_unavailable(neutron):
    ctxt = neutron.user_context()
    client = neutron_client.get_client(ctxt)
    with pytest.raises(exception.UnableToAutoAllocateNetwork):
        client.get_auto_allocated_topology(ctxt.project_id, dry_run=True)


def test_metadata_finds_the_instance_by_its_address(neutron):
    from nova.api.metadata import lookup
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.40.0.0/24")
    device = str(uuid.uuid4())
    port = neutron_client.get_client(ctxt).create_port({
        "network_id": net["id"], "device_id": device, "device_owner": "compute:nova"})
    address = port["fixed_ips"][0]["ip_address"]
    assert lookup._instance_uuid_by_address(address) == device
    assert lookup._instance_uuid_by_address("10.40.0.250") is None


def test_security_groups_of_servers_for_the_views(neutron):
    """GET /ports?device_id=..&fields=.. and /security-groups?id=..&fields=..:
    what GET /servers/detail shows under security_groups."""
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.41.0.0/24")
    web = neutron.add_security_group(ctxt.project_id, _name("web"))
    client = neutron_client.get_client(ctxt)
    default = [g for g in client.list("security-groups", tenant_id=ctxt.project_id)
               if g["name"] == "default"][0]
    one, two, bare = (str(uuid.uuid4()) for _ in range(3))
    for device, groups in ((one, [web["id"], default["id"]]), (one, [web["id"]]),
                           (two, [default["id"]])):
        client.create_port({"network_id": net["id"], "device_id": device,
                            "device_owner": "compute:nova", "security_groups": groups})
    found = neutron_api.API().get_instances_security_groups(ctxt, [one, two, bare])
    # Neutron lists a port's groups (and ports) in no set order: compare the sets.
    assert sorted(found[one], key=lambda g: g["name"]) == sorted(
        [{"name": web["name"]}, {"name": "default"}], key=lambda g: g["name"])
    assert found[two] == [{"name": "default"}]
    assert bare not in found
    assert neutron_api.API().get_instances_security_groups(ctxt, []) == {}


def test_security_groups_of_many_servers_fit_the_request_line(neutron):
    """120 servers: the device_id filters go in chunks a WSGI server accepts."""
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.42.0.0/24")
    client = neutron_client.get_client(ctxt)
    devices = [str(uuid.uuid4()) for _ in range(120)]
    for device in devices[::40]:
        client.create_port({"network_id": net["id"], "device_id": device,
                            "device_owner": "compute:nova"})
    found = neutron_api.API().get_instances_security_groups(ctxt, devices)
    assert sorted(found) == sorted(devices[::40])
    assert all(groups == [{"name": "default"}] for groups in found.values())


def test_attach_and_detach_interfaces_of_a_running_server(neutron):
    """os-interface's calls: a port nova creates (with a fixed IP) is deleted on
    detach, the user's port is only unbound; a port in use is refused."""
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.43.0.0/24")
    api = network_api.get_network_api()
    inst = _instance(ctxt)
    api.allocate_for_instance(ctxt, inst, objects.NetworkRequestList(objects=[
        objects.NetworkRequest(network_id=net["id"])]), bind_host_id="compute1")
    vif, nw_info = api.allocate_port_for_instance(
        ctxt, inst, network_id=net["id"], requested_ip="10.43.0.77",
        bind_host_id="compute1")
    assert len(nw_info) == 2 and not vif["preserve_on_delete"]
    assert vif["network"]["subnets"][0]["ips"][0]["address"] == "10.43.0.77"
    port = neutron.show("ports", vif["id"])
    assert port["device_id"] == inst.uuid and port["binding:host_id"] == "compute1"
    assert port["binding:vif_type"] == "ovs"
    user_port = neutron_client.get_client(ctxt).create_port({"network_id": net["id"]})
    api.validate_interface_request(ctxt, inst, port_id=user_port["id"])
    vif2, nw_info = api.allocate_port_for_instance(ctxt, inst, port_id=user_port["id"],
                                                   bind_host_id="compute1")
    assert vif2["preserve_on_delete"] and len(nw_info) == 3
    assert [p["id"] for p in api.list_ports(ctxt, inst.uuid)].count(user_port["id"]) == 1
    with pytest.raises(exception.PortInUse):
        api.validate_interface_request(ctxt, inst, port_id=user_port["id"])
    with pytest.raises(exception.PortNotFound):
        api.validate_interface_request(ctxt, inst, port_id=str(uuid.uuid4()))
    with pytest.raises(exception.NetworkNotFound):
        api.validate_interface_request(ctxt, inst, network_id=str(uuid.uuid4()))
    left = api.deallocate_port_for_instance(ctxt, inst, user_port["id"])
    assert [v["id"] for v in left] == [v["id"] for v in nw_info if v["id"] != user_port["id"]]
    kept = neutron.show("ports", user_port["id"])
    assert kept["device_id"] == "" and kept["binding:host_id"] == ""
    api.deallocate_port_for_instance(ctxt, inst, vif["id"])
    assert neutron.show("ports", vif["id"]) is None
    assert len(neutron.ports(device_id=inst.uuid)) == 1
    api.deallocate_for_instance(ctxt, objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["info_cache"]))


def test_security_groups_added_to_and_removed_from_a_servers_ports(neutron):
    ctxt = neutron.user_context()
    net = neutron.add_network(_name("net"), ctxt.project_id, cidr="10.44.0.0/24")
    web = neutron.add_security_group(ctxt.project_id, _name("web"))
    client = neutron_client.get_client(ctxt)
    device = str(uuid.uuid4())
    for _ in range(2):
        client.create_port({"network_id": net["id"], "device_id": device,
                            "device_owner": "compute:nova"})
    inst = objects.Instance(uuid=device, project_id=ctxt.project_id)
    api = neutron_api.API()
    api.add_to_instance(ctxt, inst, web["name"])
    ports = neutron.ports(device_id=device)
    assert all(web["id"] in p["security_groups"] for p in ports) and len(ports) == 2
    groups = api.get_instance_security_groups_detail(ctxt, device)
    # Real Neutron lists a port's groups in no fixed order.
    assert sorted(g["name"] for g in groups) == sorted(["default", web["name"]])
    default = next(g for g in groups if g["name"] == "default")
    # Neutron's default group: ingress from itself, egress anywhere.
    assert {r["direction"] for r in default["security_group_rules"]} == {"ingress",
                                                                          "egress"}
    assert any(r["remote_group_id"] == default["id"]
               for r in default["security_group_rules"] if r["direction"] == "ingress")
    api.remove_from_instance(ctxt, inst, web["name"])
    assert all(web["id"] not in p["security_groups"] for p in neutron.ports(device_id=device))
    with pytest.raises(exception.SecurityGroupNotExistsForInstance):
        api.remove_from_instance(ctxt, inst, web["name"])
    with pytest.raises(exception.SecurityGroupNotFound):
        api.add_to_instance(ctxt, inst, _name("missing"))
