"""Tokens are reused: boots through Neutron, Glance and Placement against a real Keystone.

A Keystone of its own (tests/integration/keystone_fixture.py) sits behind a
counting proxy (tests/integration/keystone_counting.py) that the service
catalog and every ``auth_url`` point at, so each token issued and each token
validated is seen. The whole control plane runs in this process
(tests/functional/stack_fixture.py) with:

* nova-api behind keystonemiddleware (``[api] auth_strategy = keystone``);
* the Neutron stand-in, the image store (Glance) and the real Placement,
  each behind keystonemiddleware as a deployed service is: they validate the
  user's token and nova's service token with Keystone;
* ``[neutron]``, ``[glance]`` and ``[placement]`` with nova's password
  credentials and ``[service_user] send_service_user_token = true``.

Servers are booted and deleted by a member of project A. Every
token nova holds (its Neutron admin, Placement, service-user and auth_token
credentials) is obtained once; a second round of boots asks Keystone nothing
at all: no token issued, none validated.
"""

import concurrent.futures
import contextlib
import shutil
import subprocess
import sys
import time

from keystoneauth1 import loading as ks_loading
import pytest

import nova.conf
from nova.api.openstack.compute import server_create
from nova.image import store as image_store
from nova.scheduler.client import embedded
from nova import service_auth
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture
from tests import ksa_conf
from tests.integration import keystone_counting
from tests.integration import keystone_fixture

CONF = nova.conf.CONF
ROUND = 5  # servers booted and deleted per round


def _password_opts(group, ks_v3, user):
    CONF.register_opts(ks_loading.get_auth_plugin_conf_options("password"), group=group)
    return {(group, "auth_type"): "password", (group, "auth_url"): ks_v3,
            (group, "username"): user["name"], (group, "password"): user["password"],
            (group, "user_domain_id"): "default", (group, "project_name"): user["project"],
            (group, "project_domain_id"): "default"}


class Stack:
    def __init__(self, cloud, keystone, counter, neutron, network, flavor, image):
        self.cloud, self.keystone, self.counter = cloud, keystone, counter
        self.neutron, self.network, self.flavor, self.image = neutron, network, flavor, image
        self.token = keystone.token("member-a")[0]

    def request(self, method, path, body=None, token=None):
        return self.cloud.request(method, path, body, user=None,
                                  headers={"X-Auth-Token": token or self.token})

    def boot_and_delete(self, count):
        def boot(i):
            status, _h, body = self.request("POST", "/servers", {"server": {
                "name": "s%d" % i, "flavorRef": self.flavor, "imageRef": self.image,
                "networks": [{"uuid": self.network["id"]}]}})
            assert status == 202, body
            return body["server"]["id"]

        # One after the other: the embedded Placement's SQLite database answers
        # "database is locked" to claims that race (a limit of this test bed).
        ids = []
        for i in range(count):
            ids.append(boot(i))
            self.wait(ids[-1], lambda s, b: s == 200 and b["server"]["status"] == "ACTIVE")
        status, _h, listing = self.request("GET", "/servers/detail")
        assert status == 200 and len(listing["servers"]) == count, listing
        for server in listing["servers"]:
            assert list(server["addresses"]) == ["private"], server
        for server_id in ids:
            status, _h, body = self.request("DELETE", "/servers/%s" % server_id)
            assert status == 204, body
            self.wait(server_id, lambda s, b: s == 404)
        assert not self.neutron.ports, "ports left behind: %s" % list(self.neutron.ports)

    def wait(self, server_id, done, timeout=60):
        last = {}

        def check():
            status, _h, body = self.request("GET", "/servers/%s" % server_id)
            last["answer"] = (status, body)
            if status == 200 and body["server"]["status"] == "ERROR":
                raise AssertionError("server %s in ERROR: %s" % (server_id, body))
            return done(status, body)

        try:
            inprocess.wait_for(check, timeout=timeout, what="server %s" % server_id)
        except AssertionError:
            raise AssertionError("server %s: last answer %s" % (server_id, last.get("answer")))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("service-tokens")
    ks = keystone_fixture.start_keystone()
    counter = keystone_counting.KeystoneCounter(ks.url)
    proxy_url, stop_proxy = neutron_standin.serve(counter)
    proxy_v3 = proxy_url + "/v3"
    stops = [ks.stop, lambda: shutil.rmtree(ks.workdir, ignore_errors=True), stop_proxy]
    try:
        # Everyone finds Keystone through the counter.
        for endpoint in ks._admin("GET", "/endpoints")["endpoints"]:
            ks._admin("PATCH", "/endpoints/%s" % endpoint["id"],
                      {"endpoint": {"url": proxy_v3}})
        nova_user = ks.users["nova"]
        standin = neutron_standin.NeutronStandIn()
        neutron_url, stop_neutron = neutron_standin.serve(standin)
        stops.append(stop_neutron)
        placement_at = {}
        gates = {
            "neutron": keystone_counting.KeystoneGate(lambda: neutron_url, proxy_v3, nova_user),
            "glance": keystone_counting.KeystoneGate(image_store.running_endpoint, proxy_v3,
                                                     nova_user),
            "placement": keystone_counting.KeystoneGate(
                lambda: placement_at["url"], proxy_v3, nova_user,
                to_token=lambda environ: "admin"),
        }
        gate_urls = {}
        for name, gate in gates.items():
            gate_urls[name], stop_gate = neutron_standin.serve(gate)
            stops.append(stop_gate)

        from keystonemiddleware import auth_token  # noqa: F401 (registers its options)
        overrides = {("neutron", "backend"): "neutron",
                     ("neutron", "endpoint_override"): gate_urls["neutron"],
                     ("neutron", "http_retries"): 0,
                     ("glance", "endpoint_override"): gate_urls["glance"],
                     ("service_user", "send_service_user_token"): True,
                     ("keystone_authtoken", "www_authenticate_uri"): proxy_v3,
                     ("keystone_authtoken", "interface"): "public"}
        for group in ("neutron", "glance", "placement", "service_user", "keystone_authtoken"):
            overrides.update(_password_opts(group, proxy_v3, nova_user))
        for (group, name), value in overrides.items():
            CONF.set_override(name, value, group=group)
        stops.append(lambda: [CONF.clear_override(n, group=g) for (g, n) in overrides])
        stops.append(lambda: ksa_conf.release_required_plugin_opts(
            CONF, {g for (g, _n) in overrides}))
        service_auth.reset()
        stops.append(service_auth.reset)

        def configure_client(service, conf=CONF):
            # Placement is reached through its gate, with nova's credentials.
            placement_at["url"] = service.endpoint
            conf.set_override("endpoint_override", gate_urls["placement"], group="placement")
            conf.set_override("auth_type", "password", group="placement")

        with contextlib.ExitStack() as exits:
            mp = exits.enter_context(pytest.MonkeyPatch.context())
            mp.setattr(embedded.EmbeddedPlacement, "configure_client", configure_client)
            mp.setattr(server_create.COMPUTE, "_network_api", None, raising=False)
            cloud, cloud_stops = stack_fixture.start_cloud(
                tmp_path, mp, api_overrides={("api", "auth_strategy"): "keystone"})
            try:
                admin_token = ks.token("admin")[0]
                status, _h, flavor = cloud.request(
                    "POST", "/flavors", {"flavor": {"name": "tiny", "vcpus": 1, "ram": 64,
                                                    "disk": 1}},
                    user=None, headers={"X-Auth-Token": admin_token})
                assert status == 200, flavor
                network = standin.add_network("private", ks.projects["project-a"],
                                              cidr="10.9.0.0/24")
                standin.add_security_group(ks.projects["project-a"], "default")
                image = cloud.create_image()
                result = Stack(cloud, ks, counter, standin, network, flavor["flavor"]["id"],
                               image)
                result.keystone_v3, result.nova_user = proxy_v3, nova_user
                yield result
            finally:
                stack_fixture.stop_all(cloud_stops)
    finally:
        stack_fixture.stop_all(stops)


def test_second_round_of_boots_asks_keystone_nothing(stack):
    start = time.monotonic()
    stack.boot_and_delete(ROUND)
    first = time.monotonic() - start
    issued, validated = stack.counter.snapshot()
    # One token per credentials plugin nova holds, whatever the number of servers:
    # [neutron] admin, [placement], [service_user], [keystone_authtoken] (all the
    # user "nova" here), plus the three services' own auth_token users and the
    # user's own token and the admin's (asked by the test).
    nova_tokens = stack.counter.issued.count("nova")
    assert nova_tokens <= 7, stack.counter.issued
    assert issued <= nova_tokens + 2, stack.counter.issued

    stack.boot_and_delete(ROUND)
    assert stack.counter.snapshot() == (issued, validated), (
        "a second round issued %d and validated %d more tokens"
        % (len(stack.counter.issued) - issued, len(stack.counter.validated) - validated))
    print("round 1: %.1fs, tokens issued %d (nova %d), validations %d"
          % (first, issued, nova_tokens, validated))


def test_validations_are_cached_by_the_api(stack):
    """A new user token is validated once by nova-api, however many requests carry it
    at once (keystonemiddleware's cache shared by the process's threads)."""
    token = stack.keystone.token("member-a")[0]
    _issued, before = stack.counter.snapshot()
    status, _h, _b = stack.request("GET", "/flavors", token=token)
    assert status == 200
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _i: stack.request("GET", "/flavors", token=token)[0],
                                 range(24)))
    assert statuses == [200] * 24
    assert stack.counter.validated[before:] == [token]


_TOKEN_OF_A_DAEMON = """
import logging
import sys
logging.basicConfig(level=logging.WARNING)
import nova.conf
from nova import service_auth, token_share
CONF = nova.conf.CONF
CONF(["--config-file", sys.argv[1]], project="nova")
token_share.share_tokens()
print(service_auth.conf_auth("neutron").get_token(service_auth.session("neutron")))
"""


def test_daemons_of_a_host_share_one_service_token(stack, tmp_path):
    """Three processes with the same credentials and [DEFAULT] shared_token_path:
    Keystone issues one token, and the services would validate only that one."""
    user = stack.nova_user
    conf = tmp_path / "nova.conf"
    lines = ["[DEFAULT]", "shared_token_path = %s" % (tmp_path / "tokens")]
    for group in ("neutron", "placement", "service_user"):
        lines += ["[%s]" % group, "auth_type = password", "auth_url = " + stack.keystone_v3,
                  "username = " + user["name"], "password = " + user["password"],
                  "user_domain_id = default", "project_domain_id = default",
                  "project_name = " + user["project"]]
    conf.write_text("\n".join(lines) + "\n")
    issued_before = stack.counter.issued.count("nova")
    runs = [subprocess.run([sys.executable, "-c", _TOKEN_OF_A_DAEMON, str(conf)],
                           check=True, capture_output=True, text=True, timeout=120)
            for _i in range(3)]
    tokens = [run.stdout.split()[-1] for run in runs]
    assert len(set(tokens)) == 1, [run.stderr[-2000:] for run in runs]
    assert stack.counter.issued.count("nova") == issued_before + 1, stack.counter.issued
    files = list((tmp_path / "tokens").iterdir())
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
