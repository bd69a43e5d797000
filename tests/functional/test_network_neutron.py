"""The Neutron backend of the network API against a Neutron stand-in served over HTTP.

The real neutron-server needs ML2 plugins and agents this machine does not
run in a test; tests/functional/neutron_standin.py implements the calls'
semantics (see its doc). Requests go through keystoneauth1 as in production.
"""

import pytest

from nova import context as nova_context
from nova import exception
from nova.network import api as network_api
from nova.network import model as network_model
from nova import objects
from tests.functional import inprocess
from tests.functional import neutron_standin

CONF = inprocess.CONF


@pytest.fixture
def neutron(tmp_path, monkeypatch):
    standin = neutron_standin.NeutronStandIn()
    url, stop = neutron_standin.serve(standin)
    CONF.set_override("backend", "neutron", group="neutron")
    CONF.set_override("endpoint_override", url, group="neutron")
    CONF.set_override("http_retries", 0, group="neutron")
    gen = inprocess.configured_nova(tmp_path, monkeypatch)
    next(gen)
    try:
        yield standin
    finally:
        next(gen, None)
        for name in ("backend", "endpoint_override", "http_retries"):
            CONF.clear_override(name, group="neutron")
        stop()


@pytest.fixture
def ctxt():
    return nova_context.RequestContext(user_id="u1", project_id="p1")


def _instance(ctxt, **kwargs):
    inst = objects.Instance(nova_context.get_admin_context(), project_id=ctxt.project_id,
                            user_id=ctxt.user_id, vm_state="building", host="compute1",
                            availability_zone="az1", **kwargs)
    inst.create()
    return objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["info_cache"])


def _ips(nw_info):
    return [ip["address"] for ip in nw_info.fixed_ips()]


def test_networks_the_project_sees(neutron, ctxt):
    own = neutron.add_network("own", "p1", cidr="10.1.0.0/24")
    shared = neutron.add_network("shared", "admin", shared=True, cidr="10.2.0.0/24")
    neutron.add_network("other", "p2", cidr="10.3.0.0/24")
    net_api = network_api.get_network_api()
    assert net_api.backend == "neutron"
    assert {n["name"] for n in net_api.get_all(ctxt)} == {"own", "shared"}
    assert net_api.get(ctxt, own["id"])["name"] == "own"
    assert net_api.get(ctxt, shared["id"])["shared"] is True
    with pytest.raises(exception.NetworkNotFound):
        net_api.get(ctxt, "3f0c3d6e-4a55-4f1f-9c84-8b2b52f3a111")


def test_allocate_creates_and_binds_ports_and_teardown_deletes_them(neutron, ctxt):
    net = neutron.add_network("private", "p1", cidr="10.1.0.0/24")
    sg = neutron.add_security_group("p1", "web")
    net_api = network_api.get_network_api()
    assert net_api.validate_networks(ctxt, None, 3) == 3
    inst = _instance(ctxt)
    nw_info = net_api.allocate_for_instance(ctxt, inst, None, security_groups=["web"],
                                            bind_host_id="compute1")
    (port,) = neutron.ports.values()
    assert (port["device_id"], port["device_owner"]) == (inst.uuid, "compute:az1")
    assert (port["binding:host_id"], port["binding:vif_type"]) == ("compute1", "ovs")
    assert port["security_groups"] == [sg["id"]] and port["tenant_id"] == "p1"
    # Created as the user, bound as the admin (only an admin may set bindings).
    assert ("POST", "/v2.0/ports", "u1:p1") in neutron.requests
    assert ("PUT", "/v2.0/ports/%s" % port["id"], "admin:admin") in neutron.requests
    vif = nw_info[0]
    assert (vif["id"], vif["address"], vif["type"]) == (port["id"], port["mac_address"], "ovs")
    assert (vif["network"]["id"], vif["network"]["label"]) == (net["id"], "private")
    assert vif["network"]["bridge"] == "br-int" and vif["ovs_interfaceid"] == port["id"]
    assert _ips(nw_info) == ["10.1.0.2"] and vif["preserve_on_delete"] is False
    assert vif["network"]["subnets"][0]["gateway"]["address"] == "10.1.0.1"
    assert vif["active"] is False   # DOWN until the agent wired it
    cached = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["info_cache"])
    assert cached.info_cache.network_info == nw_info

    neutron.plug(port["id"])
    neutron.add_floating_ip(port["id"], "172.24.4.10")
    refreshed = net_api.get_instance_nw_info(ctxt, cached)
    assert refreshed[0]["active"] is True
    assert network_model.addresses(refreshed)["private"][1] == {
        "version": 4, "addr": "172.24.4.10", "OS-EXT-IPS:type": "floating",
        "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]}

    net_api.setup_networks_on_host(ctxt, cached, host="compute2")
    assert neutron.ports[port["id"]]["binding:host_id"] == "compute2"

    net_api.deallocate_for_instance(ctxt, cached)
    assert neutron.ports == {}
    gone = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["info_cache"])
    assert gone.info_cache.network_info == []


def test_a_requested_port_is_attached_then_only_detached(neutron, ctxt):
    net = neutron.add_network("private", "p1", cidr="10.1.0.0/24")
    mine = neutron.create_port({"network_id": net["id"]}, "p1", admin=False)
    net_api = network_api.get_network_api()
    requested = [(None, None, mine["id"]), (net["id"], "10.1.0.50", None)]
    assert net_api.validate_networks(ctxt, requested, 1) == 1
    inst = _instance(ctxt)
    nw_info = net_api.allocate_for_instance(ctxt, inst, requested, bind_host_id="compute1")
    assert _ips(nw_info) == ["10.1.0.2", "10.1.0.50"]
    assert [v["preserve_on_delete"] for v in nw_info] == [True, False]
    assert neutron.ports[mine["id"]]["device_id"] == inst.uuid
    # Someone else's boot cannot take the port or the address now.
    with pytest.raises(exception.PortInUse) as err:
        net_api.validate_networks(ctxt, [(None, None, mine["id"])], 1)
    assert err.value.code == 409
    with pytest.raises(exception.FixedIpAlreadyInUse):
        net_api.validate_networks(ctxt, [(net["id"], "10.1.0.50", None)], 1)

    cached = objects.Instance.get_by_uuid(ctxt, inst.uuid, expected_attrs=["info_cache"])
    net_api.deallocate_for_instance(ctxt, cached)
    assert list(neutron.ports) == [mine["id"]]
    kept = neutron.ports[mine["id"]]
    assert (kept["device_id"], kept["binding:host_id"], kept["binding:vif_type"]) == \
        ("", "", "unbound")


def test_a_late_event_refresh_keeps_the_users_port(neutron, ctxt):
    """Neutron's network-changed for the port nova binds reaches the compute with
    the instance as the API loaded it (no cache yet); the refresh it causes must
    start from the cache the allocation saved, or the user's port would be
    deleted with the server."""
    net = neutron.add_network("private", "p1", cidr="10.1.0.0/24")
    mine = neutron.create_port({"network_id": net["id"]}, "p1", admin=False)
    net_api = network_api.get_network_api()
    inst = _instance(ctxt)
    as_the_event_saw_it = objects.Instance.get_by_uuid(ctxt, inst.uuid,
                                                       expected_attrs=["info_cache"])
    net_api.allocate_for_instance(ctxt, inst, [(None, None, mine["id"]),
                                               (net["id"], None, None)],
                                  bind_host_id="compute1")
    refreshed = net_api.get_instance_nw_info(ctxt, as_the_event_saw_it)
    assert [v["preserve_on_delete"] for v in refreshed] == [True, False]
    net_api.deallocate_for_instance(ctxt, objects.Instance.get_by_uuid(
        ctxt, inst.uuid, expected_attrs=["info_cache"]))
    assert list(neutron.ports) == [mine["id"]]
    assert neutron.ports[mine["id"]]["device_id"] == ""


def test_validation_errors_are_novas(neutron, ctxt):
    net = neutron.add_network("private", "p1", cidr="10.1.0.0/24")
    bare = neutron.add_network("bare", "p1")
    external = neutron.add_network("public", "admin", external=True, cidr="172.24.4.0/24")
    net_api = network_api.get_network_api()
    missing = "3f0c3d6e-4a55-4f1f-9c84-8b2b52f3a111"
    cases = [([(missing, None, None)], exception.NetworkNotFound),
             ([(None, None, missing)], exception.PortNotFound),
             ([(bare["id"], None, None)], exception.NetworkRequiresSubnet),
             ([(external["id"], None, None)], exception.NetworkNotFound),
             (None, exception.NetworkRequiresSubnet)]
    for requested, error in cases:
        with pytest.raises(error):
            net_api.validate_networks(ctxt, requested, 1)
    with pytest.raises(exception.InvalidFixedIpAndMaxCountRequest):
        net_api.validate_networks(ctxt, [(net["id"], "10.1.0.9", None)], 2)
    admin = nova_context.RequestContext(user_id="admin", project_id="admin", is_admin=True)
    with pytest.raises(exception.NetworkNotFound):   # invisible to the project...
        net_api.validate_networks(ctxt, [(external["id"], None, None)], 1)
    del neutron.networks[bare["id"]]
    neutron.add_network("second", "p1", cidr="10.5.0.0/24")
    with pytest.raises(exception.NetworkAmbiguous) as err:
        net_api.validate_networks(ctxt, None, 1)
    assert err.value.code == 409
    # ...and an admin must still name it explicitly and may attach to it.
    assert net_api.validate_networks(admin, [(external["id"], None, None)], 1) == 1
    # Port quota bounds the count.
    neutron.port_quota["p1"] = 3
    neutron.create_port({"network_id": net["id"]}, "p1", admin=False)
    assert net_api.validate_networks(ctxt, [(net["id"], None, None)], 5) == 2
    neutron.port_quota["p1"] = 1
    with pytest.raises(exception.PortLimitExceeded) as err:
        net_api.validate_networks(ctxt, [(net["id"], None, None)], 1)
    assert err.value.code == 403


def test_auto_allocation(neutron, ctxt):
    net_api = network_api.get_network_api()
    auto = [("auto", None, None)]
    with pytest.raises(exception.UnableToAutoAllocateNetwork):
        net_api.validate_networks(ctxt, auto, 1)
    # Unspecified with nothing available (before 2.37): boot without a network.
    inst = _instance(ctxt)
    assert net_api.allocate_for_instance(ctxt, inst, None) == []
    neutron.auto_topology_ok.add("p1")
    assert net_api.validate_networks(ctxt, auto, 1) == 1
    assert not neutron.networks   # a dry run creates nothing
    nw_info = net_api.allocate_for_instance(ctxt, inst, auto, bind_host_id="compute1")
    assert nw_info[0]["network"]["label"] == "auto_allocated_network"
    assert _ips(nw_info) == ["10.250.0.2"]
    # With a network of its own now, 'auto' uses it rather than making another.
    other = _instance(ctxt)
    again = net_api.allocate_for_instance(ctxt, other, auto)
    assert again[0]["network"]["id"] == nw_info[0]["network"]["id"]
    assert len(neutron.networks) == 1
    assert net_api.allocate_for_instance(ctxt, other, [("none", None, None)]) == []


def test_failed_allocations_leave_no_ports(neutron, ctxt):
    net = neutron.add_network("tiny", "p1", cidr="10.7.0.0/29", pool=("10.7.0.2", "10.7.0.3"))
    net_api = network_api.get_network_api()
    inst = _instance(ctxt)
    with pytest.raises(exception.FixedIpInvalidOnNetwork):
        net_api.allocate_for_instance(ctxt, inst, [(net["id"], None, None),
                                                   (net["id"], "192.168.9.9", None)])
    assert neutron.ports == {}
    with pytest.raises(exception.NoMoreFixedIps):
        net_api.allocate_for_instance(ctxt, inst, [(net["id"], None, None)] * 3)
    assert neutron.ports == {}
    with pytest.raises(exception.PortBindingFailed):
        net_api.allocate_for_instance(ctxt, inst, [(net["id"], None, None)],
                                      bind_host_id="bad-host")
    assert neutron.ports == {}
    neutron.port_quota["p1"] = 0
    with pytest.raises(exception.PortLimitExceeded):
        net_api.allocate_for_instance(ctxt, inst, [(net["id"], None, None)])


def test_neutron_unreachable_is_a_network_error(neutron, ctxt, monkeypatch):
    CONF.set_override("endpoint_override", "http://127.0.0.1:9", group="neutron")
    try:
        with pytest.raises(exception.NetworkError):
            network_api.get_network_api().get_all(ctxt)
    finally:
        CONF.clear_override("endpoint_override", group="neutron")
