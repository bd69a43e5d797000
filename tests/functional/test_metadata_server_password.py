"""GET and DELETE /servers/{id}/os-server-password: the password the guest posted."""

from tests.functional import metadata_fixture as mdf
from tests.functional import server_seed as seed


def test_password_posted_by_the_guest_is_shown_and_cleared(api):
    undo = mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
                         ("neutron", "service_metadata_proxy"): True,
                         ("api", "metadata_cache_expiration"): 0})
    metadata, stop = mdf.serve_metadata()
    try:
        instance = seed.add_server(api, "pw", flavor=seed.add_flavor(api))
        path = "/servers/%s/os-server-password" % instance.uuid
        assert api.request("GET", path, user="u1", project="p1")[2] == {"password": ""}
        headers = mdf.proxy_headers(instance.uuid, "p1")
        status, _h, _b = metadata.request("/openstack/2013-04-04/password", method="POST",
                                          headers=headers, data=b"encrypted-secret")
        assert status == 200
        assert api.request("GET", path, user="u1", project="p1")[2] == {
            "password": "encrypted-secret"}
        # Another project does not see the server.
        status, _h, body = api.request("GET", path, user="u2", project="p2")
        assert status == 404 and "itemNotFound" in body
        assert api.request("DELETE", path, user="u2", project="p2")[0] == 404
        status, _h, body = api.request("DELETE", path, user="u1", project="p1")
        assert status == 204, body
        assert api.request("GET", path, user="u1", project="p1")[2] == {"password": ""}
        assert metadata.request("/openstack/latest/password", headers=headers)[2] == b""
        # Cleared, the guest may post again.
        assert metadata.request("/openstack/latest/password", method="POST",
                                headers=headers, data=b"second")[0] == 200
        assert api.request("GET", path)[2] == {"password": "second"}
        missing = "/servers/4b7e0a0e-5d0e-4a3b-9d2e-1f9e7c1d0000/os-server-password"
        assert api.request("GET", missing)[0] == 404
        status, headers_, _b = api.request("PUT", path, {})
        assert status == 405
    finally:
        stop()
        undo()


def test_password_api_with_openstacksdk(api):
    instance = seed.add_server(api, "pw-cli", flavor=seed.add_flavor(api), project_id="admin")
    instance.system_metadata.update({"password_0": "abc", "password_1": "def"})
    instance.save()
    assert api.request("GET", "/servers/%s/os-server-password" % instance.uuid)[2] == {
        "password": "abcdef"}
    conn = api.sdk()
    assert conn.compute.get_server_password(instance.uuid) == "abcdef"
    conn.compute.clear_server_password(instance.uuid)
    assert conn.compute.get_server_password(instance.uuid) == ""
    assert api.request("GET", "/servers/%s/os-server-password" % instance.uuid)[2] == {
        "password": ""}
