"""nova-api behind a real Keystone: tokens, and the policy defaults per persona.

Keystone (tests/integration/keystone_fixture.py) holds projects A and B, a
member of each, a reader of A, the bootstrap admin and a service user "nova".
nova-api runs as its own process (the console script) with
``[api] auth_strategy = keystone``; keystonemiddleware validates every token
against that Keystone.
"""

import os
import socket
import sys
import time

import pytest

from tests.integration import nova_procs
from tests import manage_runner
from tests.integration.keystone_fixture import http
from tests.integration.keystone_fixture import keystone  # noqa: F401  (fixture)

VENV_BIN = os.path.dirname(sys.executable)
PASTE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "etc", "nova",
                                     "api-paste.ini"))


def _ssh_public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


class NovaAPI:
    def __init__(self, endpoint, daemon, ks):
        self.endpoint = endpoint
        self.daemon = daemon
        self.keystone = ks
        self._tokens = {}

    @property
    def max_version(self):
        root = self.endpoint.rsplit("/", 1)[0] + "/"
        status, _, body = http("GET", root)
        assert status in (200, 300), body
        return {v["id"]: v for v in body["versions"]}["v2.1"]["version"]

    def supports(self, version):
        def parse(text):
            return tuple(int(part) for part in text.split("."))
        return parse(version) <= parse(self.max_version)

    def token(self, user):
        if user not in self._tokens:
            self._tokens[user] = self.keystone.token(user)[0]
        return self._tokens[user]

    def request(self, method, path, body=None, user=None, token=None, version=None):
        """(status, headers, body) of one call as ``user`` (a Keystone user name)."""
        if user is not None:
            token = self.token(user)
        headers = {}
        if version:
            headers = {"OpenStack-API-Version": "compute %s" % version,
                       "X-OpenStack-Nova-API-Version": version}
        return http(method, self.endpoint + path, body, token=token, headers=headers)


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def nova_api(keystone, tmp_path_factory):  # noqa: F811
    tmp = tmp_path_factory.mktemp("nova-api-keystone")
    port = nova_procs.free_port()
    nova = keystone.users["nova"]
    sections = {
        "DEFAULT": {
            "host": "api-keystone",
            "transport_url": "fake:/",
            "state_path": str(tmp / "state"),
            "enabled_apis": "osapi_compute",
            "osapi_compute_listen": "127.0.0.1",
            "osapi_compute_listen_port": port,
            "log_file": str(tmp / "nova-api.log"),
            "debug": "true",
        },
        "database": {"connection": "sqlite:///%s" % (tmp / "cell1.sqlite")},
        "api_database": {"connection": "sqlite:///%s" % (tmp / "api.sqlite")},
        "api": {"auth_strategy": "keystone"},
        "wsgi": {"api_paste_config": PASTE},
        "oslo_policy": {"policy_file": str(tmp / "policy.yaml")},
        "keystone_authtoken": {
            "www_authenticate_uri": keystone.v3,
            "auth_url": keystone.v3,
            "auth_type": "password",
            "username": nova["name"],
            "password": nova["password"],
            "user_domain_id": "default",
            "project_name": nova["project"],
            "project_domain_id": "default",
            "region_name": "RegionOne",
        },
    }
    conf = nova_procs.write_config(str(tmp / "nova.conf"), sections)
    start = time.monotonic()
    # Both set-up commands in one nova-manage process.
    manage_runner.run_steps(conf, [("api_db", "sync"),
                                   ("cell_v2", "simple_cell_setup", "--transport-url",
                                    "fake:/")], timeout=180)
    daemon = nova_procs.Daemon("nova-api", conf)
    try:
        nova_procs.wait_for(lambda: _listening(port), timeout=60, what="nova-api listening",
                            daemons=[daemon])
        sys.stderr.write("\nnova-api with keystone auth ready in %.1fs\n"
                         % (time.monotonic() - start))
        yield NovaAPI("http://127.0.0.1:%d/v2.1" % port, daemon, keystone)
    finally:
        daemon.terminate(timeout=10)
        daemon.kill()


def test_keystone_token_is_accepted(nova_api):
    status, _, body = nova_api.request("GET", "/flavors", user="member-a")
    assert status == 200, body
    assert isinstance(body["flavors"], list)


def test_bad_or_missing_token_is_refused_with_keystone_challenge(nova_api):
    for token in ("not-a-token", None):
        status, headers, _ = nova_api.request("GET", "/flavors", token=token)
        assert status == 401
        # keystonemiddleware names where to get a token.
        assert nova_api.keystone.v3 in headers.get("WWW-Authenticate", "")


def test_version_documents_answer_without_a_token(nova_api):
    """Clients read the version documents before they have a token."""
    root = nova_api.endpoint.rsplit("/", 1)[0]
    for url in (root + "/", nova_api.endpoint, nova_api.endpoint + "/"):
        status, _, body = http("GET", url)
        assert status == 200, (url, body)
    assert body["version"]["id"] == "v2.1"
    status, _, body = http("GET", root + "/v2/")
    assert status == 200 and body["version"]["id"] == "v2.0"
    # One step below them a token is needed again.
    for path in ("/servers", "/flavors/", "/admin/flavors"):
        assert nova_api.request("GET", path, token=None)[0] == 401


def test_a_revoked_token_is_refused(nova_api):
    """Tokens are checked with Keystone, not merely decoded."""
    ks = nova_api.keystone
    token, _ = ks.token("member-b")
    status, _, _ = http("DELETE", ks.v3 + "/auth/tokens", token=ks.admin_token(),
                        headers={"X-Subject-Token": token})
    assert status == 204
    assert nova_api.request("GET", "/flavors", token=token)[0] == 401


@pytest.fixture
def keypair_of_b(nova_api):
    body = {"keypair": {"name": "kp-of-b", "public_key": _ssh_public_key()}}
    status, _, created = nova_api.request("POST", "/os-keypairs", body, user="member-b")
    assert status in (200, 201), created
    yield nova_api.keystone.users["member-b"]["id"]
    nova_api.request("DELETE", "/os-keypairs/kp-of-b", user="member-b")


def test_keypairs_belong_to_their_user(nova_api, keypair_of_b):
    # User A does not see B's key pair, by name or in the list.
    status, _, err = nova_api.request("GET", "/os-keypairs/kp-of-b", user="member-a")
    assert status == 404, err
    status, _, listing = nova_api.request("GET", "/os-keypairs", user="member-a")
    assert status == 200
    assert "kp-of-b" not in [k["keypair"]["name"] for k in listing["keypairs"]]
    # The owner does.
    status, _, shown = nova_api.request("GET", "/os-keypairs/kp-of-b", user="member-b")
    assert status == 200 and shown["keypair"]["name"] == "kp-of-b"


def test_naming_another_user_is_refused_by_policy(nova_api, keypair_of_b):
    """With 2.10 a caller may name the user (user_id=); only an admin passes."""
    if not nova_api.supports("2.10"):
        pytest.skip("resource keypairs user_id (microversion 2.10) not implemented yet: "
                    "the API's maximum microversion is %s" % nova_api.max_version)
    user_b = keypair_of_b
    status, _, body = nova_api.request(
        "GET", "/os-keypairs/kp-of-b?user_id=%s" % user_b, user="member-a", version="2.10")
    assert status == 403, body
    assert body["forbidden"]["code"] == 403
    status, _, _ = nova_api.request(
        "GET", "/os-keypairs?user_id=%s" % user_b, user="member-a", version="2.10")
    assert status == 403
    status, _, shown = nova_api.request(
        "GET", "/os-keypairs/kp-of-b?user_id=%s" % user_b, user="admin", version="2.10")
    assert status == 200 and shown["keypair"]["user_id"] == user_b


def test_a_reader_may_keep_own_keypairs(nova_api):
    """Upstream's key pair rules check the owner only, not the role."""
    body = {"keypair": {"name": "kp-of-reader", "public_key": _ssh_public_key()}}
    status, _, created = nova_api.request("POST", "/os-keypairs", body, user="reader-a")
    assert status in (200, 201), created
    status, _, _ = nova_api.request("DELETE", "/os-keypairs/kp-of-reader", user="reader-a")
    assert status in (202, 204)


def test_server_groups_are_per_project(nova_api):
    body = {"server_group": {"name": "group-of-b", "policies": ["anti-affinity"]}}
    status, _, created = nova_api.request("POST", "/os-server-groups", body, user="member-b")
    assert status == 200, created
    group_id = created["server_group"]["id"]
    try:
        # Upstream finds the group, then refuses by policy (its project is B).
        status, _, err = nova_api.request("GET", "/os-server-groups/%s" % group_id,
                                          user="member-a")
        assert status == 403, err
        status, _, listing = nova_api.request("GET", "/os-server-groups", user="member-a")
        assert status == 200
        assert group_id not in [g["id"] for g in listing["server_groups"]]
        status, _, err = nova_api.request("DELETE", "/os-server-groups/%s" % group_id,
                                          user="member-a")
        assert status == 403, err
        status, _, shown = nova_api.request("GET", "/os-server-groups/%s" % group_id,
                                            user="member-b")
        assert status == 200 and shown["server_group"]["name"] == "group-of-b"
    finally:
        nova_api.request("DELETE", "/os-server-groups/%s" % group_id, user="member-b")


def test_a_reader_cannot_create_server_groups(nova_api):
    body = {"server_group": {"name": "nope", "policies": ["affinity"]}}
    status, _, err = nova_api.request("POST", "/os-server-groups", body, user="reader-a")
    assert status == 403, err
    assert err["forbidden"]["code"] == 403
    # ... but may list those of the project.
    status, _, _ = nova_api.request("GET", "/os-server-groups", user="reader-a")
    assert status == 200


def test_admin_only_apis_follow_the_keystone_admin_role(nova_api):
    status, _, err = nova_api.request("GET", "/os-services", user="member-a")
    assert status == 403, err
    status, _, body = nova_api.request("GET", "/os-services", user="admin")
    assert status == 200, body
    # nova-api registered its own service record, but os-services lists RPC
    # services only, as upstream does.
    assert "nova-osapi_compute" not in [s["binary"] for s in body["services"]]
    flavor = {"flavor": {"name": "ks-test", "ram": 64, "vcpus": 1, "disk": 0}}
    status, _, _ = nova_api.request("POST", "/flavors", flavor, user="member-a")
    assert status == 403


def test_quotas_and_limits_of_another_project_need_admin(nova_api):
    ks = nova_api.keystone
    project_a, project_b = ks.projects["project-a"], ks.projects["project-b"]
    # A reader of A may read A's quotas, with the project id Keystone issued.
    status, _, body = nova_api.request("GET", "/os-quota-sets/%s" % project_a, user="reader-a")
    assert status == 200, body
    assert body["quota_set"]["id"] == project_a
    # Not B's, and neither may a member of A.
    for user in ("reader-a", "member-a"):
        status, _, err = nova_api.request("GET", "/os-quota-sets/%s" % project_b, user=user)
        assert status == 403, err
    status, _, _ = nova_api.request("GET", "/limits?tenant_id=%s" % project_b, user="member-a")
    assert status == 403
    # Changing quotas is for admins only, even in one's own project.
    change = {"quota_set": {"key_pairs": 7}}
    status, _, _ = nova_api.request("PUT", "/os-quota-sets/%s" % project_a, change,
                                    user="member-a")
    assert status == 403
    status, _, body = nova_api.request("PUT", "/os-quota-sets/%s" % project_b, change,
                                       user="admin")
    assert status == 200, body
    status, _, body = nova_api.request("GET", "/limits?tenant_id=%s" % project_b, user="admin")
    assert status == 200, body
    assert body["limits"]["absolute"]["maxTotalKeypairs"] == 7
