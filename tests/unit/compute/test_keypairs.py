"""Key pair generation, fingerprints and storage (nova.compute.keypairs)."""

import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

import nova.conf
from nova.compute import keypairs
from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects

objects.register_all()
CONF = nova.conf.CONF


def _ssh_keygen_md5(tmp_path, public_key):
    path = tmp_path / "key.pub"
    path.write_text(public_key + "\n")
    out = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(path)],
                         capture_output=True, text=True, check=True).stdout
    # "2048 MD5:aa:bb:... comment (RSA)"
    return out.split()[1].split(":", 1)[1]


def _openssl_sha1(tmp_path, pem):
    path = tmp_path / "cert.pem"
    path.write_text(pem)
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha1", "-in",
                          str(path)], capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1].lower()


def test_generated_ssh_key_pair_matches_and_fingerprints_like_ssh_keygen(tmp_path):
    private_pem, public_line, fingerprint = keypairs.generate_ssh_key_pair()
    assert public_line.startswith("ssh-rsa ")
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert private.key_size == 2048
    derived = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH)
    assert public_line.split()[:2] == derived.decode().split()
    assert fingerprint == _ssh_keygen_md5(tmp_path, public_line)
    # Two generations never hand out the same key.
    assert keypairs.generate_ssh_key_pair()[1] != public_line


@pytest.mark.parametrize("make", [
    lambda: ed25519.Ed25519PrivateKey.generate(),
    lambda: ec.generate_private_key(ec.SECP256R1()),
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
])
def test_imported_key_types_fingerprint_like_ssh_keygen(tmp_path, make):
    public = make().public_key().public_bytes(serialization.Encoding.OpenSSH,
                                              serialization.PublicFormat.OpenSSH).decode()
    line = public + " someone@example"
    assert keypairs.ssh_fingerprint(line) == _ssh_keygen_md5(tmp_path, line)
    # Surrounding whitespace (a trailing newline from a file) does not matter.
    assert keypairs.ssh_fingerprint("  " + line + "\n") == keypairs.ssh_fingerprint(line)


@pytest.mark.parametrize("bad", ["", "ssh-rsa", "ssh-rsa AAAA", "not a key at all",
                                 "ssh-rsa !!!notbase64!!!",
                                 "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"])
def test_invalid_ssh_keys_are_refused(bad):
    with pytest.raises(keypairs.InvalidKeypair) as info:
        keypairs.ssh_fingerprint(bad)
    assert info.value.code == 400
    assert "failed to generate fingerprint" in info.value.format_message()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_a_key_or_invalid_never_an_error(text):
    try:
        result = keypairs.ssh_fingerprint(text)
    except keypairs.InvalidKeypair:
        return
    assert result.count(":") == 15


def test_generated_x509_certificate(tmp_path):
    private_pem, cert_pem, fingerprint = keypairs.generate_x509_key_pair("user-42")
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    assert cert.subject == cert.issuer
    cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert cn == "user-42"
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert private.public_key().public_numbers() == cert.public_key().public_numbers()
    assert fingerprint == _openssl_sha1(tmp_path, cert_pem)
    assert keypairs.fingerprint(cert_pem, "x509") == fingerprint
    with pytest.raises(keypairs.InvalidKeypair):
        keypairs.x509_fingerprint("ssh-rsa AAAA")


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


@pytest.fixture
def key_pair_limit():
    def override(value):
        CONF.set_override("key_pairs", value, group="quota")
    yield override
    CONF.clear_override("key_pairs", group="quota")


def test_create_import_list_delete(ctxt):
    keypair, private_key = keypairs.create_key_pair(ctxt, "u1", "gen")
    assert "PRIVATE KEY" in private_key
    assert keypair.fingerprint == keypairs.ssh_fingerprint(keypair.public_key)
    public = keypairs.generate_ssh_key_pair()[1]
    imported = keypairs.import_key_pair(ctxt, "u1", "imp", public)
    assert imported.type == "ssh"
    assert [k.name for k in keypairs.get_key_pairs(ctxt, "u1")] == ["gen", "imp"]
    assert list(keypairs.get_key_pairs(ctxt, "u2")) == []
    with pytest.raises(exception.KeyPairExists):
        keypairs.import_key_pair(ctxt, "u1", "imp", public)
    keypairs.delete_key_pair(ctxt, "u1", "gen")
    with pytest.raises(exception.KeypairNotFound):
        keypairs.get_key_pair(ctxt, "u1", "gen")


def test_quota_is_per_user_and_not_left_over_on_failure(ctxt, key_pair_limit):
    key_pair_limit(2)
    keypairs.create_key_pair(ctxt, "u1", "a")
    keypairs.create_key_pair(ctxt, "u1", "b")
    with pytest.raises(keypairs.KeypairLimitExceeded) as info:
        keypairs.create_key_pair(ctxt, "u1", "c")
    assert info.value.format_message() == "Quota exceeded, too many key pairs."
    assert info.value.code == 403
    assert len(keypairs.get_key_pairs(ctxt, "u1")) == 2
    keypairs.create_key_pair(ctxt, "u2", "a")


def test_recheck_removes_a_key_pair_created_past_the_limit(ctxt, key_pair_limit, monkeypatch):
    """If a racing request fills the quota between check and create, the
    re-count after creating fails and the new key pair is removed again."""
    key_pair_limit(1)
    calls = []
    real = keypairs._check_quota

    def racing_check(context, user_id, delta):
        calls.append(delta)
        if len(calls) == 1:
            real(context, user_id, delta)
            # the racing request lands here
            objects.KeyPair(context, user_id=user_id, name="racer", public_key="x",
                            fingerprint="y", type="ssh").create()
            return
        real(context, user_id, delta)

    monkeypatch.setattr(keypairs, "_check_quota", racing_check)
    public = keypairs.generate_ssh_key_pair()[1]
    with pytest.raises(keypairs.KeypairLimitExceeded):
        keypairs.import_key_pair(ctxt, "u1", "mine", public)
    assert [k.name for k in keypairs.get_key_pairs(ctxt, "u1")] == ["racer"]
