"""Contract: every call nova makes to the image service, against Glance 33 and our image store.

The calls (nova/image/glance.py, through nova/image/api.py), each exercised
below through nova's image API:

* POST /v2/images                      (create: core attributes + properties as text)
* PUT /v2/images/{id}/file             (upload: snapshots, image create with data)
* GET /v2/images/{id}                  (show; 404 -> ImageNotFound)
* GET /v2/images?...                   (list: filters, properties, visibility,
                                        sort, limit, following ``next``)
* PATCH /v2/images/{id}                (update: add / replace / remove, json-patch 2.1)
* GET /v2/images/{id}/file             (download, verified against os_hash_value)
* DELETE /v2/images/{id}               (delete; protected and missing images)

Each test runs twice: ``real`` (Glance from tools/neighbours.py, file store,
Keystone tokens: a member of "demo" and the cloud admin) and ``store`` (the
embedded store nova.image.store that the all-in-one and the functional tests
use, with noauth2 tokens).
"""

import hashlib
import os
import uuid

import pytest

import nova.conf
from nova import context as nova_context
from nova import exception
from nova.image import api as image_api
from nova.image import store as image_store_pkg

# One worker runs every module of the group, with one ``neighbours`` deployment
# (tests/integration/conftest.py, tests/xdist_order.py); the first test's set-up
# may install the services from PyPI (minutes on a fresh machine).
pytestmark = [pytest.mark.xdist_group("neighbours"), pytest.mark.timeout(900)]

CONF = nova.conf.CONF


class RealGlance:
    name = "real"

    def __init__(self, nb):
        self.nb = nb

    def configure(self):
        CONF.set_override("backend", "glance", group="glance")

    def unconfigure(self):
        CONF.clear_override("backend", group="glance")

    def user(self):
        return self.nb.context("demo")

    def admin(self):
        return self.nb.context("admin")


class EmbeddedStore:
    name = "store"

    def __init__(self, tmp_dir):
        self.overrides = {("image_store", "data_dir"): str(tmp_dir),
                          ("image_store", "port"): 0,
                          ("image_store", "listen"): "127.0.0.1",
                          ("glance", "backend"): "local"}
        self.configure()
        self.running = image_store_pkg.serve()

    def configure(self):
        for (group, name), value in self.overrides.items():
            CONF.set_override(name, value, group=group)

    def unconfigure(self):
        pass

    def stop(self):
        self.running.stop()
        for (group, name) in self.overrides:
            CONF.clear_override(name, group=group)

    @staticmethod
    def _ctx(user, project, admin):
        return nova_context.RequestContext(
            user_id=user, project_id=project, is_admin=admin,
            roles=["admin", "member", "reader"] if admin else ["member", "reader"],
            auth_token="%s:%s" % (user, project))

    def user(self):
        return self._ctx("u1", "p1", False)

    def admin(self):
        return self._ctx("admin", "admin", True)


@pytest.fixture(scope="module", params=["real", "store"])
def side(request, tmp_path_factory):
    if request.param == "real":
        yield RealGlance(request.getfixturevalue("neighbours"))
    else:
        store = EmbeddedStore(tmp_path_factory.mktemp("images"))
        yield store
        store.stop()


@pytest.fixture
def glance(side):
    side.configure()
    made = []
    api = image_api.API()
    try:
        yield side, api, made
    finally:
        for image_id in made:
            try:
                api.update(side.admin(), image_id, {"protected": False}, purge_props=False)
                api.delete(side.admin(), image_id)
            except exception.NovaException:
                pass
        side.unconfigure()


def _meta(name=None, **properties):
    return {"name": name or "img-" + uuid.uuid4().hex[:8], "disk_format": "raw",
            "container_format": "bare", "min_disk": 1, "properties": properties}


def test_create_upload_show_download(glance, tmp_path):
    side, api, made = glance
    ctxt = side.user()
    data = os.urandom(256 * 1024 + 7)
    image = api.create(ctxt, _meta(hw_disk_bus="virtio", os_distro="debian"), data=data)
    made.append(image["id"])
    assert image["status"] == "active"
    assert image["size"] == len(data)
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert image["os_hash_algo"] == "sha512"
    assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image["owner"] == ctxt.project_id
    assert image["visibility"] in ("shared", "private")
    assert image["properties"]["hw_disk_bus"] == "virtio"
    assert image["properties"]["os_distro"] == "debian"
    assert (image["disk_format"], image["container_format"], image["min_disk"]) == (
        "raw", "bare", 1)
    shown = api.get(ctxt, image["id"])
    assert shown["id"] == image["id"] and shown["properties"] == image["properties"]
    meta = api.get_image_meta(ctxt, image["id"])
    assert meta.properties.hw_disk_bus == "virtio"
    assert api.download(ctxt, image["id"]) == data
    target = tmp_path / "disk"
    api.download(ctxt, image["id"], dst_path=str(target))
    assert target.read_bytes() == data
    href = api.generate_image_url(ctxt, image["id"])
    assert href.endswith("/images/" + image["id"])
    assert api.get(ctxt, href)["id"] == image["id"]


def test_missing_image_and_image_without_data(glance):
    side, api, made = glance
    ctxt = side.user()
    with pytest.raises(exception.ImageNotFound):
        api.get(ctxt, str(uuid.uuid4()))
    queued = api.create(ctxt, _meta())
    made.append(queued["id"])
    assert queued["status"] == "queued"
    with pytest.raises(exception.ImageNotActive):
        api.download(ctxt, queued["id"])


def test_update_adds_replaces_and_purges_properties(glance):
    side, api, made = glance
    ctxt = side.user()
    image = api.create(ctxt, _meta(a="1", b="2"))
    made.append(image["id"])
    updated = api.update(ctxt, image["id"], {"name": "renamed", "min_ram": 64,
                                              "properties": {"a": "10", "c": "3"}},
                         purge_props=True)
    assert updated["name"] == "renamed" and updated["min_ram"] == 64
    assert updated["properties"] == {"a": "10", "c": "3"}
    kept = api.update(ctxt, image["id"], {"properties": {"d": "4"}}, purge_props=False)
    assert kept["properties"] == {"a": "10", "c": "3", "d": "4"}
    # A snapshot: the image made first, its data uploaded by an update.
    data = b"snapshot-bytes" * 1000
    active = api.update(ctxt, image["id"], {"properties": {"image_type": "snapshot"}},
                        data=data, purge_props=False)
    assert active["status"] == "active" and active["size"] == len(data)
    assert api.download(ctxt, image["id"]) == data


def test_list_filters_sorts_and_pages(glance):
    side, api, made = glance
    ctxt = side.user()
    tag = uuid.uuid4().hex[:8]
    names = ["list-%s-%d" % (tag, i) for i in range(3)]
    for name in names:
        made.append(api.create(ctxt, _meta(name, contract_tag=tag))["id"])
    found = api.get_all(ctxt, filters={"properties": {"contract_tag": tag}},
                        sort_key="name", sort_dir="asc")
    assert [i["name"] for i in found] == names
    # One image per page: nova follows Glance's "next" links to the end.
    paged = api.get_all(ctxt, filters={"properties": {"contract_tag": tag}},
                        sort_key="name", sort_dir="desc", page_size=1)
    assert [i["name"] for i in paged] == names[::-1]
    assert [i["name"] for i in api.get_all(ctxt, filters={"name": names[1]})] == [names[1]]
    limited = api.get_all(ctxt, filters={"properties": {"contract_tag": tag}}, limit=2,
                          sort_key="name", sort_dir="asc")
    assert [i["name"] for i in limited] == names[:2]
    assert api.get_all(ctxt, filters={"is_public": True,
                                      "properties": {"contract_tag": tag}}) == []


def test_public_images_and_visibility(glance):
    side, api, made = glance
    admin, user = side.admin(), side.user()
    public = api.create(admin, dict(_meta(), visibility="public"), data=b"x" * 512)
    made.append(public["id"])
    private = api.create(admin, dict(_meta(), visibility="private"))
    made.append(private["id"])
    assert api.get(user, public["id"])["is_public"] is True
    with pytest.raises(exception.ImageNotFound):
        api.get(user, private["id"])
    ids = {i["id"] for i in api.get_all(user, filters={"is_public": True})}
    assert public["id"] in ids and private["id"] not in ids


def test_delete_protected_and_missing(glance):
    side, api, made = glance
    ctxt = side.user()
    image = api.create(ctxt, dict(_meta(), protected=True))
    made.append(image["id"])
    with pytest.raises(exception.ImageNotAuthorized):
        api.delete(ctxt, image["id"])
    api.update(ctxt, image["id"], {"protected": False}, purge_props=False)
    assert api.delete(ctxt, image["id"]) is True
    with pytest.raises(exception.ImageNotFound):
        api.get(ctxt, image["id"])
    with pytest.raises(exception.ImageNotFound):
        api.delete(ctxt, image["id"])
