"""GET /extensions: the legacy list."""


def test_list_and_show(api):
    status, _h, body = api.request("GET", "/extensions", user="demo", project="demo")
    assert status == 200
    aliases = [e["alias"] for e in body["extensions"]]
    assert aliases == sorted(aliases)
    assert {"os-flavor-access", "os-flavor-extra-specs", "os-keypairs"} <= set(aliases)
    status, _h, body = api.request("GET", "/extensions/os-flavor-manage")
    assert status == 200 and body["extension"]["name"] == "FlavorManage"
    status, _h, body = api.request("GET", "/extensions/os-nope")
    assert status == 404 and "os-nope" in body["itemNotFound"]["message"]
