"""Request groups of Neutron ports (microversion 2.72) in the Placement query.

A port's ``resource_request`` (legacy ``{"resources", "required"}`` or the
extended ``{"request_groups": [...], "same_subtree": [...]}``) becomes one
granular group per request group, suffixed with its requester id, so that the
allocation candidate's ``mappings`` name the provider serving it.
"""

from urllib import parse

from oslo_serialization import jsonutils
import pytest

from nova import exception
from nova import objects
from oslo_versionedobjects import base as ovo_base
from nova.scheduler import utils
from tests.unit.scheduler import fakes

PORT = "8ab7c0a5-08f0-4c8c-9d0b-6c2b1c6e3a01"
PORT2 = "1d4c2b8e-77a5-4f0e-a2c1-5b7c9e0f1a22"
GROUP_BW = "3e0d8f34-2b44-4f3b-8f0e-6a1b9c2d7e01"
GROUP_PPS = "5a1c9e7d-0b2f-4d6e-9a3c-8f7e6d5c4b02"

LEGACY = {"resources": {"NET_BW_EGR_KILOBIT_PER_SEC": 1000,
                        "NET_BW_IGR_KILOBIT_PER_SEC": 2000},
          "required": ["CUSTOM_PHYSNET_PHYSNET0", "CUSTOM_VNIC_TYPE_NORMAL"]}
EXTENDED = {"request_groups": [
    {"id": GROUP_BW, "resources": {"NET_BW_EGR_KILOBIT_PER_SEC": 1000},
     "required": ["CUSTOM_PHYSNET_PHYSNET0", "CUSTOM_VNIC_TYPE_NORMAL"]},
    {"id": GROUP_PPS, "resources": {"NET_PACKET_RATE_KILOPACKET_PER_SEC": 10},
     "required": ["CUSTOM_VNIC_TYPE_NORMAL", "!CUSTOM_SLOW"]}],
    "same_subtree": [GROUP_BW, GROUP_PPS]}


def query(spec):
    return parse.parse_qsl(utils.ResourceRequest.from_request_spec(spec).to_querystring())


def test_legacy_port_request_is_a_group_suffixed_with_the_port_uuid():
    group = objects.RequestGroup.from_port_request(PORT, LEGACY)
    spec = fakes.make_spec(requested_resources=[group])
    assert query(spec) == [
        ("limit", "1000"),
        ("required" + PORT, "CUSTOM_PHYSNET_PHYSNET0,CUSTOM_VNIC_TYPE_NORMAL"),
        ("resources", "DISK_GB:10,MEMORY_MB:512,VCPU:1"),
        ("resources" + PORT, "NET_BW_EGR_KILOBIT_PER_SEC:1000,"
                             "NET_BW_IGR_KILOBIT_PER_SEC:2000")]


def test_extended_port_request_gives_groups_same_subtree_and_a_group_policy():
    groups = objects.RequestGroup.from_extended_port_request(EXTENDED)
    params = objects.RequestLevelParams()
    params.extend_with(objects.RequestLevelParams.from_port_request(EXTENDED))
    spec = fakes.make_spec(requested_resources=groups)
    spec.request_level_params = params
    q = query(spec)
    assert ("resources" + GROUP_BW, "NET_BW_EGR_KILOBIT_PER_SEC:1000") in q
    assert ("resources" + GROUP_PPS, "NET_PACKET_RATE_KILOPACKET_PER_SEC:10") in q
    assert ("required" + GROUP_PPS, "CUSTOM_VNIC_TYPE_NORMAL,!CUSTOM_SLOW") in q
    assert ("same_subtree", ",".join(sorted([GROUP_BW, GROUP_PPS]))) in q
    # Two numbered groups and no flavor policy: Placement needs one.
    assert ("group_policy", "none") in q


def test_flavor_group_policy_wins_and_flavor_groups_stay():
    flavor = fakes.make_flavor(extra_specs={"resources1:CUSTOM_X": "1",
                                            "group_policy": "isolate"})
    spec = fakes.make_spec(flavor, requested_resources=[
        objects.RequestGroup.from_port_request(PORT, LEGACY),
        objects.RequestGroup.from_port_request(PORT2, LEGACY)])
    q = dict(query(spec))
    assert q["group_policy"] == "isolate"
    assert q["resources1"] == "CUSTOM_X:1"
    assert PORT in "".join(q) and PORT2 in "".join(q)


def test_no_port_groups_leaves_the_query_alone():
    assert query(fakes.make_spec(requested_resources=[])) == query(fakes.make_spec())


def test_a_group_without_requester_or_content_is_refused():
    with pytest.raises(ValueError):
        utils.ResourceRequest.from_request_spec(fakes.make_spec(
            requested_resources=[objects.RequestGroup(resources={"X": 1})]))
    with pytest.raises(ValueError):
        utils.ResourceRequest.from_request_spec(fakes.make_spec(
            requested_resources=[objects.RequestGroup(requester_id=PORT)]))


def _selection(mappings):
    alloc = {"allocations": {}, "mappings": mappings}
    return objects.Selection(compute_node_uuid=PORT, service_host="h", nodename="n",
                             cell_uuid=PORT, allocation_request=jsonutils.dumps(alloc))


def test_fill_provider_mapping_records_the_providers_of_each_group():
    rp_bw, rp_pps = "0b8b1c2d-1111-4222-8333-944455556666", \
        "0c9c2d3e-1111-4222-8333-944455556666"
    groups = objects.RequestGroup.from_extended_port_request(EXTENDED)
    spec = fakes.make_spec(requested_resources=groups)
    utils.fill_provider_mapping(spec, _selection({GROUP_BW: [rp_bw], GROUP_PPS: [rp_pps],
                                                  "": ["root"]}))
    assert spec.get_request_group_mapping() == {GROUP_BW: [rp_bw], GROUP_PPS: [rp_pps]}
    with pytest.raises(exception.NoValidHost):
        utils.fill_provider_mapping(spec, _selection({GROUP_BW: [rp_bw]}))
    # Nothing to map: nothing asked of the selection.
    plain = fakes.make_spec()
    utils.fill_provider_mapping(plain, None)
    assert plain.get_request_group_mapping() is None


def test_groups_travel_with_the_spec_but_older_peers_do_not_see_them():
    spec = fakes.make_spec(requested_resources=[
        objects.RequestGroup.from_port_request(PORT, LEGACY)])
    spec.requested_resources[0].provider_uuids = [PORT2]
    copy = objects.RequestSpec.obj_from_primitive(spec.obj_to_primitive())
    assert copy.get_request_group_mapping() == {PORT: [PORT2]}
    assert copy.requested_resources[0].required_traits == set(LEGACY["required"])
    manifest = dict(ovo_base.obj_tree_get_versions("RequestSpec"), RequestSpec="1.0")
    old = spec.obj_to_primitive(target_version="1.0", version_manifest=manifest)
    assert "requested_resources" not in old["nova_object.data"]
