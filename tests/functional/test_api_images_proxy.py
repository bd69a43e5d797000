"""The image proxy of the compute API (/images up to 2.35, metadata up to 2.38)
against the embedded image store served over HTTP."""

from tests.functional.image_fixture import image_store  # noqa: F401,F811  (fixture)


def _image(store, name, **properties):
    status, _h, image = store.request("POST", "/v2/images", {
        "name": name, "disk_format": "raw", "container_format": "bare",
        "visibility": "public", "min_disk": 1, **properties})
    assert status == 201, image
    status, _h, _b = store.request("PUT", "/v2/images/%s/file" % image["id"],
                                         raw_body=b"\0" * 2048,
                                         headers={"Content-Type": "application/octet-stream"})
    assert status == 204, _b
    return image["id"]


def test_images_list_show_delete_up_to_235(api, image_store):  # noqa: F811
    first = _image(image_store, "cirros", os_distro="cirros")
    second = _image(image_store, "debian")
    status, _h, body = api.request("GET", "/images", version="2.35")
    assert status == 200, body
    names = {i["name"]: i for i in body["images"]}
    assert set(names) == {"cirros", "debian"}
    assert {link["rel"] for link in names["cirros"]["links"]} == {"self", "bookmark",
                                                                   "alternate"}
    status, _h, body = api.request("GET", "/images/detail?name=cirros", version="2.35")
    (image,) = body["images"]
    assert image["id"] == first and image["status"] == "ACTIVE"
    assert image["progress"] == 100 and image["minDisk"] == 1 and image["minRam"] == 0
    assert image["metadata"]["os_distro"] == "cirros"
    assert image["OS-EXT-IMG-SIZE:size"] == 2048 and image["created"].endswith("Z")
    status, _h, body = api.request("GET", "/images/%s" % first, version="2.35")
    assert status == 200 and body["image"]["name"] == "cirros"
    status, _h, body = api.request("GET", "/images?limit=1", version="2.35")
    assert len(body["images"]) == 1 and body["images_links"][0]["rel"] == "next"
    assert api.request("GET", "/images/%s" % ("0" * 8), version="2.35")[0] == 404
    assert api.request("DELETE", "/images/%s" % second, version="2.35")[0] == 204
    assert api.request("GET", "/images/%s" % second, version="2.35")[0] == 404
    # Gone from 2.36.
    for path in ("/images", "/images/detail", "/images/%s" % first):
        assert api.request("GET", path, version="2.36")[0] == 404
    assert api.request("DELETE", "/images/%s" % first, version="2.36")[0] == 404
    # The openstack CLI's "image list" at an old compute version is Glance's, so
    # check novaclient-era callers through the SDK's raw compute session instead.
    conn = api.sdk()
    response = conn.compute.get("/images", microversion="2.35")
    assert response.status_code == 200 and len(response.json()["images"]) == 1


def test_image_metadata_up_to_238(api, image_store):  # noqa: F811
    image = _image(image_store, "cirros", os_distro="cirros")
    path = "/images/%s/metadata" % image
    status, _h, body = api.request("GET", path, version="2.38")
    assert status == 200 and body["metadata"]["os_distro"] == "cirros"
    status, _h, body = api.request("POST", path, {"metadata": {"purpose": "test"}},
                                   version="2.38")
    assert status == 200, body
    assert body["metadata"]["purpose"] == "test" and body["metadata"]["os_distro"] == "cirros"
    status, _h, body = api.request("PUT", path + "/purpose", {"meta": {"purpose": "demo"}},
                                   version="2.38")
    assert status == 200 and body == {"meta": {"purpose": "demo"}}
    status, _h, body = api.request("GET", path + "/purpose", version="2.38")
    assert body == {"meta": {"purpose": "demo"}}
    status, _h, stored = image_store.request("GET", "/v2/images/%s" % image)
    assert stored["purpose"] == "demo"
    assert api.request("DELETE", path + "/purpose", version="2.38")[0] == 204
    assert api.request("GET", path + "/purpose", version="2.38")[0] == 404
    status, _h, body = api.request("PUT", path, {"metadata": {"only": "this"}},
                                   version="2.38")
    assert status == 200 and body == {"metadata": {"only": "this"}}
    status, _h, body = api.request("GET", path, version="2.38")
    assert body == {"metadata": {"only": "this"}}
    # Bad input and the end of the proxy.
    assert api.request("PUT", path + "/a", {"meta": {"b": "c"}}, version="2.38")[0] == 400
    assert api.request("POST", path, {"metadata": "x"}, version="2.38")[0] == 400
    assert api.request("GET", path, version="2.39")[0] == 404
    assert api.request("GET", "/images/%s/metadata" % ("f" * 32), version="2.38")[0] == 404
