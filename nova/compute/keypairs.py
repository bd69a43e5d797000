"""Key pairs: generating, importing and fingerprinting users' keys.

Two kinds exist. An ``ssh`` key pair holds an OpenSSH public key whose
fingerprint is the colon-separated MD5 of the decoded key blob. An ``x509``
key pair holds a PEM certificate whose fingerprint is the colon-separated
SHA-1 of its DER form. Generated private keys are handed back once and never
stored.
"""

import base64
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.objects import keypair as keypair_obj

LOG = logging.getLogger(__name__)

KEY_TYPES = (keypair_obj.KEYPAIR_TYPE_SSH, keypair_obj.KEYPAIR_TYPE_X509)
RSA_BITS = 2048
CERT_VALID_DAYS = 3650


class InvalidKeypair(exception.Invalid):
    msg_fmt = "Keypair data is invalid: %(reason)s"


class KeypairLimitExceeded(exception.Forbidden):
    msg_fmt = "Quota exceeded, too many key pairs."


def _colons(digest):
    return ":".join("%02x" % byte for byte in digest)


def ssh_fingerprint(public_key):
    """The MD5 fingerprint ("aa:bb:...") of an OpenSSH public key line."""
    try:
        key = serialization.load_ssh_public_key(public_key.strip().encode("utf-8"))
        line = key.public_bytes(serialization.Encoding.OpenSSH,
                                serialization.PublicFormat.OpenSSH)
        blob = base64.b64decode(line.split()[1])
    except (ValueError, TypeError, IndexError, UnicodeError) as exc:
        LOG.debug("Public key is not a usable OpenSSH key: %s", exc)
        raise InvalidKeypair(reason="failed to generate fingerprint")
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm too
        LOG.debug("Public key cannot be loaded: %s", exc)
        raise InvalidKeypair(reason="failed to generate fingerprint")
    return _colons(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(pem_certificate):
    """The SHA-1 fingerprint ("aa:bb:...") of a PEM X.509 certificate."""
    try:
        cert = x509.load_pem_x509_certificate(pem_certificate.strip().encode("utf-8"))
    except (ValueError, TypeError, UnicodeError) as exc:
        LOG.debug("Public key is not a PEM certificate: %s", exc)
        raise InvalidKeypair(reason="failed to generate X509 fingerprint")
    return _colons(cert.fingerprint(hashes.SHA1()))


def fingerprint(public_key, key_type=keypair_obj.KEYPAIR_TYPE_SSH):
    if key_type == keypair_obj.KEYPAIR_TYPE_X509:
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def _new_rsa_key(bits=RSA_BITS):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode("ascii")


def generate_ssh_key_pair(bits=RSA_BITS):
    """``(private_key_pem, public_key_line, fingerprint)`` of a new RSA key."""
    key = _new_rsa_key(bits)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH)
    public_line = public.decode("ascii") + " Generated-by-Nova"
    return _private_pem(key), public_line, ssh_fingerprint(public_line)


def generate_x509_key_pair(user_id, bits=RSA_BITS):
    """``(private_key_pem, certificate_pem, fingerprint)``: a self-signed client
    certificate whose subject common name is ``user_id``."""
    key = _new_rsa_key(bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(user_id))])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_VALID_DAYS))
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return _private_pem(key), pem, x509_fingerprint(pem)


def _check_quota(context, user_id, delta):
    try:
        objects.Quotas.check_deltas(context, {"key_pairs": delta}, user_id,
                                    check_user_id=user_id)
    except exception.OverQuota:
        raise KeypairLimitExceeded()


def _store(context, user_id, name, public_key, key_type, fingerprint_value):
    _check_quota(context, user_id, 1)
    keypair = objects.KeyPair(context, user_id=user_id, name=name, type=key_type,
                              public_key=public_key, fingerprint=fingerprint_value)
    keypair.create()
    try:
        # Another request may have created one at the same time: count again.
        _check_quota(context, user_id, 0)
    except KeypairLimitExceeded:
        keypair.destroy()
        raise
    return keypair


def import_key_pair(context, user_id, name, public_key,
                    key_type=keypair_obj.KEYPAIR_TYPE_SSH):
    """Store a given public key (or certificate); returns the KeyPair."""
    return _store(context, user_id, name, public_key, key_type,
                  fingerprint(public_key, key_type))


def create_key_pair(context, user_id, name, key_type=keypair_obj.KEYPAIR_TYPE_SSH):
    """Generate and store a key pair; returns ``(KeyPair, private_key_pem)``."""
    _check_quota(context, user_id, 1)
    if key_type == keypair_obj.KEYPAIR_TYPE_X509:
        private_key, public_key, fp = generate_x509_key_pair(user_id)
    else:
        private_key, public_key, fp = generate_ssh_key_pair()
    return _store(context, user_id, name, public_key, key_type, fp), private_key


def get_key_pairs(context, user_id, limit=None, marker=None):
    return objects.KeyPairList.get_by_user(context, user_id, limit=limit, marker=marker)


def get_key_pair(context, user_id, name):
    return objects.KeyPair.get_by_name(context, user_id, name)


def delete_key_pair(context, user_id, name):
    objects.KeyPair.destroy_by_name(context, user_id, name)
