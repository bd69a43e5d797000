"""Version discovery: GET / and GET /v2.1."""

from nova.api.openstack import api_version


def test_root_lists_both_versions(api):
    status, headers, body = api.request("GET", "//")
    assert status == 200
    versions = {v["id"]: v for v in body["versions"]}
    assert versions["v2.0"]["status"] == "SUPPORTED"
    v21 = versions["v2.1"]
    assert v21["status"] == "CURRENT"
    assert v21["min_version"] == "2.1"
    assert v21["version"] == api_version.MAX_API_VERSION
    assert v21["links"] == [{"rel": "self", "href": api.root + "/v2.1/"}]


def test_v21_document(api):
    for path in ("", "/"):
        status, headers, body = api.request("GET", path)
        assert status == 200
        doc = body["version"]
        assert doc["id"] == "v2.1" and doc["min_version"] == "2.1"
        assert doc["version"] == api_version.MAX_API_VERSION
        assert {"rel": "self", "href": api.endpoint + "/"} in doc["links"]
        assert doc["media-types"][0]["base"] == "application/json"
        assert headers["OpenStack-API-Version"] == "compute 2.1"


def test_openstacksdk_discovers_the_compute_api(api):
    conn = api.sdk()
    response = conn.compute.get("/")
    assert response.status_code == 200
    assert response.json()["version"]["id"] == "v2.1"
