"""Flavors through the running API: HTTP, the openstack CLI and openstacksdk."""

import uuid


def _create(api, name="m1.test", version=None, **extra):
    body = {"flavor": dict({"name": name, "ram": 512, "vcpus": 1, "disk": 1}, **extra)}
    status, _h, resp = api.request("POST", "/flavors", body, version=version)
    assert status == 200, resp
    return resp["flavor"]


def test_create_show_list_delete_over_http(api):
    flavor = _create(api, id="42", swap=0, **{"OS-FLV-EXT-DATA:ephemeral": 2})
    assert flavor["id"] == "42"
    assert flavor["ram"] == 512 and flavor["vcpus"] == 1 and flavor["disk"] == 1
    assert flavor["OS-FLV-EXT-DATA:ephemeral"] == 2
    assert flavor["swap"] == ""  # before 2.75
    assert flavor["os-flavor-access:is_public"] is True
    assert flavor["links"][0]["href"].endswith("/v2.1/flavors/42")
    auto = _create(api, name="auto-one")
    uuid.UUID(auto["id"])
    status, _h, body = api.request("GET", "/flavors")
    assert status == 200
    assert sorted(f["name"] for f in body["flavors"]) == ["auto-one", "m1.test"]
    assert set(body["flavors"][0]) == {"id", "name", "links"}
    status, _h, body = api.request("GET", "/flavors/42")
    assert status == 200 and body["flavor"]["name"] == "m1.test"
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "m1.test", "ram": 1, "vcpus": 1, "disk": 0}})
    assert status == 409 and body["conflictingRequest"]["code"] == 409
    status, _h, body = api.request("DELETE", "/flavors/42")
    assert status == 202 and body is None
    status, _h, body = api.request("GET", "/flavors/42")
    assert status == 404 and "42" in body["itemNotFound"]["message"]


def test_create_rejects_bad_input(api):
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "x", "ram": 0, "vcpus": 1, "disk": 0}})
    assert status == 400 and "ram" in body["badRequest"]["message"]
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "x", "ram": 1, "vcpus": 1}})
    assert status == 400 and "disk" in body["badRequest"]["message"]
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "x", "ram": 1, "vcpus": 1, "disk": 0, "description": "d"}})
    assert status == 400  # description needs 2.55
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "x", "ram": 1, "vcpus": 1, "disk": 0}}, user="demo", project="demo")
    assert status == 403 and "os-flavor-manage:create" in body["forbidden"]["message"]


def test_filters_sorting_and_pagination(api):
    for i, (ram, disk) in enumerate([(512, 1), (1024, 10), (2048, 20), (4096, 40)]):
        _create(api, name="f%d" % i, id=str(i + 1), ram=ram, disk=disk)
    _create(api, name="private", id="9", ram=8192, disk=80,
            **{"os-flavor-access:is_public": False})
    status, _h, body = api.request("GET", "/flavors/detail?minRam=1024&minDisk=20")
    assert [f["id"] for f in body["flavors"]] == ["3", "4"]  # private hidden by default
    status, _h, body = api.request("GET", "/flavors?is_public=None")
    assert [f["id"] for f in body["flavors"]] == ["1", "2", "3", "4", "9"]
    status, _h, body = api.request("GET", "/flavors?is_public=false")
    assert [f["id"] for f in body["flavors"]] == ["9"]
    status, _h, body = api.request("GET", "/flavors?is_public=None",
                                   user="demo", project="demo")
    assert [f["id"] for f in body["flavors"]] == ["1", "2", "3", "4"]
    status, _h, body = api.request("GET", "/flavors?sort_key=memory_mb&sort_dir=desc")
    assert [f["id"] for f in body["flavors"]] == ["4", "3", "2", "1"]
    status, _h, body = api.request("GET", "/flavors?limit=2")
    assert [f["id"] for f in body["flavors"]] == ["1", "2"]
    next_href = body["flavors_links"][0]["href"]
    assert body["flavors_links"][0]["rel"] == "next" and "marker=2" in next_href
    status, _h, body = api.request("GET", next_href)
    assert [f["id"] for f in body["flavors"]] == ["3", "4"]
    status, _h, body = api.request("GET", "/flavors?marker=nope")
    assert status == 400
    status, _h, body = api.request("GET", "/flavors?minRam=big")
    assert status == 400 and "minRam" in body["badRequest"]["message"]
    status, _h, body = api.request("GET", "/flavors?sort_key=bogus")
    assert status == 400
    status, _h, _b = api.request("GET", "/flavors?foo=1", version="2.1")
    assert status == 200


def test_views_follow_the_microversion(api, monkeypatch):
    flavor = _create(api, version="2.55", description="small one")
    assert flavor["description"] == "small one"
    fid = flavor["id"]
    status, _h, body = api.request("PUT", "/flavors/%s" % fid,
                                   {"flavor": {"description": "changed"}}, version="2.55")
    assert status == 200 and body["flavor"]["description"] == "changed"
    status, _h, _b = api.request("PUT", "/flavors/%s" % fid,
                                 {"flavor": {"description": "x"}}, version="2.54")
    assert status == 404
    api.request("POST", "/flavors/%s/os-extra_specs" % fid,
                {"extra_specs": {"hw:cpu_policy": "dedicated"}})
    status, _h, body = api.request("GET", "/flavors/%s" % fid, version="2.61")
    assert body["flavor"]["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert body["flavor"]["swap"] == ""
    status, _h, body = api.request("GET", "/flavors/%s" % fid, version="2.75")
    assert body["flavor"]["swap"] == 0
    status, _h, body = api.request("GET", "/flavors?foo=1", version="2.75")
    assert status == 400 and "foo" in body["badRequest"]["message"]


def test_extra_specs_crud_and_validation(api, monkeypatch):
    fid = _create(api, id="7")["id"]
    base = "/flavors/%s/os-extra_specs" % fid
    status, _h, body = api.request("POST", base, {"extra_specs": {"a": "1", "hw:numa_nodes": 2}})
    assert status == 200 and body == {"extra_specs": {"a": "1", "hw:numa_nodes": "2"}}
    status, _h, body = api.request("GET", base)
    assert body == {"extra_specs": {"a": "1", "hw:numa_nodes": "2"}}
    status, _h, body = api.request("PUT", base + "/a", {"a": "2"})
    assert status == 200 and body == {"a": "2"}
    status, _h, body = api.request("PUT", base + "/a", {"b": "2"})
    assert status == 400
    status, _h, body = api.request("GET", base + "/a")
    assert body == {"a": "2"}
    status, _h, body = api.request("DELETE", base + "/a")
    assert status == 200
    status, _h, body = api.request("GET", base + "/a")
    assert status == 404
    bad = {"extra_specs": {"hw:cpu_policy": "sometimes"}}
    status, _h, body = api.request("POST", base, bad, version="2.86")
    assert status == 400 and "hw:cpu_policy" in body["badRequest"]["message"]
    status, _h, body = api.request("POST", base, bad, version="2.85")
    assert status == 200
    for spec in ({"hw:mem_page_size": "huge"}, {"hw:no_such_key": "1"},
                 {"resources:NOT_A_CLASS": "1"}, {"resources:VCPU": "-1"},
                 {"trait:HW_CPU_X86_AVX": "maybe"}, {"quota:cpu_shares": "many"}):
        status, _h, body = api.request("POST", base, {"extra_specs": spec}, version="2.86")
        assert status == 400, spec
    for spec in ({"hw:mem_page_size": "2MB"}, {"resources1:CUSTOM_GPU": "1"},
                 {"trait:HW_CPU_X86_AVX": "required"}, {"my_ns:anything": "goes"},
                 {"aggregate_instance_extra_specs:ssd": "true"}):
        status, _h, body = api.request("POST", base, {"extra_specs": spec}, version="2.86")
        assert status == 200, (spec, body)
    status, _h, body = api.request("POST", base, {"extra_specs": {"x": "y"}},
                                   user="demo", project="demo")
    assert status == 403


def test_flavor_access(api):
    private = _create(api, name="priv", id="p1", **{"os-flavor-access:is_public": False})
    public = _create(api, name="pub", id="p2")
    action = "/flavors/%s/action"
    status, _h, body = api.request("POST", action % private["id"],
                                   {"addTenantAccess": {"tenant": "demo"}})
    assert status == 200
    assert body == {"flavor_access": [{"flavor_id": "p1", "tenant_id": "demo"}]}
    status, _h, body = api.request("POST", action % private["id"],
                                   {"addTenantAccess": {"tenant": "demo"}})
    assert status == 409
    status, _h, body = api.request("POST", action % public["id"],
                                   {"addTenantAccess": {"tenant": "demo"}}, version="2.7")
    assert status == 409 and "public flavor" in body["conflictingRequest"]["message"]
    # Before 2.7 the access is recorded; the flavor stays public.
    status, _h, body = api.request("POST", action % public["id"],
                                   {"addTenantAccess": {"tenant": "demo"}}, version="2.6")
    assert status == 200
    assert body == {"flavor_access": [{"flavor_id": "p2", "tenant_id": "demo"}]}
    status, _h, body = api.request("GET", "/flavors/p2/os-flavor-access")
    assert status == 404
    # The project now sees the private flavor.
    status, _h, body = api.request("GET", "/flavors", user="demo", project="demo")
    assert sorted(f["id"] for f in body["flavors"]) == ["p1", "p2"]
    status, _h, body = api.request("GET", "/flavors", user="other", project="other")
    assert [f["id"] for f in body["flavors"]] == ["p2"]
    status, _h, body = api.request("POST", action % private["id"],
                                   {"removeTenantAccess": {"tenant": "demo"}})
    assert status == 200 and body == {"flavor_access": []}
    status, _h, body = api.request("POST", action % private["id"],
                                   {"removeTenantAccess": {"tenant": "demo"}})
    assert status == 404
    status, _h, body = api.request("POST", action % private["id"], {"bogusAction": {}})
    assert status == 400


def test_openstack_cli_flavor_commands(api):
    created = api.osc("flavor", "create", "--ram", "256", "--vcpus", "2", "--disk", "3",
                      "--id", "cli-1", "--private", "cli.small")
    assert created["id"] == "cli-1" and created["ram"] == 256 and created["vcpus"] == 2
    assert created["os-flavor-access:is_public"] is False
    api.osc("flavor", "set", "--property", "hw:cpu_policy=dedicated",
            "--property", "color=blue", "cli-1")
    api.osc("flavor", "set", "--project", "demo", "cli-1")
    shown = api.osc("flavor", "show", "cli-1")
    assert shown["properties"] == {"hw:cpu_policy": "dedicated", "color": "blue"}
    assert "demo" in str(shown["access_project_ids"])
    api.osc("flavor", "unset", "--property", "color", "cli-1")
    assert api.osc("flavor", "show", "cli-1")["properties"] == {"hw:cpu_policy": "dedicated"}
    listed = api.osc("flavor", "list", "--all")
    assert [f["ID"] for f in listed] == ["cli-1"]
    api.osc("flavor", "delete", "cli-1")
    assert api.osc("flavor", "list", "--all") == []


def test_openstacksdk_lists_flavors(api):
    _create(api, name="sdk.one", id="s1")
    conn = api.sdk()
    flavors = list(conn.compute.flavors())
    assert [(f.id, f.name, f.ram) for f in flavors] == [("s1", "sdk.one", 512)]
