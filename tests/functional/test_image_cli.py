"""The `openstack image` commands against the embedded image store."""

import hashlib

from tests.functional.image_fixture import image_store  # noqa: F401


def test_image_lifecycle_with_the_cli(image_store, tmp_path):  # noqa: F811
    payload = b"\x00\x01 disk bytes " * 4096
    source = tmp_path / "disk.raw"
    source.write_bytes(payload)

    created = image_store.osc("image", "create", "--file", str(source), "--disk-format",
                              "raw", "--container-format", "bare", "--property",
                              "hw_disk_bus=virtio", "--property", "os_distro=cirros",
                              "--private", "cirros-test", user="alice", project="pa")
    image_id = created["id"]
    assert created["name"] == "cirros-test"
    assert created["visibility"] == "private"

    shown = image_store.osc("image", "show", image_id, user="alice", project="pa")
    assert shown["status"] == "active"
    assert shown["size"] == len(payload)
    assert shown["checksum"] == hashlib.md5(payload).hexdigest()
    assert shown["owner"] == "pa"
    assert shown["properties"]["hw_disk_bus"] == "virtio"
    # The CLI shows the multihash among the properties, as it does for Glance.
    assert shown["properties"]["os_hash_algo"] == "sha512"
    assert shown["properties"]["os_hash_value"] == hashlib.sha512(payload).hexdigest()

    listed = image_store.osc("image", "list", "--long", "--property", "os_distro=cirros",
                             user="alice", project="pa")
    assert [i["ID"] for i in listed] == [image_id]
    assert image_store.osc("image", "list", "--property", "os_distro=ubuntu",
                           user="alice", project="pa") == []

    image_store.osc("image", "set", "--property", "hw_disk_bus=scsi", "--property",
                    "extra=1", "--name", "renamed", image_id, user="alice", project="pa",
                    json_output=False)
    shown = image_store.osc("image", "show", image_id, user="alice", project="pa")
    assert shown["name"] == "renamed"
    assert shown["properties"]["hw_disk_bus"] == "scsi"
    assert shown["properties"]["extra"] == "1"

    image_store.osc("image", "unset", "--property", "extra", image_id, user="alice",
                    project="pa", json_output=False)
    shown = image_store.osc("image", "show", image_id, user="alice", project="pa")
    assert "extra" not in shown["properties"]

    saved = tmp_path / "saved.raw"
    image_store.osc("image", "save", "--file", str(saved), image_id, user="alice",
                    project="pa", json_output=False)
    assert saved.read_bytes() == payload

    image_store.osc("image", "delete", image_id, user="alice", project="pa",
                    json_output=False)
    gone = image_store.osc("image", "show", image_id, user="alice", project="pa",
                           check=False, json_output=False)
    assert gone.returncode != 0
    assert "No Image found for %s" % image_id in gone.stderr, gone.stderr
    assert image_store.data_files() == []


def test_private_image_is_invisible_to_another_project(image_store, tmp_path):  # noqa: F811
    source = tmp_path / "a.img"
    source.write_bytes(b"private bytes")
    created = image_store.osc("image", "create", "--file", str(source), "--private",
                              "secret", user="alice", project="pa")
    public = image_store.osc("image", "create", "--public", "shared-base",
                             user="admin", project="admin")

    names_b = {i["Name"] for i in image_store.osc("image", "list", user="bob",
                                                   project="pb")}
    assert "secret" not in names_b
    assert "shared-base" in names_b
    hidden = image_store.osc("image", "show", created["id"], user="bob", project="pb",
                             check=False, json_output=False)
    assert hidden.returncode != 0 and "No Image found" in hidden.stderr, hidden.stderr

    # A non-admin may not publish; bob may not delete alice's image.
    refused = image_store.osc("image", "create", "--public", "mine-public", user="bob",
                              project="pb", check=False, json_output=False)
    assert refused.returncode != 0
    assert "publicize_image" in refused.stderr, refused.stderr
    not_owner = image_store.osc("image", "delete", public["id"], user="bob", project="pb",
                                check=False, json_output=False)
    assert not_owner.returncode != 0
    assert image_store.osc("image", "show", public["id"], user="bob",
                           project="pb")["name"] == "shared-base"
