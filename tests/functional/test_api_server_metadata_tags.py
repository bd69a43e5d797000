"""/servers/{id}/metadata and /servers/{id}/tags over HTTP and through the CLI."""

import pytest

from nova.api.openstack import api_version
from nova.compute import vm_states
from nova import objects
from tests.functional import server_seed as seed

TAGS_VERSION = "2.26"


@pytest.fixture
def newest(monkeypatch):
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.100")


@pytest.fixture
def server(api):
    return seed.add_server(api, "alpha", flavor=seed.add_flavor(api),
                           metadata={"a": "1", "b": "2"})


def _call(api, method, path, body=None, version=None, user="u1", project="p1", **kw):
    status, headers, payload = api.request(method, path, body=body, version=version,
                                           user=user, project=project, **kw)
    return status, payload, headers


def test_metadata_crud(api, server):
    base = "/servers/%s/metadata" % server.uuid
    assert _call(api, "GET", base)[:2] == (200, {"metadata": {"a": "1", "b": "2"}})
    assert _call(api, "GET", base + "/a")[:2] == (200, {"meta": {"a": "1"}})
    status, body, _ = _call(api, "GET", base + "/zzz")
    assert status == 404 and body["itemNotFound"]["message"] == "Metadata item was not found"

    # POST merges and answers the whole metadata.
    status, body, _ = _call(api, "POST", base, {"metadata": {"b": "20", "c": "3"}})
    assert (status, body) == (200, {"metadata": {"a": "1", "b": "20", "c": "3"}})
    # PUT on one key sets it.
    status, body, _ = _call(api, "PUT", base + "/d", {"meta": {"d": "4"}})
    assert (status, body) == (200, {"meta": {"d": "4"}})
    status, body, _ = _call(api, "PUT", base + "/d", {"meta": {"e": "4"}})
    assert status == 400 and "mismatch" in body["badRequest"]["message"]
    status, body, _ = _call(api, "PUT", base + "/d", {"meta": {"d": "4", "e": "5"}})
    assert status == 400
    # DELETE one key.
    assert _call(api, "DELETE", base + "/a")[0] == 204
    assert _call(api, "DELETE", base + "/a")[0] == 404
    # PUT on the collection replaces it.
    status, body, _ = _call(api, "PUT", base, {"metadata": {"only": "this"}})
    assert (status, body) == (200, {"metadata": {"only": "this"}})
    assert _call(api, "GET", base)[1] == {"metadata": {"only": "this"}}
    status, body, _ = _call(api, "POST", base, {"metadata": {"bad/key": "x"}})
    assert status == 400


def test_metadata_quota_lock_state_and_visibility(api, server):
    base = "/servers/%s/metadata" % server.uuid
    objects.Quotas.create_limit(api.ctxt, "p1", "metadata_items", 3)
    status, body, _ = _call(api, "POST", base, {"metadata": {"c": "3", "d": "4"}})
    assert status == 403 and "metadata" in body["forbidden"]["message"]
    assert _call(api, "POST", base, {"metadata": {"c": "3"}})[0] == 200

    # Another project cannot see it; a reader cannot change it.
    assert _call(api, "GET", base, project="p2")[0] == 404
    assert _call(api, "POST", base, {"metadata": {"x": "y"}},
                 headers={"X-Roles": "reader"})[0] == 403

    server.locked = True
    server.save()
    status, body, _ = _call(api, "POST", base, {"metadata": {"x": "y"}})
    assert status == 409 and "locked" in body["conflictingRequest"]["message"]
    # An admin may change a locked server's metadata.
    assert _call(api, "DELETE", base + "/c", user="admin", project="admin")[0] == 204

    building = seed.add_build_request(api, "gamma", metadata={"k": "v"})
    bbase = "/servers/%s/metadata" % building.instance_uuid
    assert _call(api, "GET", bbase)[1] == {"metadata": {"k": "v"}}
    status, body, _ = _call(api, "POST", bbase, {"metadata": {"x": "y"}})
    assert status == 409
    assert "vm_state building" in body["conflictingRequest"]["message"]


def test_tags(api, server, newest):
    base = "/servers/%s/tags" % server.uuid
    assert _call(api, "GET", base)[0] == 404  # tags need 2.26
    assert _call(api, "GET", base, version=TAGS_VERSION)[:2] == (200, {"tags": []})
    status, body, headers = _call(api, "PUT", base + "/blue", version=TAGS_VERSION)
    assert status == 201 and headers["Location"].endswith(base + "/blue")
    assert _call(api, "PUT", base + "/blue", version=TAGS_VERSION)[0] == 204
    assert _call(api, "GET", base + "/blue", version=TAGS_VERSION)[0] == 204
    assert _call(api, "GET", base + "/red", version=TAGS_VERSION)[0] == 404
    assert _call(api, "PUT", base + "/a,b", version=TAGS_VERSION)[0] == 400

    status, body, _ = _call(api, "PUT", base, {"tags": ["x", "y"]}, version=TAGS_VERSION)
    assert (status, sorted(body["tags"])) == (200, ["x", "y"])
    status, body, _ = _call(api, "PUT", base, {"tags": ["t%d" % i for i in range(51)]},
                            version=TAGS_VERSION)
    assert status == 400
    # Fill up to the limit of 50: the 51st is refused.
    _call(api, "PUT", base, {"tags": ["t%d" % i for i in range(50)]}, version=TAGS_VERSION)
    status, body, _ = _call(api, "PUT", base + "/one-more", version=TAGS_VERSION)
    assert status == 400 and "50" in body["badRequest"]["message"]

    assert _call(api, "DELETE", base + "/t0", version=TAGS_VERSION)[0] == 204
    assert _call(api, "DELETE", base + "/t0", version=TAGS_VERSION)[0] == 404
    assert _call(api, "DELETE", base, version=TAGS_VERSION)[0] == 204
    assert _call(api, "GET", base, version=TAGS_VERSION)[1] == {"tags": []}

    # Tags show in the server and filter the list.
    _call(api, "PUT", base + "/prod", version=TAGS_VERSION)
    status, body, _ = _call(api, "GET", "/servers/" + server.uuid, version=TAGS_VERSION)
    assert body["server"]["tags"] == ["prod"]


def test_tags_refused_while_building_or_in_error(api, newest):
    broken = seed.add_server(api, "broken", vm_state=vm_states.ERROR)
    status, body, _ = _call(api, "PUT", "/servers/%s/tags/x" % broken.uuid,
                            version=TAGS_VERSION)
    assert status == 409
    assert "Cannot 'update tag'" in body["conflictingRequest"]["message"]
    building = seed.add_build_request(api, "gamma", tags=["early"])
    base = "/servers/%s/tags" % building.instance_uuid
    assert _call(api, "GET", base, version=TAGS_VERSION)[1] == {"tags": ["early"]}
    assert _call(api, "DELETE", base, version=TAGS_VERSION)[0] == 409


def test_cli_property_and_tag(api, server, newest):
    api.osc("server", "set", "--property", "env=prod", "alpha", user="u1", project="p1")
    api.osc("server", "set", "--tag", "blue", "alpha", user="u1", project="p1",
            version=TAGS_VERSION)
    shown = api.osc("server", "show", "alpha", user="u1", project="p1",
                    version=TAGS_VERSION)
    assert shown["properties"] == {"a": "1", "b": "2", "env": "prod"}
    assert shown["tags"] == ["blue"]
    api.osc("server", "unset", "--property", "a", "--tag", "blue", "alpha", user="u1",
            project="p1", version=TAGS_VERSION)
    status, body, _ = _call(api, "GET", "/servers/" + server.uuid, version=TAGS_VERSION)
    assert body["server"]["metadata"] == {"b": "2", "env": "prod"}
    assert body["server"]["tags"] == []
