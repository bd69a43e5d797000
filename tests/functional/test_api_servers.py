"""GET /servers, /servers/detail, /servers/{id} and PUT /servers/{id} over HTTP.

Servers are seeded through the objects: instances in one or two cells, and
build requests (not yet in a cell) in the API database.
"""

import datetime

from oslo_utils import timeutils
import pytest

from nova.api.openstack import api_version
from nova.compute import task_states
from nova.compute import vm_states
from tests.functional import compute_seed
from tests.functional import server_seed as seed


@pytest.fixture
def newest(monkeypatch):
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.100")


@pytest.fixture
def flavor(api):
    return seed.add_flavor(api, extra_specs={"hw:cpu_policy": "shared"})


def _ids(body):
    return [s["id"] for s in body["servers"]]


def _get(api, path, version=None, user="u1", project="p1"):
    status, _headers, body = api.request("GET", path, version=version, user=user,
                                         project=project)
    return status, body


def test_list_own_project_build_requests_first(api, flavor):
    older = seed.add_server(api, "alpha", flavor=flavor,
                            created_at=seed.BASE_TIME)
    newer = seed.add_server(api, "beta", flavor=flavor,
                            created_at=seed.BASE_TIME + datetime.timedelta(hours=1))
    seed.add_server(api, "other", flavor=flavor, project_id="p2")
    building = seed.add_build_request(api, "gamma", flavor=flavor)

    status, body = _get(api, "/servers")
    assert status == 200
    assert _ids(body) == [building.instance_uuid, newer.uuid, older.uuid]
    assert set(body["servers"][0]) == {"id", "name", "links"}
    assert body["servers"][1]["links"][0]["href"].endswith("/v2.1/servers/" + newer.uuid)
    assert "servers_links" not in body

    # Another project sees only its own server.
    status, body = _get(api, "/servers", project="p2")
    assert [s["name"] for s in body["servers"]] == ["other"]


def test_detail_view_fields(api, flavor, newest):
    server = seed.add_server(api, "alpha", flavor=flavor, tags=["a", "b"],
                             metadata={"role": "web"},
                             nw_info=seed.network_info(ip="10.0.0.7", floating="172.24.4.9"))
    status, body = _get(api, "/servers/detail", version="2.47")
    assert status == 200
    view = body["servers"][0]
    assert view["status"] == "ACTIVE" and view["OS-EXT-STS:vm_state"] == "active"
    assert view["metadata"] == {"role": "web"}
    assert view["flavor"] == {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
                              "original_name": "m1.small",
                              "extra_specs": {"hw:cpu_policy": "shared"}}
    assert view["image"]["id"] == server.image_ref
    assert view["addresses"] == {"private": [
        {"version": 4, "addr": "10.0.0.7", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"},
        {"version": 4, "addr": "172.24.4.9", "OS-EXT-IPS:type": "floating",
         "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01"}]}
    assert len(view["hostId"]) == 56
    assert view["locked"] is False and view["tags"] == ["a", "b"]
    assert view["description"] is None
    assert view["OS-EXT-AZ:availability_zone"] == "nova"
    assert view["os-extended-volumes:volumes_attached"] == []
    # A project member sees neither the extended attributes nor host_status.
    assert not [k for k in view if k.startswith("OS-EXT-SRV-ATTR")]
    assert "host_status" not in view

    # 2.1: the flavor is a link, no locked/tags/description.
    status, body = _get(api, "/servers/detail")
    view = body["servers"][0]
    assert view["flavor"]["id"] == "1" and "links" in view["flavor"]
    assert not {"locked", "tags", "description"} & set(view)


def test_show_as_admin_at_newest_microversion(api, flavor, newest):
    compute_seed.add_compute(api, "compute1")
    server = seed.add_server(api, "alpha", flavor=flavor, user_data="aGVsbG8=")
    status, body = _get(api, "/servers/" + server.uuid, version="2.100", user="admin",
                        project="admin")
    assert status == 200
    view = body["server"]
    assert view["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert view["OS-EXT-SRV-ATTR:instance_name"].startswith("instance-")
    assert view["OS-EXT-SRV-ATTR:user_data"] == "aGVsbG8="
    assert view["OS-EXT-SRV-ATTR:hostname"] == "alpha"
    assert view["host_status"] == "UP"
    assert view["server_groups"] == []
    assert view["pinned_availability_zone"] is None
    assert view["scheduler_hints"] == {}
    assert view["image"]["properties"] == {}
    assert view["trusted_image_certificates"] is None
    assert "locked_reason" in view


def test_show_build_request_and_404s(api, flavor):
    building = seed.add_build_request(api, "gamma", flavor=flavor, tags=["x"])
    status, body = _get(api, "/servers/" + building.instance_uuid, version="2.26")
    assert status == 200
    assert body["server"]["status"] == "BUILD"
    assert body["server"]["tags"] == ["x"]
    assert body["server"]["addresses"] == {}

    status, body = _get(api, "/servers/" + building.instance_uuid, project="p2")
    assert status == 404
    status, body = _get(api, "/servers/00000000-0000-0000-0000-000000000000")
    assert status == 404 and body["itemNotFound"]["code"] == 404
    status, body = _get(api, "/servers/not-a-uuid")
    assert status == 404

    other = seed.add_server(api, "theirs", flavor=flavor, project_id="p2")
    status, body = _get(api, "/servers/" + other.uuid)
    assert status == 404


def test_fault_shown_for_error_servers(api, flavor):
    broken = seed.add_server(api, "broken", flavor=flavor, vm_state=vm_states.ERROR,
                             fault=(500, "No valid host", "Traceback ..."))
    status, body = _get(api, "/servers/" + broken.uuid)
    fault = body["server"]["fault"]
    assert body["server"]["status"] == "ERROR"
    assert fault["code"] == 500 and fault["message"] == "No valid host"
    assert "details" not in fault  # a 500's details are for admins
    status, body = _get(api, "/servers/" + broken.uuid, user="admin", project="admin")
    assert body["server"]["fault"]["details"] == "Traceback ..."


def test_filters(api, flavor, newest):
    small = seed.add_flavor(api, flavorid="2", name="tiny")
    web = seed.add_server(api, "web-1", flavor=flavor, tags=["prod", "web"],
                          nw_info=seed.network_info(ip="10.0.0.5", ip6="fd00::5"))
    db = seed.add_server(api, "db-1", flavor=small, tags=["prod"], locked=True,
                         vm_state=vm_states.STOPPED, host="compute2",
                         nw_info=seed.network_info(ip="10.0.0.6"))
    rebooting = seed.add_server(api, "web-2", flavor=flavor, task_state=task_states.REBOOTING)

    def names(query, version="2.73", **kwargs):
        status, body = _get(api, "/servers" + query, version=version, **kwargs)
        assert status == 200, body
        return sorted(s["name"] for s in body["servers"])

    assert names("?name=^web") == ["web-1", "web-2"]
    assert names("?status=SHUTOFF") == ["db-1"]
    assert names("?status=REBOOT") == ["web-2"]
    # A status whose vm_state has a default filters by the vm_state only.
    assert names("?status=ACTIVE") == ["web-1", "web-2"]
    assert names("?flavor=2") == ["db-1"]
    assert names("?flavor=404") == []
    assert names("?ip=10.0.0.6") == ["db-1"]
    assert names("?ip6=fd00::5") == ["web-1"]
    assert names("?tags=prod,web") == ["web-1"]
    assert names("?tags-any=prod") == ["db-1", "web-1"]
    assert names("?not-tags=prod") == ["web-2"]
    assert names("?not-tags-any=web") == ["db-1", "web-2"]
    assert names("?locked=true") == ["db-1"]
    assert names("?image=%s" % web.image_ref) == ["db-1", "web-1", "web-2"]
    # host is an admin filter: ignored for a member, applied for an admin.
    assert names("?host=compute2") == ["db-1", "web-1", "web-2"]
    assert names("?host=compute2&all_tenants=1", user="admin",
                 project="admin") == ["db-1"]
    # 2.83 opens vm_state (and others) to members.
    assert names("?vm_state=stopped", version="2.82") == ["db-1", "web-1", "web-2"]
    assert names("?vm_state=stopped", version="2.83") == ["db-1"]
    assert rebooting.uuid and db.uuid


def test_status_and_query_validation(api, flavor, newest):
    seed.add_server(api, "alpha", flavor=flavor)
    status, body = _get(api, "/servers?status=bogus", version="2.37")
    assert status == 200 and body["servers"] == []
    status, body = _get(api, "/servers?status=bogus", version="2.38")
    assert status == 400 and body["badRequest"]["message"] == "Invalid status value"
    # Unknown parameters: ignored before 2.75, refused from 2.75.
    status, body = _get(api, "/servers?foo=bar", version="2.74")
    assert status == 200 and len(body["servers"]) == 1
    status, body = _get(api, "/servers?foo=bar", version="2.75")
    assert status == 400
    status, body = _get(api, "/servers?all_tenants=maybe", version="2.75",
                        user="admin", project="admin")
    assert status == 400
    status, body = _get(api, "/servers?name=((")
    assert status == 400
    status, body = _get(api, "/servers?sort_key=bogus")
    assert status == 400
    status, body = _get(api, "/servers?limit=-1")
    assert status == 400
    status, body = _get(api, "/servers?marker=00000000-0000-0000-0000-000000000000")
    assert status == 400 and "not found" in body["badRequest"]["message"]
    status, body = _get(api, "/servers?changes-since=yesterday")
    assert status == 400
    status, body = _get(api, "/servers?changes-since=2026-01-02T00:00:00Z"
                             "&changes-before=2026-01-01T00:00:00Z", version="2.66")
    assert status == 400


def test_all_tenants_is_admin_only_and_deleted_listing(api, flavor):
    seed.add_server(api, "mine", flavor=flavor)
    seed.add_server(api, "theirs", flavor=flavor, project_id="p2")
    gone = seed.add_server(api, "gone", flavor=flavor, deleted=True,
                           vm_state=vm_states.DELETED)
    status, body = _get(api, "/servers?all_tenants=1")
    assert status == 403
    status, body = _get(api, "/servers?all_tenants=1", user="admin", project="admin")
    assert sorted(s["name"] for s in body["servers"]) == ["mine", "theirs"]
    status, body = _get(api, "/servers?all_tenants=1&project_id=p2", user="admin",
                        project="admin")
    assert [s["name"] for s in body["servers"]] == ["theirs"]
    # Without all_tenants an admin lists its own project only.
    status, body = _get(api, "/servers", user="admin", project="admin")
    assert body["servers"] == []
    status, body = _get(api, "/servers/detail?all_tenants=1&deleted=true", user="admin",
                        project="admin")
    assert [s["id"] for s in body["servers"]] == [gone.uuid]
    assert body["servers"][0]["status"] == "DELETED"
    status, body = _get(api, "/servers?status=deleted")
    assert status == 403
    # changes-since includes the deleted servers changed since then.
    since = (timeutils.utcnow() - datetime.timedelta(minutes=5)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    status, body = _get(api, "/servers?changes-since=" + since)
    assert sorted(s["name"] for s in body["servers"]) == ["gone", "mine"]
    # A member may not sort by host.
    status, body = _get(api, "/servers?sort_key=host")
    assert status == 403


def test_sort_and_page_across_two_cells(api, tmp_path, flavor):
    cell2 = compute_seed.add_cell(api, tmp_path, "cell2")
    names = ["s%02d" % i for i in range(7)]
    for index, name in enumerate(names):
        seed.add_server(api, name, flavor=flavor, cell=cell2 if index % 2 else None,
                        created_at=seed.BASE_TIME + datetime.timedelta(minutes=index))
    building = seed.add_build_request(api, "zz-building", flavor=flavor)

    status, body = _get(api, "/servers?sort_key=display_name&sort_dir=asc")
    assert [s["name"] for s in body["servers"]] == ["zz-building"] + names

    # Default order: newest first; pages of 3 follow the next links.
    seen = []
    path = "/servers?limit=3"
    while path:
        status, body = _get(api, path)
        assert status == 200
        seen.extend(s["name"] for s in body["servers"])
        links = body.get("servers_links")
        path = links[0]["href"] if links else None
        if path:
            assert "marker=" in path
    assert seen == ["zz-building"] + names[::-1]

    # A marker in either cell, or the build request, continues after it.
    status, body = _get(api, "/servers?sort_key=display_name&sort_dir=asc&limit=2"
                             "&marker=" + _uuid_of(api, "s02"))
    assert [s["name"] for s in body["servers"]] == ["s03", "s04"]
    status, body = _get(api, "/servers?sort_key=display_name&sort_dir=desc&limit=3"
                             "&marker=" + _uuid_of(api, "s03"))
    assert [s["name"] for s in body["servers"]] == ["s02", "s01", "s00"]
    status, body = _get(api, "/servers?limit=2&marker=" + building.instance_uuid)
    assert [s["name"] for s in body["servers"]] == ["s06", "s05"]


def _uuid_of(api, name):
    status, body = _get(api, "/servers?name=^%s$" % name)
    return body["servers"][0]["id"]


def test_update(api, flavor, newest):
    server = seed.add_server(api, "alpha", flavor=flavor)
    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u1",
                                   project="p1", body={"server": {
                                       "name": "renamed", "accessIPv4": "192.0.2.1",
                                       "OS-DCF:diskConfig": "AUTO"}})
    assert status == 200
    view = body["server"]
    assert view["name"] == "renamed" and view["accessIPv4"] == "192.0.2.1"
    assert view["OS-DCF:diskConfig"] == "AUTO"
    assert "OS-EXT-STS:vm_state" not in view  # before 2.75 the update view is short

    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u1",
                                   project="p1", version="2.90", body={"server": {
                                       "description": "the db", "hostname": "db01"}})
    assert status == 200
    assert body["server"]["description"] == "the db"
    assert body["server"]["OS-EXT-SRV-ATTR:hostname"] == "db01"
    assert body["server"]["OS-EXT-STS:vm_state"] == "active"

    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u1",
                                   project="p1", body={"server": {"description": "x"}})
    assert status == 400  # description needs 2.19
    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u1",
                                   project="p1", body={"server": {"accessIPv4": "nope"}})
    assert status == 400
    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u9",
                                   project="p9", body={"server": {"name": "x"}})
    assert status == 404
    status, _h, body = api.request("PUT", "/servers/" + server.uuid, user="u1",
                                   project="p1", headers={"X-Roles": "reader"},
                                   body={"server": {"name": "x"}})
    assert status == 403
    status, body = _get(api, "/servers/" + server.uuid)
    assert body["server"]["name"] == "renamed"


def test_update_build_request(api, flavor):
    building = seed.add_build_request(api, "gamma", flavor=flavor)
    status, _h, body = api.request("PUT", "/servers/" + building.instance_uuid,
                                   user="u1", project="p1",
                                   body={"server": {"name": "gamma-2"}})
    assert status == 200 and body["server"]["name"] == "gamma-2"
    status, body = _get(api, "/servers")
    assert [s["name"] for s in body["servers"]] == ["gamma-2"]


def test_openstack_cli_and_sdk(api, flavor):
    seed.add_server(api, "cli-1", flavor=flavor, nw_info=seed.network_info(ip="10.0.0.9"))
    seed.add_server(api, "cli-2", flavor=flavor, vm_state=vm_states.STOPPED)
    listed = api.osc("server", "list", user="u1", project="p1")
    assert sorted((s["Name"], s["Status"]) for s in listed) == [
        ("cli-1", "ACTIVE"), ("cli-2", "SHUTOFF")]
    shown = api.osc("server", "show", "cli-1", user="u1", project="p1")
    assert shown["name"] == "cli-1" and shown["status"] == "ACTIVE"
    assert "10.0.0.9" in str(shown["addresses"])
    long_list = api.osc("server", "list", "--all-projects", "--long")
    assert sorted(s["Name"] for s in long_list) == ["cli-1", "cli-2"]
    assert {s["Flavor"] for s in long_list} == {"m1.small"}
    assert [s["Networks"] for s in long_list if s["Name"] == "cli-1"] == [
        {"private": ["10.0.0.9"]}]
    api.osc("server", "set", "--name", "cli-1b", "cli-1", user="u1", project="p1")
    conn = api.sdk(user="u1", project="p1")
    names = sorted(s.name for s in conn.compute.servers())
    assert names == ["cli-1b", "cli-2"]
    stopped = list(conn.compute.servers(status="SHUTOFF"))
    assert [s.name for s in stopped] == ["cli-2"]


def test_admin_metadata_filter_and_2_83_member_filters(api, flavor, newest):
    seed.add_server(api, "web", flavor=flavor, metadata={"role": "web"}, key_name="k1",
                    config_drive="True")
    seed.add_server(api, "db", flavor=flavor, metadata={"role": "db"})

    def names(query, user="admin", project="admin", version="2.83"):
        status, body = _get(api, "/servers" + query, version=version, user=user,
                            project=project)
        assert status == 200, body
        return sorted(s["name"] for s in body["servers"])

    assert names("?all_tenants=1&metadata={'role':'db'}") == ["db"]
    assert names("?all_tenants=1&metadata=not-a-dict") == []
    # A member's metadata filter is dropped; 2.83 filters apply.
    assert names("?metadata={'role':'db'}", user="u1", project="p1") == ["db", "web"]
    assert names("?key_name=k1", user="u1", project="p1") == ["web"]
    assert names("?config_drive=True", user="u1", project="p1") == ["web"]
    assert names("?key_name=k1", user="u1", project="p1", version="2.82") == ["db", "web"]
