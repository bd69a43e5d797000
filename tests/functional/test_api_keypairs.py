"""os-keypairs through the real WSGI app: the openstack CLI and raw HTTP."""

import pytest

from nova.compute import keypairs as keypair_api
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


@pytest.fixture(scope="module")
def ssh_public_key():
    return keypair_api.generate_ssh_key_pair()[1]


def test_cli_create_list_show_delete(api, tmp_path, ssh_public_key):
    created = api.osc("keypair", "create", "generated", "--private-key",
                      str(tmp_path / "generated.pem"))
    assert created["name"] == "generated"
    # The CLI generates the key itself and imports its public half.
    assert "PRIVATE KEY" in (tmp_path / "generated.pem").read_text()
    assert created["fingerprint"].count(":") == 15

    key_file = tmp_path / "id.pub"
    key_file.write_text(ssh_public_key)
    imported = api.osc("keypair", "create", "imported", "--public-key", str(key_file))
    assert imported["fingerprint"] == keypair_api.ssh_fingerprint(ssh_public_key)

    names = sorted(row["Name"] for row in api.osc("keypair", "list"))
    assert names == ["generated", "imported"]
    shown = api.osc("keypair", "show", "imported")
    assert shown["fingerprint"] == imported["fingerprint"]
    assert shown["user_id"] == "admin"

    api.osc("keypair", "delete", "imported")
    assert [row["Name"] for row in api.osc("keypair", "list")] == ["generated"]
    proc = api.osc("keypair", "show", "imported", check=False)
    assert proc.returncode != 0


def test_generated_key_is_returned_once_and_status_codes_follow_2_2(api):
    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "old"}},
                                   version="2.1", user="alice", project="p1")
    assert status == 200
    keypair = body["keypair"]
    assert "type" not in keypair
    assert keypair["private_key"].startswith("-----BEGIN RSA PRIVATE KEY")
    assert keypair["public_key"].startswith("ssh-rsa ")
    assert keypair["fingerprint"] == keypair_api.ssh_fingerprint(keypair["public_key"])
    assert keypair["user_id"] == "alice"

    status, _h, body = api.request("GET", "/os-keypairs/old", version="2.2", user="alice",
                                   project="p1")
    assert status == 200
    assert "private_key" not in body["keypair"]
    assert body["keypair"]["type"] == "ssh"
    assert body["keypair"]["deleted"] is False

    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "new"}},
                                   version="2.2", user="alice", project="p1")
    assert status == 201
    assert body["keypair"]["type"] == "ssh"

    status, _h, _b = api.request("DELETE", "/os-keypairs/old", version="2.1", user="alice",
                                 project="p1")
    assert status == 202
    status, _h, _b = api.request("DELETE", "/os-keypairs/new", version="2.2", user="alice",
                                 project="p1")
    assert status == 204
    status, _h, body = api.request("DELETE", "/os-keypairs/new", version="2.2", user="alice",
                                   project="p1")
    assert status == 404
    assert "itemNotFound" in body


def test_keypairs_are_private_to_their_user(api):
    api.request("POST", "/os-keypairs", {"keypair": {"name": "mine"}}, user="alice",
                project="p1")
    status, _h, body = api.request("GET", "/os-keypairs", user="bob", project="p1")
    assert status == 200 and body["keypairs"] == []
    status, _h, _b = api.request("GET", "/os-keypairs/mine", user="bob", project="p1")
    assert status == 404
    # A user may not reach another user's key pairs with user_id; an admin may.
    status, _h, body = api.request("GET", "/os-keypairs?user_id=alice", version="2.10",
                                   user="bob", project="p1")
    assert status == 403
    status, _h, body = api.request("GET", "/os-keypairs?user_id=alice", version="2.10")
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["mine"]
    # Before 2.10 the parameter is ignored: admin sees its own (none).
    status, _h, body = api.request("GET", "/os-keypairs?user_id=alice", version="2.9")
    assert body["keypairs"] == []


def test_admin_creates_for_another_user_at_2_10(api, ssh_public_key):
    body = {"keypair": {"name": "forcarol", "public_key": ssh_public_key,
                        "user_id": "carol"}}
    status, _h, resp = api.request("POST", "/os-keypairs", body, version="2.9")
    assert status == 400
    status, _h, resp = api.request("POST", "/os-keypairs", body, version="2.10")
    assert status == 201
    assert resp["keypair"]["user_id"] == "carol"
    status, _h, resp = api.request("GET", "/os-keypairs/forcarol", version="2.2",
                                   user="carol", project="p1")
    assert status == 200
    status, _h, resp = api.request("POST", "/os-keypairs", body, version="2.10",
                                   user="dave", project="p1")
    assert status == 403
    status, _h, resp = api.request("GET", "/os-keypairs/forcarol?user_id=carol",
                                   version="2.10")
    assert status == 200 and resp["keypair"]["user_id"] == "carol"
    assert api.request("DELETE", "/os-keypairs/forcarol?user_id=dave", version="2.10",
                       user="dave", project="p1")[0] == 404
    assert api.request("DELETE", "/os-keypairs/forcarol?user_id=carol", version="2.10",
                       user="dave", project="p1")[0] == 403
    assert api.request("DELETE", "/os-keypairs/forcarol?user_id=carol",
                       version="2.10")[0] == 204
    assert api.request("GET", "/os-keypairs/forcarol", version="2.10", user="carol",
                       project="p1")[0] == 404


def test_x509_generate_and_import(api):
    status, _h, body = api.request("POST", "/os-keypairs",
                                   {"keypair": {"name": "cert", "type": "x509"}},
                                   version="2.2")
    assert status == 201
    keypair = body["keypair"]
    assert keypair["type"] == "x509"
    assert keypair["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    assert keypair["fingerprint"] == keypair_api.x509_fingerprint(keypair["public_key"])
    assert "PRIVATE KEY" in keypair["private_key"]

    status, _h, body = api.request(
        "POST", "/os-keypairs",
        {"keypair": {"name": "cert2", "type": "x509", "public_key": keypair["public_key"]}},
        version="2.2")
    assert status == 201
    assert body["keypair"]["fingerprint"] == keypair["fingerprint"]
    assert "private_key" not in body["keypair"]
    status, _h, body = api.request(
        "POST", "/os-keypairs",
        {"keypair": {"name": "cert3", "type": "x509", "public_key": "not a certificate"}},
        version="2.2")
    assert status == 400
    assert "Keypair data is invalid" in body["badRequest"]["message"]
    # type is unknown before 2.2
    status, _h, body = api.request("POST", "/os-keypairs",
                                   {"keypair": {"name": "c3", "type": "x509"}},
                                   version="2.1")
    assert status == 400


def test_errors_duplicate_invalid_key_and_names(api, ssh_public_key):
    assert api.request("POST", "/os-keypairs", {"keypair": {"name": "dup"}})[0] == 200
    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "dup"}})
    assert status == 409
    assert "already exists" in body["conflictingRequest"]["message"]

    status, _h, body = api.request("POST", "/os-keypairs",
                                   {"keypair": {"name": "bad", "public_key": "ssh-rsa xx"}})
    assert status == 400
    assert "Keypair data is invalid" in body["badRequest"]["message"]

    for bad_name in ("", "a" * 256, "with/slash", "dotted.name"):
        status, _h, body = api.request("POST", "/os-keypairs",
                                       {"keypair": {"name": bad_name}}, version="2.91")
        assert status == 400, bad_name
        assert "badRequest" in body
    status, _h, body = api.request(
        "POST", "/os-keypairs",
        {"keypair": {"name": "me@host.example", "public_key": ssh_public_key}},
        version="2.92")
    assert status == 201
    assert body["keypair"]["name"] == "me@host.example"


def test_2_92_requires_public_key(api):
    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "gen"}},
                                   version="2.92")
    assert status == 400
    assert "public_key" in body["badRequest"]["message"]
    status, _h, _b = api.request("POST", "/os-keypairs", {"keypair": {"name": "gen"}},
                                 version="2.91")
    assert status == 201


def test_pagination_at_2_35(api, ssh_public_key):
    for name in ("kp-c", "kp-a", "kp-b"):
        api.request("POST", "/os-keypairs",
                    {"keypair": {"name": name, "public_key": ssh_public_key}},
                    version="2.10")
    status, _h, body = api.request("GET", "/os-keypairs?limit=2", version="2.35")
    assert status == 200
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["kp-a", "kp-b"]
    next_href = body["keypairs_links"][0]["href"]
    assert body["keypairs_links"][0]["rel"] == "next"
    assert "marker=kp-b" in next_href
    status, _h, body = api.request("GET", next_href, version="2.35")
    assert status == 200
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["kp-c"]
    assert "keypairs_links" not in body
    status, _h, body = api.request("GET", "/os-keypairs?marker=nope", version="2.35")
    assert status == 400
    # limit is not a parameter before 2.35: everything is listed.
    status, _h, body = api.request("GET", "/os-keypairs?limit=1", version="2.34")
    assert len(body["keypairs"]) == 3
    status, _h, body = api.request("GET", "/os-keypairs?foo=1", version="2.75")
    assert status == 400


def test_key_pair_quota(api):
    status, _h, _b = api.request("PUT", "/os-quota-sets/p1",
                                 {"quota_set": {"key_pairs": 1}})
    assert status == 200
    assert api.request("POST", "/os-keypairs", {"keypair": {"name": "one"}},
                       user="alice", project="p1")[0] == 200
    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "two"}},
                                   user="alice", project="p1")
    assert status == 403
    assert body["forbidden"]["message"] == "Quota exceeded, too many key pairs."
    # Another user of the project has their own allowance of one.
    assert api.request("POST", "/os-keypairs", {"keypair": {"name": "two"}},
                       user="bob", project="p1")[0] == 200
