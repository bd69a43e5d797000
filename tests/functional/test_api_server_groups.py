"""os-server-groups through the real WSGI app: the openstack CLI and raw HTTP."""

import pytest

from nova import objects
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def _create(api, body, version=None, user="alice", project="p1"):
    return api.request("POST", "/os-server-groups", {"server_group": body},
                       version=version, user=user, project=project)


def test_cli_create_list_show_delete(api):
    created = api.osc("server", "group", "create", "--policy", "anti-affinity", "spread")
    assert created["name"] == "spread"
    assert created["policy"] == "anti-affinity"
    rows = api.osc("server", "group", "list")
    assert [(r["Name"], r["ID"]) for r in rows] == [("spread", created["id"])]
    shown = api.osc("server", "group", "show", "spread")
    assert shown["id"] == created["id"]
    shown = api.osc("server", "group", "show", created["id"])
    assert shown["members"] in ([], "")
    api.osc("server", "group", "delete", created["id"])
    assert api.osc("server", "group", "list") == []
    status, _h, body = api.request("GET", "/os-server-groups/" + created["id"])
    assert status == 404
    assert "itemNotFound" in body


def test_views_per_microversion(api):
    status, _h, body = _create(api, {"name": "g1", "policies": ["affinity"]}, version="2.1")
    assert status == 200
    group = body["server_group"]
    assert group["policies"] == ["affinity"]
    assert group["metadata"] == {}
    assert group["members"] == []
    assert "project_id" not in group and "policy" not in group

    status, _h, body = api.request("GET", "/os-server-groups/" + group["id"], version="2.13",
                                   user="alice", project="p1")
    assert body["server_group"]["project_id"] == "p1"
    assert body["server_group"]["user_id"] == "alice"

    status, _h, body = api.request("GET", "/os-server-groups/" + group["id"], version="2.64",
                                   user="alice", project="p1")
    shown = body["server_group"]
    assert shown["policy"] == "affinity" and shown["rules"] == {}
    assert "policies" not in shown and "metadata" not in shown

    status, _h, body = _create(api, {"name": "g2", "policy": "anti-affinity",
                                     "rules": {"max_server_per_host": 2}}, version="2.64")
    assert status == 200
    assert body["server_group"]["rules"] == {"max_server_per_host": 2}
    status, _h, body = api.request("GET", "/os-server-groups/" + body["server_group"]["id"],
                                   version="2.1", user="alice", project="p1")
    assert body["server_group"]["policies"] == ["anti-affinity"]


def test_validation_per_microversion(api):
    # soft policies arrive at 2.15
    assert _create(api, {"name": "s", "policies": ["soft-affinity"]}, version="2.14")[0] == 400
    assert _create(api, {"name": "s", "policies": ["soft-affinity"]}, version="2.15")[0] == 200
    # exactly one policy, no duplicates
    assert _create(api, {"name": "x", "policies": ["affinity", "anti-affinity"]})[0] == 400
    assert _create(api, {"name": "x", "policies": []})[0] == 400
    # 2.64 takes policy (+rules), not policies
    assert _create(api, {"name": "x", "policies": ["affinity"]}, version="2.64")[0] == 400
    assert _create(api, {"name": "x", "policy": "affinity"}, version="2.63")[0] == 400
    status, _h, body = _create(api, {"name": "x", "policy": "affinity",
                                     "rules": {"max_server_per_host": 1}}, version="2.64")
    assert status == 400
    assert body["badRequest"]["message"] == "Only anti-affinity policy supports rules."
    for rules in ({"max_server_per_host": 0}, {"other": 1}):
        status, _h, body = _create(api, {"name": "x", "policy": "anti-affinity",
                                         "rules": rules}, version="2.64")
        assert status == 400, rules
    status, _h, body = _create(api, {"name": " padded", "policies": ["affinity"]})
    assert status == 400
    assert "name" in body["badRequest"]["message"]


def test_projects_and_all_projects(api):
    _create(api, {"name": "a1", "policies": ["affinity"]}, project="p1")
    _create(api, {"name": "a2", "policies": ["affinity"]}, project="p1")
    status, _h, body = _create(api, {"name": "b1", "policies": ["affinity"]}, user="bob",
                               project="p2")
    b1 = body["server_group"]["id"]

    status, _h, body = api.request("GET", "/os-server-groups", user="bob", project="p2")
    assert [g["name"] for g in body["server_groups"]] == ["b1"]
    # all_projects is for admins only
    status, _h, body = api.request("GET", "/os-server-groups?all_projects=True",
                                   user="bob", project="p2")
    assert status == 403
    status, _h, body = api.request("GET", "/os-server-groups?all_projects=True")
    assert sorted(g["name"] for g in body["server_groups"]) == ["a1", "a2", "b1"]
    status, _h, body = api.request("GET", "/os-server-groups?all_projects=1&limit=2&offset=1")
    assert len(body["server_groups"]) == 2
    status, _h, body = api.request("GET", "/os-server-groups?limit=-1")
    assert status == 400
    # Another project's group is not theirs to see or delete.
    assert api.request("GET", "/os-server-groups/" + b1, user="alice",
                       project="p1")[0] == 403
    assert api.request("DELETE", "/os-server-groups/" + b1, user="alice",
                       project="p1")[0] == 403
    assert api.request("DELETE", "/os-server-groups/" + b1, user="bob",
                       project="p2")[0] == 204


def test_members_are_shown(api):
    status, _h, body = _create(api, {"name": "m", "policies": ["anti-affinity"]})
    group_id = body["server_group"]["id"]
    member = "8d6e8a35-56a8-4c3e-9c0d-3f3bbd1b3b26"
    objects.InstanceGroup.add_members(api.ctxt, group_id, [member])
    status, _h, body = api.request("GET", "/os-server-groups/" + group_id, user="alice",
                                   project="p1")
    assert body["server_group"]["members"] == [member]


def test_server_group_quota(api):
    status, _h, _b = api.request("PUT", "/os-quota-sets/p1",
                                 {"quota_set": {"server_groups": 1}})
    assert status == 200
    assert _create(api, {"name": "one", "policies": ["affinity"]})[0] == 200
    status, _h, body = _create(api, {"name": "two", "policies": ["affinity"]}, user="carol")
    assert status == 403
    assert body["forbidden"]["message"] == "Quota exceeded, too many server groups."
    # Another project is not affected.
    assert _create(api, {"name": "two", "policies": ["affinity"]}, project="p2")[0] == 200
