"""The network info model: JSON round trip, helpers and the server body's addresses."""

from oslo_serialization import jsonutils

from nova.network import model
from nova import objects
from nova.objects import instance_info_cache

objects.register_all()


def _vif(vif_id="v1", mac="fa:16:3e:00:00:01", label="private", fixed=("10.0.0.2",),
         floating=(), v6=None):
    ips = [model.FixedIP(address=a) for a in fixed]
    for address in floating:
        ips[0].add_floating_ip(address)
    subnets = [model.Subnet(cidr="10.0.0.0/24", gateway="10.0.0.1", dns=["8.8.8.8"],
                            ips=ips)]
    if v6:
        subnets.append(model.Subnet(cidr="fd00::/64", ips=[model.FixedIP(address=v6)]))
    net = model.Network(id="net-" + label, label=label, bridge="br100", subnets=subnets,
                        meta={"mtu": 1450})
    return model.VIF(id=vif_id, address=mac, network=net, type="ovs",
                     details={"port_filter": True}, devname="tap" + vif_id,
                     ovs_interfaceid=vif_id, active=True, profile={"a": 1},
                     preserve_on_delete=True)


def test_json_round_trip_keeps_every_field_and_type():
    nw_info = model.NetworkInfo([_vif(floating=["172.24.4.9"], v6="fd00::5"),
                                 _vif("v2", "fa:16:3e:00:00:02", "public")])
    back = model.NetworkInfo.hydrate(jsonutils.loads(nw_info.json()))
    assert back == nw_info
    assert isinstance(back[0], model.VIF)
    assert isinstance(back[0]["network"]["subnets"][0]["ips"][0], model.FixedIP)
    assert back[0].network.subnets[0].gateway.address == "10.0.0.1"
    assert back[0]["network"]["subnets"][1]["version"] == 6
    assert (back[0]["vnic_type"], back[0]["preserve_on_delete"]) == ("normal", True)
    assert model.NetworkInfo.hydrate(nw_info.json()) == nw_info   # from text too
    assert model.NetworkInfo.hydrate("") == []


def test_hydrating_stored_dicts_keeps_exactly_what_was_stored():
    stored = [{"id": "port-1"},
              {"id": "port-2", "address": "fa:16:3e:00:00:02",
               "network": {"label": "old", "subnets": [{"ips": [{"address": "10.0.0.9"}]}]}}]
    back = model.NetworkInfo.hydrate(jsonutils.dumps(stored))
    assert back == stored
    assert isinstance(back[1]["network"]["subnets"][0]["ips"][0], model.FixedIP)
    assert back[0].fixed_ips() == [] and back[0].labeled_ips() is None
    # Missing version and type are worked out for the server body.
    assert model.addresses(back) == {"old": [
        {"version": 4, "addr": "10.0.0.9", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:02"}]}


def test_fixed_and_floating_ip_helpers():
    nw_info = model.NetworkInfo([_vif(fixed=("10.0.0.2", "10.0.0.3"),
                                      floating=["172.24.4.9"])])
    assert [ip["address"] for ip in nw_info.fixed_ips()] == ["10.0.0.2", "10.0.0.3"]
    assert [(ip["address"], ip["type"]) for ip in nw_info.floating_ips()] == \
        [("172.24.4.9", "floating")]
    nw_info[0].fixed_ips()[0].add_floating_ip("172.24.4.9")   # no duplicate
    assert len(nw_info.floating_ips()) == 1
    labeled = nw_info[0].labeled_ips()
    assert (labeled["network_id"], labeled["network_label"]) == ("net-private", "private")
    assert model.VIF(id="x").fixed_ips() == [] and model.VIF(id="x").labeled_ips() is None
    assert model.FixedIP(address="10.0.0.2").is_in_subnet({"cidr": "10.0.0.0/24"})
    assert not model.FixedIP(address="10.0.1.2").is_in_subnet({"cidr": "10.0.0.0/24"})


def test_addresses_shape_of_the_server_body():
    nw_info = model.NetworkInfo([_vif(floating=["172.24.4.9"], v6="fd00::5"),
                                 _vif("v2", "fa:16:3e:00:00:02", "public", ("192.0.2.7",))])
    assert model.addresses(nw_info) == {
        "private": [
            {"version": 4, "addr": "10.0.0.2", "OS-EXT-IPS:type": "fixed",
             "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"},
            {"version": 4, "addr": "172.24.4.9", "OS-EXT-IPS:type": "floating",
             "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"},
            {"version": 6, "addr": "fd00::5", "OS-EXT-IPS:type": "fixed",
             "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}],
        "public": [
            {"version": 4, "addr": "192.0.2.7", "OS-EXT-IPS:type": "fixed",
             "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:02"}]}
    assert model.addresses(nw_info, extended=False)["public"] == \
        [{"version": 4, "addr": "192.0.2.7"}]
    # Two VIFs on one network share the label's list; no network, no entry.
    two = model.NetworkInfo([_vif(), _vif("v3", "fa:16:3e:00:00:03", fixed=("10.0.0.4",)),
                             model.VIF(id="unbound")])
    assert [a["addr"] for a in model.addresses(two)["private"]] == ["10.0.0.2", "10.0.0.4"]
    assert list(model.addresses(two)) == ["private"]
    assert model.addresses(None) == {} and model.addresses([]) == {}


def test_info_cache_field_hydrates_to_the_model():
    nw_info = model.NetworkInfo([_vif()])
    cache = objects.InstanceInfoCache(instance_uuid="7d1b1a4e-0b8a-4a43-9d6c-0f3c1e2a9b10",
                                      network_info=nw_info)
    primitive = jsonutils.loads(jsonutils.dumps(cache.obj_to_primitive()))
    back = objects.InstanceInfoCache.obj_from_primitive(primitive)
    assert isinstance(back.network_info, model.NetworkInfo)
    assert back.network_info == nw_info
    assert instance_info_cache._hydrate([dict(_vif())])[0].fixed_ips()[0]["address"] == \
        "10.0.0.2"


def test_device_tags_go_through_the_cache_and_follow_their_vif():
    from nova.network import api as network_api
    tagged = _vif("v1")
    tagged["tag"] = "front"
    stored = model.NetworkInfo.hydrate(model.NetworkInfo([tagged, _vif("v2")]).json())
    assert [vif.get("tag") for vif in stored] == ["front", None]
    # A cache written before tags were kept has no key; it reads as untagged.
    old = {k: v for k, v in jsonutils.loads(jsonutils.dumps(_vif("v3"))).items()
           if k != "tag"}
    assert model.NetworkInfo.hydrate([old])[0].get("tag") is None
    # Rebuilt from the backend (no tags), then given the cached ones by VIF id.
    rebuilt = model.NetworkInfo([_vif("v2"), _vif("v1"), _vif("v9")])
    network_api.carry_tags(rebuilt, stored)
    assert [(vif["id"], vif["tag"]) for vif in rebuilt] == \
        [("v2", None), ("v1", "front"), ("v9", None)]
    network_api.tag_vifs(rebuilt, {"v9": "new", "v2": None})
    assert [vif["tag"] for vif in rebuilt] == [None, "front", "new"]
