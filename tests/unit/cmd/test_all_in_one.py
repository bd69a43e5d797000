"""nova-all's helpers: the clouds.yaml merge, the seed disk, the identity stand-in."""

import json
import os
import stat

import webob
import yaml

from nova.cmd import all_identity
from nova.cmd import all_seed


def test_clouds_yaml_is_created_private_and_merged_without_losing_entries(tmp_path):
    path = tmp_path / "cfg" / "clouds.yaml"
    entry = all_seed.cloud_entry("http://127.0.0.1:1/v2.1", "http://127.0.0.1:2",
                                 "http://127.0.0.1:3", "http://127.0.0.1:4/v3")
    written = all_seed.write_clouds_yaml(str(path), "one", entry)
    assert written == str(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o640)
    doc = yaml.safe_load(path.read_text())
    doc["clouds"]["other"] = {"auth_type": "password"}
    doc["secure"] = "kept"
    path.write_text(yaml.safe_dump(doc))

    changed = dict(entry, compute_endpoint_override="http://127.0.0.1:9/v2.1")
    all_seed.write_clouds_yaml(str(path), "one", changed)
    doc = yaml.safe_load(path.read_text())
    assert doc["secure"] == "kept"
    assert doc["clouds"]["other"] == {"auth_type": "password"}
    assert doc["clouds"]["one"]["compute_endpoint_override"] == "http://127.0.0.1:9/v2.1"
    assert doc["clouds"]["one"]["auth"] == {"endpoint": "http://127.0.0.1:1/v2.1",
                                            "token": "admin:admin"}
    assert doc["clouds"]["one"]["identity_endpoint_override"] == "http://127.0.0.1:4/v3"
    # The mode the user chose is kept; no temporary file is left behind.
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(os.listdir(path.parent)) == ["clouds.yaml"]


def test_clouds_yaml_that_is_not_a_mapping_is_left_alone(tmp_path):
    path = tmp_path / "clouds.yaml"
    path.write_text("- just\n- a list\n")
    try:
        all_seed.write_clouds_yaml(str(path), "one", {"auth_type": "none"})
    except ValueError as exc:
        assert str(path) in str(exc)
    else:
        raise AssertionError("a list was overwritten")
    assert path.read_text() == "- just\n- a list\n"


def test_seed_disk_has_a_boot_signature_and_one_partition():
    disk = all_seed.boot_disk()
    assert len(disk) == all_seed.IMAGE_SIZE
    assert disk[510:512] == b"\x55\xaa"
    assert disk[446] == 0x80 and disk[450] == 0x83  # bootable, Linux
    assert int.from_bytes(disk[454:458], "little") == 2048


def _get(path):
    resp = webob.Request.blank(path, base_url="http://127.0.0.1:5000").get_response(
        all_identity.application)
    return resp.status_int, json.loads(resp.body)


def test_identity_standin_describes_v3_and_knows_every_project_by_id():
    status, body = _get("/v3")
    assert status == 200 and body["version"]["id"].startswith("v3.")
    assert body["version"]["links"][0]["href"] == "http://127.0.0.1:5000/v3/"
    status, body = _get("/")
    assert status == 300 and body["versions"]["values"][0]["status"] == "stable"
    status, body = _get("/v3/projects/demo")
    assert status == 200 and body["project"]["id"] == body["project"]["name"] == "demo"
    status, body = _get("/v3/users/alice")
    assert status == 200 and body["user"]["name"] == "alice"


def test_identity_standin_refuses_everything_else():
    for path in ("/v3/auth/tokens", "/v3/projects", "/v3/roles/x", "/v2.0"):
        status, body = _get(path)
        assert status == 403, path
        assert body["error"]["code"] == 403
    req = webob.Request.blank("/v3/projects/demo", method="DELETE")
    assert req.get_response(all_identity.application).status_int == 403
