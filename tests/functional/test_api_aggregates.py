"""os-aggregates through the real WSGI app: the openstack CLI and raw HTTP."""

import pytest

from tests.functional.compute_seed import add_compute
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def test_aggregate_lifecycle_with_the_cli(api):
    add_compute(api, "cmp1")
    created = api.osc("aggregate", "create", "--zone", "az1", "agg1")
    assert created["name"] == "agg1"
    assert created["availability_zone"] == "az1"

    added = api.osc("aggregate", "add", "host", "agg1", "cmp1", "-f", "json")
    assert added["hosts"] == ["cmp1"]
    api.osc("aggregate", "set", "--property", "ssd=true", "agg1")
    shown = api.osc("aggregate", "show", "agg1")
    assert shown["hosts"] == ["cmp1"]
    # OSC shows the zone on its own line and the other metadata as properties
    assert shown["availability_zone"] == "az1"
    assert shown["properties"] == {"ssd": "true"}
    # the host now shows in zone az1
    zones = api.osc("availability", "zone", "list", "--compute")
    assert [z["Zone Name"] for z in zones] == ["az1"]

    removed = api.osc("aggregate", "remove", "host", "agg1", "cmp1", "-f", "json")
    assert removed["hosts"] == []
    api.osc("aggregate", "delete", "agg1")
    assert api.osc("aggregate", "list") == []


def test_crud_views_and_errors(api):
    status, _h, body = api.request("POST", "/os-aggregates",
                                   {"aggregate": {"name": "agg1", "availability_zone": "az1"}})
    assert status == 200
    agg = body["aggregate"]
    assert agg["availability_zone"] == "az1"
    assert "hosts" not in agg and "uuid" not in agg
    agg_id = agg["id"]

    status, _h, body = api.request("GET", "/os-aggregates/%d" % agg_id, version="2.41")
    assert body["aggregate"]["metadata"] == {"availability_zone": "az1"}
    assert body["aggregate"]["hosts"] == []
    assert len(body["aggregate"]["uuid"]) == 36

    status, _h, body = api.request("POST", "/os-aggregates", {"aggregate": {"name": "agg1"}})
    assert status == 409
    assert "conflictingRequest" in body
    status, _h, body = api.request("POST", "/os-aggregates", {"aggregate": {"name": ""}})
    assert status == 400
    status, _h, body = api.request("POST", "/os-aggregates",
                                   {"aggregate": {"name": "x", "availability_zone": "internal"}})
    assert status == 400
    assert "internal" in body["badRequest"]["message"]
    assert api.request("GET", "/os-aggregates/999")[0] == 404
    assert api.request("GET", "/os-aggregates/abc")[0] == 400

    status, _h, body = api.request("PUT", "/os-aggregates/%d" % agg_id,
                                   {"aggregate": {"name": "renamed"}})
    assert status == 200
    assert body["aggregate"]["name"] == "renamed"
    assert body["aggregate"]["availability_zone"] == "az1"
    api.request("POST", "/os-aggregates", {"aggregate": {"name": "other"}})
    status, _h, body = api.request("PUT", "/os-aggregates/%d" % agg_id,
                                   {"aggregate": {"name": "other"}})
    assert status == 409
    assert api.request("PUT", "/os-aggregates/%d" % agg_id, {"aggregate": {}})[0] == 400

    status, _h, body = api.request("GET", "/os-aggregates")
    assert sorted(a["name"] for a in body["aggregates"]) == ["other", "renamed"]
    status, _h, body = api.request("POST", "/os-aggregates", {"aggregate": {"name": "z"}},
                                   user="demo", project="demo")
    assert status == 403


def test_host_membership_and_zone_rules(api):
    add_compute(api, "cmp1")
    add_compute(api, "cmp2")

    def create(name, zone=None):
        agg = {"name": name}
        if zone:
            agg["availability_zone"] = zone
        return api.request("POST", "/os-aggregates", {"aggregate": agg})[2]["aggregate"]["id"]

    def action(agg_id, body):
        return api.request("POST", "/os-aggregates/%d/action" % agg_id, body)

    az1, az2, plain = create("a1", "az1"), create("a2", "az2"), create("plain")
    status, _h, body = action(az1, {"add_host": {"host": "cmp1"}})
    assert status == 200
    assert body["aggregate"]["hosts"] == ["cmp1"]
    # twice: conflict
    status, _h, body = action(az1, {"add_host": {"host": "cmp1"}})
    assert status == 409
    # not a compute host
    status, _h, body = action(az1, {"add_host": {"host": "ghost"}})
    assert status == 404
    assert "ghost" in body["itemNotFound"]["message"]
    # a host cannot be in two zones
    status, _h, body = action(az2, {"add_host": {"host": "cmp1"}})
    assert status == 409
    assert "az1" in body["conflictingRequest"]["message"]
    # an aggregate without a zone takes it
    assert action(plain, {"add_host": {"host": "cmp1"}})[0] == 200
    # ... but may not then be given another zone
    status, _h, body = action(plain, {"set_metadata": {"metadata": {"availability_zone": "az2"}}})
    assert status == 400
    status, _h, body = api.request("PUT", "/os-aggregates/%d" % plain,
                                   {"aggregate": {"availability_zone": "az2"}})
    assert status == 400
    # the same zone is fine
    status, _h, body = action(plain, {"set_metadata": {"metadata": {
        "availability_zone": "az1", "gpu": "yes"}}})
    assert status == 200
    assert body["aggregate"]["metadata"] == {"availability_zone": "az1", "gpu": "yes"}
    status, _h, body = action(plain, {"set_metadata": {"metadata": {"gpu": None}}})
    assert body["aggregate"]["metadata"] == {"availability_zone": "az1"}
    status, _h, body = action(az2, {"set_metadata": {"metadata": {
        "availability_zone": "internal"}}})
    assert status == 400

    # bad action bodies
    assert action(az1, {"add_host": {}})[0] == 400
    assert action(az1, {"reboot": {}})[0] == 400
    assert action(az1, {"add_host": {"host": "cmp2"},
                        "remove_host": {"host": "cmp1"}})[0] == 400
    # removing: unknown in the aggregate / unknown host
    assert action(az1, {"remove_host": {"host": "cmp2"}})[0] == 404
    assert action(az1, {"remove_host": {"host": "ghost"}})[0] == 404

    # an aggregate with hosts cannot be deleted
    status, _h, body = api.request("DELETE", "/os-aggregates/%d" % az1)
    assert status == 400
    assert action(az1, {"remove_host": {"host": "cmp1"}})[2]["aggregate"]["hosts"] == []
    assert api.request("DELETE", "/os-aggregates/%d" % az1)[0] == 200
    assert api.request("GET", "/os-aggregates/%d" % az1)[0] == 404
