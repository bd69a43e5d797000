"""The image store's Glance v2 HTTP behaviour: errors, patching, paging, sharing."""

import concurrent.futures
import hashlib
import socket
import time

from tests.functional.image_fixture import image_store  # noqa: F401

PATCH = "application/openstack-images-v2.1-json-patch"


def _create(store, user="alice", project="pa", **body):
    body.setdefault("disk_format", "raw")
    body.setdefault("container_format", "bare")
    status, _h, image = store.request("POST", "/v2/images", body, user=user, project=project)
    assert status == 201, image
    return image


def _upload(store, image_id, data, user="alice", project="pa", headers=None):
    all_headers = {"Content-Type": "application/octet-stream"}
    all_headers.update(headers or {})
    return store.request("PUT", "/v2/images/%s/file" % image_id, raw_body=data, user=user,
                         project=project, headers=all_headers)


def _abandoned_upload(store, image_id, sent, announced):
    host, port = store.running.server.host, store.running.server.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(("PUT /v2/images/%s/file HTTP/1.1\r\nHost: %s:%d\r\n"
                      "X-Auth-Token: alice:pa\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: %d\r\n\r\n" % (image_id, host, port, announced)
                      ).encode() + sent)
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_WR)
        try:
            sock.recv(4096)
        except OSError:
            pass


def _wait_for_status(store, image_id, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.request("GET", "/v2/images/%s" % image_id, user="alice",
                         project="pa")[2]["status"] == status:
            return True
        time.sleep(0.05)
    return False


def test_versions_and_schemas_answer_without_a_token(image_store):  # noqa: F811
    status, _h, body = image_store.request("GET", "/", user=None)
    assert status == 300
    assert body["versions"][0]["status"] == "CURRENT"
    assert body["versions"][0]["links"][0]["href"] == image_store.root + "/v2/"
    status, _h, schema = image_store.request("GET", "/v2/schemas/image")
    assert status == 200 and schema["name"] == "image"
    assert image_store.request("GET", "/v2/schemas/nothing")[0] == 404


def test_create_refuses_read_only_and_invalid_attributes(image_store):  # noqa: F811
    status, headers, body = image_store.request("POST", "/v2/images",
                                                {"name": "x", "status": "active"})
    assert status == 403
    assert headers["Content-Type"].startswith("application/json")
    assert body["title"] == "Forbidden" and "read-only" in body["message"]
    status, _h, body = image_store.request("POST", "/v2/images", {"disk_format": "floppy"})
    assert status == 400 and "disk_format" in body["message"]
    status, _h, body = image_store.request("POST", "/v2/images", {"prop": 7})
    assert status == 400
    status, _h, body = image_store.request("POST", "/v2/images", raw_body=b"{not json",
                                           headers={"Content-Type": "application/json"})
    assert status == 400
    status, _h, body = image_store.request("POST", "/v2/images", {"deleted": "yes"})
    assert status == 403 and "reserved" in body["message"]
    image = _create(image_store, name="dup")
    status, _h, body = image_store.request("POST", "/v2/images", {"id": image["id"]},
                                           user="alice", project="pa")
    assert status == 409
    assert image_store.request("DELETE", "/v2/images")[0] == 405
    assert image_store.request("GET", "/v2/nothing")[0] == 404


def test_patch_follows_glance_json_patch_rules(image_store):  # noqa: F811
    image = _create(image_store, name="p", os_distro="debian")
    path = "/v2/images/%s" % image["id"]

    def patch(ops, content_type=PATCH):
        return image_store.request("PATCH", path, ops, user="alice", project="pa",
                                   content_type=content_type)

    assert patch([{"op": "add", "path": "/a", "value": "1"}],
                 content_type="application/json")[0] == 415
    status, _h, body = patch([{"op": "add", "path": "/a", "value": "1"},
                              {"op": "add", "path": "/os_distro", "value": "ubuntu"},
                              {"op": "replace", "path": "/min_ram", "value": 512},
                              {"op": "add", "path": "/tags/-", "value": "gold"}])
    assert status == 200, body
    assert (body["a"], body["os_distro"], body["min_ram"], body["tags"]) == \
        ("1", "ubuntu", 512, ["gold"])
    assert patch([{"op": "replace", "path": "/missing", "value": "x"}])[0] == 409
    assert patch([{"op": "remove", "path": "/missing"}])[0] == 409
    assert patch([{"op": "replace", "path": "/size", "value": 1}])[0] == 403
    assert patch([{"op": "remove", "path": "/name"}])[0] == 403
    assert patch([{"op": "replace", "path": "/min_ram", "value": -1}])[0] == 400
    assert patch([{"op": "move", "path": "/a"}])[0] == 400
    # Nothing of a refused patch is applied.
    assert patch([{"op": "remove", "path": "/a"}, {"op": "replace", "path": "/checksum",
                                                  "value": "x"}])[0] == 403
    status, _h, body = patch([{"op": "remove", "path": "/a"}])
    assert status == 200 and "a" not in body
    # Only the owner (or an admin) changes an image; only an admin publishes one.
    status, _h, body = image_store.request(
        "PATCH", path, [{"op": "replace", "path": "/visibility", "value": "public"}],
        user="alice", project="pa", content_type=PATCH)
    assert status == 403 and "publicize_image" in body["message"]
    status, _h, body = image_store.request(
        "PATCH", path, [{"op": "replace", "path": "/visibility", "value": "public"}],
        content_type=PATCH)
    assert status == 200 and body["visibility"] == "public"
    status, _h, body = image_store.request(
        "PATCH", path, [{"op": "add", "path": "/b", "value": "2"}], user="bob",
        project="pb", content_type=PATCH)
    assert status == 403


def test_upload_download_and_no_partial_files(image_store):  # noqa: F811
    data = b"0123456789" * 10000
    image = _create(image_store, name="u")
    image_id = image["id"]
    # A client that goes away mid-upload leaves the image queued and no file behind.
    _abandoned_upload(image_store, image_id, sent=data[:10], announced=1000)
    assert _wait_for_status(image_store, image_id, "queued")
    assert image_store.data_files() == []
    assert _upload(image_store, image_id, data, user="bob", project="pb")[0] == 404
    no_format = _create(image_store, disk_format=None, container_format=None)
    status, _h, body = _upload(image_store, no_format["id"], data)
    assert status == 400 and "disk_format" in body["message"]
    assert image_store.request("GET", "/v2/images/%s/file" % image_id, user="alice",
                               project="pa")[0] == 204

    assert _upload(image_store, image_id, data)[0] == 204
    status, _h, shown = image_store.request("GET", "/v2/images/%s" % image_id,
                                            user="alice", project="pa")
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    status, headers, body = image_store.request("GET", "/v2/images/%s/file" % image_id,
                                                user="alice", project="pa")
    assert status == 200 and body == data
    assert headers["Content-MD5"] == shown["checksum"]
    status, _h, body = _upload(image_store, image_id, data)
    assert status == 409 and "active" in body["message"]
    assert image_store.data_files() == [image_id]

    # Deactivated: admins only; its data cannot be read by others.
    assert image_store.request("POST", "/v2/images/%s/actions/deactivate" % image_id,
                               user="alice", project="pa")[0] == 403
    assert image_store.request("POST", "/v2/images/%s/actions/deactivate" % image_id)[0] \
        == 204
    assert image_store.request("GET", "/v2/images/%s/file" % image_id, user="alice",
                               project="pa")[0] == 403
    assert image_store.request("POST", "/v2/images/%s/actions/reactivate" % image_id)[0] \
        == 204
    assert image_store.request("GET", "/v2/images/%s/file" % image_id, user="alice",
                               project="pa")[0] == 200

    # Protected images cannot be deleted until unprotected.
    path = "/v2/images/%s" % image_id
    image_store.request("PATCH", path, [{"op": "replace", "path": "/protected",
                                         "value": True}], user="alice", project="pa",
                        content_type=PATCH)
    status, _h, body = image_store.request("DELETE", path, user="alice", project="pa")
    assert status == 403 and "protected" in body["message"]
    image_store.request("PATCH", path, [{"op": "replace", "path": "/protected",
                                         "value": False}], user="alice", project="pa",
                        content_type=PATCH)
    assert image_store.request("DELETE", path, user="alice", project="pa")[0] == 204
    assert image_store.request("GET", path, user="alice", project="pa")[0] == 404
    assert image_store.data_files() == []


def test_oversized_upload_is_refused_without_a_trace(image_store):  # noqa: F811
    image_store.running.store.size_cap = 1000
    image = _create(image_store, name="big")
    status, _h, _b = _upload(image_store, image["id"], b"x" * 5000)
    assert status == 413
    assert image_store.data_files() == []
    assert image_store.request("GET", "/v2/images/%s" % image["id"], user="alice",
                               project="pa")[2]["status"] == "queued"


def test_concurrent_uploads_to_one_image_store_one_file(image_store):  # noqa: F811
    image = _create(image_store, name="race")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda i: _upload(image_store, image["id"],
                                                   bytes([65 + i]) * 200000)[0], range(4)))
    assert sorted(statuses).count(204) == 1
    assert all(s in (204, 409) for s in statuses), statuses
    assert image_store.data_files() == [image["id"]]


def test_list_filters_sorting_and_paging(image_store):  # noqa: F811
    ids = []
    for i in range(7):
        ids.append(_create(image_store, name="img-%d" % i, os_type="linux" if i % 2 else
                           "windows", tags=["t%d" % (i % 3)], min_ram=i * 10)["id"])
    def names(query, user="alice", project="pa"):  # noqa: E306
        status, _h, body = image_store.request("GET", "/v2/images" + query, user=user,
                                               project=project)
        assert status == 200, body
        return [i["name"] for i in body["images"]], body

    assert names("?sort_key=name&sort_dir=asc")[0] == ["img-%d" % i for i in range(7)]
    assert names("?sort=min_ram:desc")[0][0] == "img-6"
    assert names("?os_type=linux&sort_key=name&sort_dir=asc")[0] == ["img-1", "img-3",
                                                                     "img-5"]
    assert names("?tag=t0&sort_key=name&sort_dir=asc")[0] == ["img-0", "img-3", "img-6"]
    assert names("?name=in:img-2,img-4&sort_key=name&sort_dir=asc")[0] == ["img-2", "img-4"]
    assert names("?name=img-1", user="bob", project="pb")[0] == []
    # Paging: follow ``next`` until it is absent; every image once, in order.
    seen, url = [], "?limit=3&sort_key=name&sort_dir=desc"
    while url:
        page, body = names(url)
        assert len(page) <= 3
        seen.extend(page)
        url = body.get("next", "").replace("/v2/images", "") or None
    assert seen == ["img-%d" % i for i in range(6, -1, -1)]
    for bad in ("?limit=-1", "?limit=x", "?sort_key=nope", "?sort_dir=sideways",
                "?marker=%s" % "00000000-0000-0000-0000-000000000000",
                "?visibility=everyone", "?size_min=big"):
        status, _h, body = image_store.request("GET", "/v2/images" + bad)
        assert status == 400, (bad, body)


def test_sharing_through_members(image_store):  # noqa: F811
    image = _create(image_store, name="team", visibility="shared")
    private = _create(image_store, name="mine", visibility="private")
    members = "/v2/images/%s/members" % image["id"]
    assert image_store.request("POST", "/v2/images/%s/members" % private["id"],
                               {"member": "pb"}, user="alice", project="pa")[0] == 403
    status, _h, member = image_store.request("POST", members, {"member": "pb"},
                                             user="alice", project="pa")
    assert status == 200 and member["status"] == "pending"
    assert image_store.request("POST", members, {"member": "pb"}, user="alice",
                               project="pa")[0] == 409

    def bob_names(query=""):
        return [i["name"] for i in image_store.request(
            "GET", "/v2/images" + query, user="bob", project="pb")[2]["images"]]

    # A pending member can read the image but does not list it until accepting.
    assert image_store.request("GET", "/v2/images/%s" % image["id"], user="bob",
                               project="pb")[0] == 200
    assert bob_names() == []
    assert bob_names("?member_status=pending") == ["team"]
    assert image_store.request("PUT", members + "/pb", {"status": "accepted"},
                               user="alice", project="pa")[0] == 403
    status, _h, member = image_store.request("PUT", members + "/pb", {"status": "accepted"},
                                             user="bob", project="pb")
    assert status == 200 and member["status"] == "accepted"
    assert bob_names() == ["team"]
    assert image_store.request("GET", "/v2/images/%s" % private["id"], user="bob",
                               project="pb")[0] == 404
    assert image_store.request("DELETE", members + "/pb", user="alice",
                               project="pa")[0] == 204
    assert bob_names() == []
    assert image_store.request("GET", "/v2/images/%s" % image["id"], user="carol",
                               project="pc")[0] == 404
