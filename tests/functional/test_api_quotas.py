"""os-quota-sets and os-quota-class-sets through the real WSGI app."""

import pytest

from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")

NETWORK_KEYS = {"fixed_ips", "floating_ips", "security_groups", "security_group_rules"}
INJECTION_KEYS = {"injected_files", "injected_file_content_bytes",
                  "injected_file_path_length"}
BASE_KEYS = {"instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
             "server_group_members"}


def test_cli_quota_set_and_show(api):
    api.osc("quota", "set", "--instances", "5", "--key-pairs", "7", "proj-a")
    shown = api.osc("quota", "show", "--compute", "proj-a")
    values = {row["Resource"]: row["Limit"] for row in shown}
    assert values["instances"] == 5
    assert values["key-pairs"] == 7
    assert values["cores"] == 20
    # Another project keeps the defaults.
    other = {row["Resource"]: row["Limit"]
             for row in api.osc("quota", "show", "--compute", "proj-b")}
    assert other["instances"] == 10


def test_show_and_defaults_follow_microversion(api):
    status, _h, body = api.request("GET", "/os-quota-sets/p1", version="2.1")
    assert status == 200
    quota_set = body["quota_set"]
    assert quota_set["id"] == "p1"
    assert set(quota_set) == BASE_KEYS | INJECTION_KEYS | NETWORK_KEYS | {"id"}
    assert quota_set["instances"] == 10 and quota_set["key_pairs"] == 100
    assert all(quota_set[k] == -1 for k in NETWORK_KEYS)

    body = api.request("GET", "/os-quota-sets/p1", version="2.36")[2]
    assert set(body["quota_set"]) == BASE_KEYS | INJECTION_KEYS | {"id"}
    body = api.request("GET", "/os-quota-sets/p1", version="2.57")[2]
    assert set(body["quota_set"]) == BASE_KEYS | {"id"}

    status, _h, body = api.request("GET", "/os-quota-sets/p1/defaults", version="2.57",
                                   user="alice", project="p1")
    assert status == 200
    assert body["quota_set"]["id"] == "p1"
    assert body["quota_set"]["cores"] == 20


def test_update_and_delete_project_and_user_limits(api):
    status, _h, body = api.request("PUT", "/os-quota-sets/p1",
                                   {"quota_set": {"instances": "50", "cores": 100}},
                                   version="2.57")
    assert status == 200
    assert "id" not in body["quota_set"]
    assert body["quota_set"]["instances"] == 50 and body["quota_set"]["cores"] == 100
    status, _h, body = api.request("PUT", "/os-quota-sets/p1?user_id=alice",
                                   {"quota_set": {"instances": 5}})
    assert status == 200
    assert body["quota_set"]["instances"] == 5
    assert api.request("GET", "/os-quota-sets/p1?user_id=alice")[2][
        "quota_set"]["instances"] == 5
    assert api.request("GET", "/os-quota-sets/p1")[2]["quota_set"]["instances"] == 50

    # The project limit may not drop below what its users were given...
    status, _h, body = api.request("PUT", "/os-quota-sets/p1", {"quota_set": {"instances": 4}})
    assert status == 400
    assert "must be greater than or equal to" in body["badRequest"]["message"]
    # ... and a user may not be given more than the project has left.
    status, _h, body = api.request("PUT", "/os-quota-sets/p1?user_id=bob",
                                   {"quota_set": {"instances": 46}})
    assert status == 400
    assert "must be less than or equal to 45" in body["badRequest"]["message"]

    assert api.request("DELETE", "/os-quota-sets/p1?user_id=alice")[0] == 202
    assert api.request("GET", "/os-quota-sets/p1?user_id=alice")[2][
        "quota_set"]["instances"] == 50
    assert api.request("DELETE", "/os-quota-sets/p1")[0] == 202
    assert api.request("GET", "/os-quota-sets/p1")[2]["quota_set"]["instances"] == 10


def test_update_below_usage_needs_force(api):
    for name in ("g1", "g2"):
        api.request("POST", "/os-server-groups",
                    {"server_group": {"name": name, "policies": ["affinity"]}},
                    user="alice", project="p1")
    status, _h, body = api.request("GET", "/os-quota-sets/p1/detail")
    assert status == 200
    detail = body["quota_set"]
    assert detail["id"] == "p1"
    assert detail["server_groups"] == {"in_use": 2, "limit": 10, "reserved": 0}
    assert detail["instances"] == {"in_use": 0, "limit": 10, "reserved": 0}
    assert detail["floating_ips"]["limit"] == -1

    status, _h, body = api.request("PUT", "/os-quota-sets/p1",
                                   {"quota_set": {"server_groups": 1}})
    assert status == 400
    assert body["badRequest"]["message"] == (
        "Quota limit 1 for server_groups must be greater than or equal to already "
        "used and reserved 2.")
    status, _h, body = api.request("PUT", "/os-quota-sets/p1",
                                   {"quota_set": {"server_groups": 1, "force": "True"}})
    assert status == 200
    assert body["quota_set"]["server_groups"] == 1
    # -1 is unlimited; below that is refused, forced or not.
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"server_groups": -1}})[0] == 200
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"server_groups": -2, "force": True}})[0] == 400


def test_update_schema_per_microversion(api):
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"floating_ips": 5}}, version="2.35")[0] == 200
    status, _h, body = api.request("PUT", "/os-quota-sets/p1",
                                   {"quota_set": {"floating_ips": 5}}, version="2.36")
    assert status == 400
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"injected_files": 2}}, version="2.56")[0] == 200
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"injected_files": 2}}, version="2.57")[0] == 400
    assert api.request("PUT", "/os-quota-sets/p1",
                       {"quota_set": {"instances": "many"}})[0] == 400
    assert api.request("PUT", "/os-quota-sets/p1", {"instances": 3})[0] == 400
    assert api.request("GET", "/os-quota-sets/p1?bogus=1", version="2.75")[0] == 400
    assert api.request("GET", "/os-quota-sets/p1?bogus=1", version="2.74")[0] == 200


def test_policy(api):
    # Members read their own project's limits but do not set any.
    assert api.request("GET", "/os-quota-sets/p1", user="alice", project="p1")[0] == 200
    assert api.request("GET", "/os-quota-sets/p2", user="alice", project="p1")[0] == 403
    assert api.request("PUT", "/os-quota-sets/p1", {"quota_set": {"instances": 1}},
                       user="alice", project="p1")[0] == 403
    assert api.request("DELETE", "/os-quota-sets/p1", user="alice", project="p1")[0] == 403
    assert api.request("GET", "/os-quota-class-sets/default", user="alice",
                       project="p1")[0] == 403


def test_quota_classes(api):
    status, _h, body = api.request("GET", "/os-quota-class-sets/default", version="2.1")
    assert status == 200
    qcs = body["quota_class_set"]
    assert qcs["id"] == "default"
    assert set(qcs) == ((BASE_KEYS - {"server_groups", "server_group_members"})
                        | INJECTION_KEYS | NETWORK_KEYS | {"id"})
    body = api.request("GET", "/os-quota-class-sets/default", version="2.50")[2]
    assert set(body["quota_class_set"]) == BASE_KEYS | INJECTION_KEYS | {"id"}
    body = api.request("GET", "/os-quota-class-sets/default", version="2.57")[2]
    assert set(body["quota_class_set"]) == BASE_KEYS | {"id"}

    status, _h, body = api.request("PUT", "/os-quota-class-sets/default",
                                   {"quota_class_set": {"instances": 30, "cores": 60}},
                                   version="2.57")
    assert status == 200
    assert "id" not in body["quota_class_set"]
    assert body["quota_class_set"]["instances"] == 30
    # A new default applies to every project without its own limit.
    assert api.request("GET", "/os-quota-sets/anyproj")[2]["quota_set"]["instances"] == 30
    assert api.request("GET", "/os-quota-sets/anyproj/defaults")[2][
        "quota_set"]["cores"] == 60
    status, _h, body = api.request("PUT", "/os-quota-class-sets/default",
                                   {"quota_class_set": {"instances": 31}})
    assert status == 200
    assert api.request("GET", "/os-quota-class-sets/default")[2][
        "quota_class_set"]["instances"] == 31
    # server group limits are only settable on classes from 2.50
    assert api.request("PUT", "/os-quota-class-sets/default",
                       {"quota_class_set": {"server_groups": 3}}, version="2.49")[0] == 400
    assert api.request("PUT", "/os-quota-class-sets/default",
                       {"quota_class_set": {"server_groups": 3}}, version="2.50")[0] == 200
    assert api.request("PUT", "/os-quota-class-sets/default",
                       {"quota_class_set": {"instances": 1}}, user="alice",
                       project="p1")[0] == 403


def test_sdk_reads_quota_set(api):
    conn = api.sdk()
    api.request("PUT", "/os-quota-sets/p9", {"quota_set": {"ram": 4096}})
    quota_set = conn.compute.get_quota_set("p9")
    assert quota_set.ram == 4096
    assert quota_set.instances == 10
