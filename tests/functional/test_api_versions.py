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



def test_version_documents_of_v2_and_v21(api):
    status, headers, body = api.request("GET", "//v2/", user=None)
    assert status == 200 and body["version"]["id"] == "v2.0"
    assert body["version"]["status"] == "SUPPORTED"
    status, headers, body = api.request("GET", "", user=None, version="2.60")
    assert status == 200 and body["version"]["id"] == "v2.1"
    assert headers["OpenStack-API-Version"] == "compute 2.60"
    assert api.request("GET", "", version="3.0")[0] == 406
    assert api.request("POST", "", body={})[0] == 405
    assert api.request("GET", "/flavors", user=None)[0] == 200


def test_urlmap_separates_the_version_document_from_the_paths_below():
    import webob
    from nova.api.openstack import urlmap

    def app(name):
        def answer(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [("%s %s" % (name, environ["PATH_INFO"])).encode()]
        return answer

    mapping = urlmap.URLMap({"/": app("root"), "/v2.1": app("doc"),
                             "/v2.1/+": app("api"), "/other": app("other")})
    seen = {path: webob.Request.blank(path).get_response(mapping).text
            for path in ("/", "/v2.1", "/v2.1/", "/v2.1/servers", "/v2.10",
                         "/other/x", "/other")}
    assert seen == {"/": "root /", "/v2.1": "doc ", "/v2.1/": "doc /",
                    "/v2.1/servers": "api /servers", "/v2.10": "root /v2.10",
                    "/other/x": "other /x", "/other": "other "}
