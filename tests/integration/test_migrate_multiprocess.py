"""Moving servers between separate daemons: resize (confirm and revert), cold
and live migration, and evacuation after a compute is killed.

One deployment for the module (tests/integration/boot_cluster.py, fake
driver): nova-api, nova-conductor, nova-scheduler, two nova-compute,
Placement and the image store, each its own process, over RabbitMQ and
MariaDB. After every move the Placement usages of each compute node equal
the sum of the flavors of the servers the API shows on it, and no consumer
other than a server (a migration record) holds an allocation.
"""

import json
import os
import time

import pytest

from tests import osc_session
from tests.integration import boot_cluster
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

SMALL = {"VCPU": 1, "MEMORY_MB": 128, "DISK_GB": 1}
BIG = {"VCPU": 2, "MEMORY_MB": 256, "DISK_GB": 1}
MID = {"VCPU": 1, "MEMORY_MB": 192, "DISK_GB": 1}


class Deployment:
    def __init__(self, cluster, workdir):
        self.cluster = cluster
        self.workdir = workdir
        self.flavors = {}
        for name, res, flavor_id in (("small", SMALL, "m-small"), ("big", BIG, "m-big"),
                                     ("mid", MID, "m-mid")):
            self.flavors[name] = cluster.create_flavor(
                "mig." + name, res["VCPU"], res["MEMORY_MB"], res["DISK_GB"], flavor_id)
        self.image = cluster.create_image()

    # -- the openstack CLI (noauth2: the token names user and project) -----------------

    def osc(self, *args, version="2.53"):
        api = "http://127.0.0.1:%d" % self.cluster.ports["api"]
        clouds = {"clouds": {"mig": {
            "auth_type": "admin_token",
            "auth": {"endpoint": api + "/v2.1", "token": "admin:admin"},
            "compute_endpoint_override": api + "/v2.1",
            "identity_endpoint_override": api + "/identity/v3",
            "region_name": "RegionOne", "identity_api_version": "3"}}}
        path = os.path.join(self.workdir, "clouds.yaml")
        with open(path, "w") as out:
            json.dump(clouds, out)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = path
        # Through this test process's one CLI process (tests/osc_session.py).
        proc = osc_session.run(["--os-cloud", "mig", "--os-compute-api-version", version,
                                *args], env=env, cwd=os.getcwd(), timeout=120)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout

    # -- servers ---------------------------------------------------------------------

    def show(self, server_id):
        status, body = self.cluster.compute("GET", "/servers/%s" % server_id,
                                            version="2.47")
        assert status == 200, body
        return body["server"]

    def settle(self, server_id, wanted, timeout=60):
        def check():
            server = self.show(server_id)
            if server["status"] == "ERROR":
                raise AssertionError("%s went to ERROR: %s\n%s" % (
                    server_id, server.get("fault"), self.cluster.logs()))
            if server["status"] == wanted and server["OS-EXT-STS:task_state"] is None:
                return server
            return None
        return nova_procs.wait_for(check, timeout=timeout, interval=0.05,
                                   what="%s %s" % (server_id, wanted),
                                   daemons=list(self.cluster.daemons.values()))

    def act(self, server_id, body, wanted, version="2.1", expect=202):
        status, answer = self.cluster.compute("POST", "/servers/%s/action" % server_id,
                                              body, version=version)
        assert status == expect, answer
        return self.settle(server_id, wanted)

    def boot(self, name, host):
        status, body = self.cluster.compute("POST", "/servers", {"server": {
            "name": name, "flavorRef": self.flavors["small"], "imageRef": self.image,
            "availability_zone": "nova:" + host}})
        assert status == 202, body
        return self.settle(body["server"]["id"], "ACTIVE")

    def migrations(self, server_id):
        status, body = self.cluster.compute(
            "GET", "/os-migrations?instance_uuid=%s" % server_id, version="2.59")
        assert status == 200, body
        return body["migrations"]

    # -- Placement ---------------------------------------------------------------------

    def provider_view(self):
        """({host: {rc: used}}, {host: set of consumers}) of the compute nodes."""
        usages, consumers = {}, {}
        for rp in self.cluster.providers():
            status, body = self.cluster.placement.request(
                "GET", "/resource_providers/%s/usages" % rp["uuid"])
            assert status == 200, body
            usages[rp["name"]] = {rc: n for rc, n in body["usages"].items() if n}
            consumers[rp["name"]] = set(self.cluster.provider_allocations()[rp["name"]])
        return usages, consumers

    def flavor_sums(self):
        """{host: {rc: sum of the flavors}} and {host: server ids} as the API shows them."""
        status, body = self.cluster.compute("GET", "/servers/detail?all_tenants=1",
                                            version="2.47")
        assert status == 200, body
        sums, servers = {}, {}
        for server in body["servers"]:
            host = server["OS-EXT-SRV-ATTR:host"]
            flavor = server["flavor"]
            usage = sums.setdefault(host, {})
            for rc, n in (("VCPU", flavor["vcpus"]), ("MEMORY_MB", flavor["ram"]),
                          ("DISK_GB", flavor["disk"] + flavor["ephemeral"])):
                if n:
                    usage[rc] = usage.get(rc, 0) + n
            servers.setdefault(host, set()).add(server["id"])
        return sums, servers

    def _consistency(self):
        usages, consumers = self.provider_view()
        sums, servers = self.flavor_sums()
        usages = {h: u for h, u in usages.items() if u}
        consumers = {h: c for h, c in consumers.items() if c}
        if usages == sums and consumers == servers:
            return None
        return usages, sums, consumers, servers

    def assert_consistent(self, timeout=20):
        """Usages equal the flavors on each host, and only servers are consumers.

        A server shows its final state a moment before its compute has
        dropped the source allocation (upstream's order too: the destination
        finishes, then the source cleans up), so this waits up to ``timeout`` s
        for Placement to settle.
        """
        deadline = time.monotonic() + timeout
        while True:
            wrong = self._consistency()
            if wrong is None:
                return
            if time.monotonic() > deadline:
                raise AssertionError("Placement (usages, flavor sums, consumers, "
                                     "servers): %s" % (wrong,))
            time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    from tests import realparts
    vhost = realparts.RabbitVhost()
    workdir = tmp_path_factory.mktemp("migrate-cluster")
    dbs = boot_cluster.ClusterDatabases.create()
    cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url)
    try:
        cluster.start(timeout=240)  # room for a loaded machine
        yield Deployment(cluster, str(workdir))
    finally:
        cluster.stop()
        dbs.drop()
        vhost.delete()


def _host(server):
    return server["OS-EXT-SRV-ATTR:host"]


def test_resize_confirm_and_revert(deployment):
    d = deployment
    server = d.boot("resized", "compute1")
    server_id = server["id"]
    d.assert_consistent()

    # resize + confirm: the source allocation is the migration's until confirmed.
    server = d.act(server_id, {"resize": {"flavorRef": d.flavors["big"]}}, "VERIFY_RESIZE")
    assert _host(server) == "compute2" and server["flavor"]["vcpus"] == 2
    [migration] = d.migrations(server_id)
    assert migration["status"] == "finished" and migration["migration_type"] == "resize"
    usages, consumers = d.provider_view()
    assert usages["compute1"] == SMALL and usages["compute2"] == BIG
    assert consumers["compute1"] == {migration["uuid"]}
    assert consumers["compute2"] == {server_id}
    server = d.act(server_id, {"confirmResize": None}, "ACTIVE", expect=204)
    assert _host(server) == "compute2"
    d.assert_consistent()
    assert d.migrations(server_id)[0]["status"] == "confirmed"

    # resize + revert: back on compute2 with the big flavor.
    server = d.act(server_id, {"resize": {"flavorRef": d.flavors["mid"]}}, "VERIFY_RESIZE")
    assert _host(server) == "compute1" and server["flavor"]["ram"] == 192
    server = d.act(server_id, {"revertResize": None}, "ACTIVE")
    assert _host(server) == "compute2" and server["flavor"]["ram"] == 256
    d.assert_consistent()
    statuses = sorted(m["status"] for m in d.migrations(server_id))
    assert statuses == ["confirmed", "reverted"]
    assert d.cluster.compute("DELETE", "/servers/%s" % server_id)[0] == 204
    nova_procs.wait_for(lambda: d.cluster.compute("GET", "/servers/%s" % server_id)[0]
                        == 404, timeout=60, interval=0.1, what="server gone")
    d.assert_consistent()


def test_cold_and_live_migration(deployment):
    d = deployment
    server_id = d.boot("migrated", "compute1")["id"]
    server = d.act(server_id, {"migrate": None}, "VERIFY_RESIZE")
    assert _host(server) == "compute2" and server["flavor"]["vcpus"] == 1
    [migration] = d.migrations(server_id)
    assert migration["migration_type"] == "migration"
    # Confirmed through the CLI.
    d.osc("server", "migrate", "confirm", server_id)
    server = d.settle(server_id, "ACTIVE")
    assert _host(server) == "compute2"
    d.assert_consistent()

    server = d.act(server_id, {"os-migrateLive": {"host": None, "block_migration": "auto"}},
                   "ACTIVE", version="2.25")
    assert _host(server) == "compute1"

    def live_statuses():
        return [m["status"] for m in d.migrations(server_id)
                if m["migration_type"] == "live-migration"]

    # As upstream's, the source marks the migration completed after the
    # destination made the server ACTIVE there: a moment later under load.
    nova_procs.wait_for(lambda: live_statuses() != ["running"], timeout=30, interval=0.1,
                        what="the live migration finished")
    assert live_statuses() == ["completed"]
    d.assert_consistent()
    assert d.cluster.compute("DELETE", "/servers/%s" % server_id)[0] == 204
    nova_procs.wait_for(lambda: d.cluster.compute("GET", "/servers/%s" % server_id)[0]
                        == 404, timeout=60, interval=0.1, what="server gone")
    d.assert_consistent()


def test_evacuate_after_kill_and_cleanup_when_the_source_returns(deployment):
    d = deployment
    cluster = d.cluster
    stays = d.boot("stays", "compute1")["id"]
    server_id = d.boot("evacuee", "compute2")["id"]
    d.assert_consistent()
    # Refused while compute2 is up.
    status, body = cluster.compute("POST", "/servers/%s/action" % server_id,
                                   {"evacuate": {}}, version="2.29")
    assert status == 400, body

    source = cluster.daemons.pop("nova-compute-compute2")
    source.proc.kill()  # kill -9
    source.proc.wait()
    source.kill()
    d.osc("compute", "service", "set", "--down", "compute2", "nova-compute")
    status, body = cluster.compute("GET", "/os-services?host=compute2&binary=nova-compute",
                                   version="2.53")
    assert body["services"][0]["forced_down"] is True
    assert body["services"][0]["state"] == "down"

    server = d.act(server_id, {"evacuate": {}}, "ACTIVE", version="2.29", expect=200)
    assert _host(server) == "compute1"
    [migration] = d.migrations(server_id)
    assert migration["migration_type"] == "evacuation" and migration["status"] == "done"
    # The source allocation stays until compute2 comes back.
    usages, consumers = d.provider_view()
    assert consumers["compute2"] == {server_id}
    assert consumers["compute1"] == {server_id, stays}
    assert usages["compute2"] == SMALL

    d.osc("compute", "service", "set", "--up", "compute2", "nova-compute")
    cluster._script("nova-compute", "compute2", database=False)
    back = cluster.daemons["nova-compute-compute2"]
    nova_procs.wait_for(
        lambda: d.migrations(server_id)[0]["status"] == "completed", timeout=90,
        interval=0.2, what="the evacuation completed by the returning source",
        daemons=[back])
    assert "Cleaned up evacuated instance %s on compute2" % server_id in back.log()
    d.assert_consistent()
    usages, consumers = d.provider_view()
    assert not consumers.get("compute2") and not usages.get("compute2")
    status, body = cluster.compute("GET", "/os-services?host=compute2&binary=nova-compute",
                                   version="2.53")
    assert body["services"][0]["forced_down"] is False
    for gone in (server_id, stays):
        assert cluster.compute("DELETE", "/servers/%s" % gone)[0] == 204
    nova_procs.wait_for(lambda: not d.flavor_sums()[1], timeout=60, interval=0.1,
                        what="servers gone")
    d.assert_consistent()
    codes = cluster.stop()
    assert codes == {name: 0 for name in codes}, cluster.logs()
