"""openstacksdk and nova's own image API against the embedded image store."""

import hashlib
import io

import pytest

from nova import exception
from nova.image import api as image_api
from tests.functional.image_fixture import image_store  # noqa: F401


def test_openstacksdk_image_calls(image_store, tmp_path):  # noqa: F811
    conn = image_store.sdk(user="alice", project="pa")
    data = b"sdk image data " * 1000
    image = conn.image.create_image(name="sdk-img", data=data, disk_format="qcow2",
                                    container_format="bare", allow_duplicates=True,
                                    properties={"hw_machine_type": "q35", "site": "lab"})
    fetched = conn.image.get_image(image.id)
    assert fetched.status == "active"
    assert fetched.size == len(data)
    assert fetched.hash_algo == "sha512"
    assert fetched.hash_value == hashlib.sha512(data).hexdigest()
    assert fetched.hw_machine_type == "q35"
    assert fetched.properties["site"] == "lab"

    conn.image.update_image(image.id, name="sdk-renamed", min_disk=2)
    conn.image.add_tag(image.id, "golden")
    fetched = conn.image.get_image(image.id)
    assert (fetched.name, fetched.min_disk, fetched.tags) == ("sdk-renamed", 2, ["golden"])

    target = tmp_path / "dl"
    conn.image.download_image(image.id, output=str(target))
    assert target.read_bytes() == data

    for i in range(5):
        conn.image.create_image(name="page-%d" % i, allow_duplicates=True)
    # The proxy pages with ``next`` links: a page size of 2 still yields every image.
    names = sorted(i.name for i in conn.image.images(limit=2))
    assert names == ["page-%d" % i for i in range(5)] + ["sdk-renamed"]
    assert [i.name for i in conn.image.images(tag="golden")] == ["sdk-renamed"]

    other = image_store.sdk(user="bob", project="pb")
    assert list(other.image.images()) == []
    conn.image.delete_image(image.id)
    assert conn.image.find_image(image.id) is None


def test_nova_image_api(image_store, tmp_path):  # noqa: F811
    api = image_api.API()
    alice = image_store.context("alice", "pa")
    bob = image_store.context("bob", "pb")
    data = b"QFI\xfb" + b"\x00" * 20 + (1 << 30).to_bytes(8, "big") + b"\x00" * 4000

    created = api.create(alice, {"name": "nova-img", "disk_format": "qcow2",
                                 "container_format": "bare", "visibility": "private",
                                 "min_ram": 128,
                                 "properties": {"hw_disk_bus": "scsi",
                                                "img_config_drive": "mandatory",
                                                "block_device_mapping": [{"boot_index": 0}]}},
                         data=data)
    image_id = created["id"]
    assert created["status"] == "active"
    assert created["size"] == len(data)
    assert created["virtual_size"] == 1 << 30
    assert created["properties"]["hw_disk_bus"] == "scsi"
    assert created["properties"]["block_device_mapping"] == [{"boot_index": 0}]
    assert created["created_at"].tzinfo is None

    href = image_store.root + "/v2/images/" + image_id
    assert api.get(alice, href)["name"] == "nova-img"
    meta = api.get_image_meta(alice, image_id)
    assert meta.min_ram == 128 and meta.disk_format == "qcow2"
    assert meta.properties.hw_disk_bus == "scsi"

    found = api.get_all(alice, filters={"properties": {"hw_disk_bus": "scsi"}})
    assert [i["id"] for i in found] == [image_id]
    assert api.get_all(bob) == []
    with pytest.raises(exception.ImageNotFound):
        api.get(bob, image_id)

    updated = api.update(alice, image_id, {"name": "nova-img-2",
                                           "properties": {"hw_disk_bus": "virtio"}})
    assert updated["name"] == "nova-img-2"
    assert updated["properties"] == {"hw_disk_bus": "virtio"}
    kept = api.update(alice, image_id, {"properties": {"os_type": "linux"}},
                      purge_props=False)
    assert kept["properties"] == {"hw_disk_bus": "virtio", "os_type": "linux"}

    dst = tmp_path / "disk.qcow2"
    api.download(alice, image_id, dst_path=str(dst))
    assert dst.read_bytes() == data
    buffer = io.BytesIO()
    api.download(alice, image_id, data=buffer)
    assert buffer.getvalue() == data
    assert api.download(alice, image_id) == data

    # An iterator of chunks goes up with chunked transfer encoding (no length known).
    chunks = [b"a" * 70000, b"b" * 3, b"c" * 100000]
    streamed = api.create(alice, {"name": "chunked", "disk_format": "raw",
                                  "container_format": "bare"}, data=iter(chunks))
    assert streamed["size"] == 170003
    assert streamed["checksum"] == hashlib.md5(b"".join(chunks)).hexdigest()

    queued = api.create(alice, {"name": "empty"})
    with pytest.raises(exception.ImageNotActive):
        api.download(alice, queued["id"], dst_path=str(tmp_path / "nothing"))
    assert not (tmp_path / "nothing").exists()

    public = api.create(image_store.context(), {"name": "pub", "visibility": "public"})
    with pytest.raises(exception.ImageNotAuthorized):
        api.delete(bob, public["id"])
    with pytest.raises(exception.ImageBadRequest):
        api.create(alice, {"name": "bad", "disk_format": "floppy"})
    with pytest.raises(exception.ImageNotFound):
        api.get(alice, "00000000-0000-0000-0000-000000000000")

    api.update(alice, image_id, {"protected": True}, purge_props=False)
    with pytest.raises(exception.ImageNotAuthorized):
        api.delete(alice, image_id)
    api.update(alice, image_id, {"protected": False}, purge_props=False)
    assert api.delete(alice, image_id) is True
    with pytest.raises(exception.ImageNotFound):
        api.delete(alice, image_id)


def test_download_detects_corrupted_data(image_store, tmp_path):  # noqa: F811
    api = image_api.API()
    alice = image_store.context("alice", "pa")
    image = api.create(alice, {"name": "c", "disk_format": "raw",
                               "container_format": "bare"}, data=b"good data")
    # Damage the stored file behind the store's back.
    with open(image_store.running.store.data.path(image["id"]), "wb") as f:
        f.write(b"evil data")
    dst = tmp_path / "out.raw"
    with pytest.raises(exception.ImageDownloadFailed):
        api.download(alice, image["id"], dst_path=str(dst))
    assert not dst.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out.raw")] == []


def test_unreachable_image_service(tmp_path, monkeypatch):
    import socket
    import nova.conf
    conf = nova.conf.CONF
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf.set_override("endpoint_override", "http://127.0.0.1:%d" % port, group="glance")
    conf.set_override("num_retries", 0, group="glance")
    try:
        with pytest.raises(exception.GlanceConnectionFailed):
            image_api.API().get(None, "00000000-0000-0000-0000-000000000000")
    finally:
        conf.clear_override("endpoint_override", group="glance")
        conf.clear_override("num_retries", group="glance")
