"""Refused server requests: the right 4xx, and nothing left behind anywhere."""

import pytest
import sqlalchemy as sa

from nova.db.api import api as api_db_api
from nova.db.main import api as main_db_api
from tests.functional import stack_fixture

IMAGE_UUID_UNKNOWN = "6b6bd2c9-6d3c-4f43-8bb4-1a3b1b5f0000"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("badinput")
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=("c1",))
    try:
        cloud.flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                           flavor_id="1")
        cloud.image = cloud.create_image()
        yield cloud
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()


def _rows(cloud):
    """Counts of every record a server request could leave behind."""
    counts = {}
    with api_db_api.get_engine().connect() as conn:
        for table in ("build_requests", "request_specs", "instance_mappings"):
            counts[table] = conn.execute(sa.text("SELECT COUNT(*) FROM %s" % table)).scalar()
    with main_db_api.get_engine().connect() as conn:
        counts["instances"] = conn.execute(sa.text(
            "SELECT COUNT(*) FROM instances WHERE deleted = 0")).scalar()
    counts["usages"] = cloud.usages()
    return counts


def _refused(cloud, server, expect, fault, version="2.1", hints=None, **kwargs):
    before = _rows(cloud)
    body = {"server": dict({"name": "bad", "flavorRef": cloud.flavor,
                            "imageRef": cloud.image}, **server)}
    if hints:
        body["os:scheduler_hints"] = hints
    status, _h, answer = cloud.request("POST", "/servers", body, version=version, **kwargs)
    assert status == expect, answer
    assert list(answer) == [fault], answer
    assert answer[fault]["code"] == expect
    assert _rows(cloud) == before
    return answer[fault]["message"]


def test_unknown_image_flavor_network_and_key(stack):
    assert _refused(stack, {"imageRef": IMAGE_UUID_UNKNOWN}, 400, "badRequest") == \
        "Can not find requested image"
    assert _refused(stack, {"flavorRef": "nope"}, 400, "badRequest") == \
        "Invalid flavorRef provided."
    message = _refused(stack, {"networks": [{"uuid": IMAGE_UUID_UNKNOWN}]}, 400,
                       "badRequest")
    assert IMAGE_UUID_UNKNOWN in message
    message = _refused(stack, {"key_name": "missing"}, 400, "badRequest")
    assert "missing" in message


def test_image_whose_kernel_or_ramdisk_is_gone(stack):
    for prop in ("kernel_id", "ramdisk_id"):
        image = stack.create_image(name="needs-" + prop, **{prop: IMAGE_UUID_UNKNOWN})
        assert _refused(stack, {"imageRef": image}, 400, "badRequest") == \
            "Can not find requested image"


def test_flavor_too_small_for_the_image(stack):
    big_image = stack.create_image(name="needs-10g", min_disk=10)
    message = _refused(stack, {"imageRef": big_image}, 400, "badRequest")
    assert message.startswith("Flavor's disk is smaller than the minimum size")
    hungry = stack.create_image(name="needs-ram", min_ram=4096)
    assert _refused(stack, {"imageRef": hungry}, 400, "badRequest") == \
        "Flavor's memory is too small for requested image."


def test_over_quota_and_invalid_zone(stack):
    status, _h, _b = stack.request("PUT", "/os-quota-sets/admin",
                                   {"quota_set": {"instances": 1}})
    assert status == 200
    try:
        message = _refused(stack, {"min_count": 2}, 403, "forbidden")
        assert message == ("Quota exceeded for instances: Requested 2, but already used "
                           "0 of 1 instances")
    finally:
        stack.request("DELETE", "/os-quota-sets/admin")
    message = _refused(stack, {"availability_zone": "atlantis"}, 400, "badRequest")
    assert message == "The requested availability zone is not available"


def test_schema_and_user_data_errors(stack):
    assert "user_data" in _refused(stack, {"user_data": "not base64!"}, 400,
                                   "badRequest")
    assert "networks" in _refused(stack, {}, 400, "badRequest", version="2.37")
    _refused(stack, {"min_count": 3, "max_count": 2}, 400, "badRequest")


def test_action_in_the_wrong_state_is_a_conflict(stack):
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": "ok", "flavorRef": stack.flavor, "imageRef": stack.image}})
    assert status == 202
    server_id = body["server"]["id"]
    stack.wait_for_status(server_id, "ACTIVE")
    status, _h, body = stack.request("POST", "/servers/%s/action" % server_id,
                                     {"os-start": None})
    assert status == 409
    assert body == {"conflictingRequest": {"code": 409, "message": (
        "Cannot 'start' instance %s while it is in vm_state active" % server_id)}}
    status, _h, body = stack.request("POST", "/servers/%s/action" % server_id,
                                     {"resume": None})
    assert status == 409
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server_id)
    assert status == 204
    stack.wait_for_gone(server_id)
    assert stack.usages() == {}


def test_zone_boot_lands_in_the_zone_and_mirrors_placement_aggregates(stack):
    status, _h, agg = stack.request("POST", "/os-aggregates", {
        "aggregate": {"name": "zone-agg", "availability_zone": "az1"}}, version="2.41")
    assert status == 200, agg
    agg_id = agg["aggregate"]["id"]
    status, _h, agg = stack.request("POST", "/os-aggregates/%s/action" % agg_id,
                                    {"add_host": {"host": "c1"}}, version="2.41")
    assert status == 200, agg
    providers = stack.placement.get("/resource_providers?name=c1")["resource_providers"]
    aggregates = stack.placement.get("/resource_providers/%s/aggregates"
                                     % providers[0]["uuid"])["aggregates"]
    assert aggregates == [agg["aggregate"]["uuid"]]
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": "zoned", "flavorRef": stack.flavor, "imageRef": stack.image,
        "availability_zone": "az1"}})
    assert status == 202, body
    server = stack.wait_for_status(body["server"]["id"], "ACTIVE")
    assert server["OS-EXT-AZ:availability_zone"] == "az1"
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server["id"])
    stack.wait_for_gone(server["id"])
    stack.request("POST", "/os-aggregates/%s/action" % agg_id,
                  {"remove_host": {"host": "c1"}})
    aggregates = stack.placement.get("/resource_providers/%s/aggregates"
                                     % providers[0]["uuid"])["aggregates"]
    assert aggregates == []
