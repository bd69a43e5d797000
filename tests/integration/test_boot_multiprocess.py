"""Boot and delete 20 servers through a distributed deployment.

nova-api, nova-conductor, nova-scheduler and two nova-compute (fake driver)
run as separate processes over RabbitMQ, with the API, cell0, cell1 and
Placement databases on MariaDB (reached through mysqlclient, the C driver;
the other MariaDB tests use PyMySQL), Placement and the image store served by
processes of their own (tests/integration/boot_cluster.py).
"""

import pytest

from tests.integration import boot_cluster

pytestmark = pytest.mark.integration

COUNT = 20
FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


@pytest.fixture
def cluster(tmp_path, rabbit_vhost):
    dbs = boot_cluster.ClusterDatabases.create()
    running = boot_cluster.BootCluster(tmp_path, dbs, rabbit_vhost.url)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        dbs.drop()


def test_boot_twenty_servers_and_delete_them(cluster):
    flavor = cluster.create_flavor("m1.tiny", FLAVOR["VCPU"], FLAVOR["MEMORY_MB"],
                                   FLAVOR["DISK_GB"], "1")
    image = cluster.create_image()
    assert cluster.usages() == {}

    # Two requests: one for 15 servers at once (min_count), then five single ones.
    cluster.boot("web", flavor, image, count=15)
    for _ in range(COUNT - 15):
        cluster.boot("web", flavor, image)
    servers = cluster.wait_for_statuses("web", COUNT, timeout=90)
    assert len(servers) == COUNT

    status, body = cluster.compute("GET", "/servers/detail")
    assert status == 200
    hosts = {s["OS-EXT-SRV-ATTR:host"] for s in body["servers"]}
    assert hosts <= {"compute1", "compute2"} and hosts
    assert all(s["addresses"]["private"][0]["addr"].startswith("10.0.0.")
               for s in body["servers"])
    assert len({s["addresses"]["private"][0]["addr"] for s in body["servers"]}) == COUNT

    # Placement holds exactly the flavors' sum, each server on its own host's provider.
    assert cluster.usages() == {rc: COUNT * amount for rc, amount in FLAVOR.items()}
    allocations = cluster.provider_allocations()
    for server in body["servers"]:
        held = allocations[server["OS-EXT-SRV-ATTR:hypervisor_hostname"]][server["id"]]
        assert held["resources"] == FLAVOR
    assert sum(len(a) for a in allocations.values()) == COUNT
    assert cluster.dbs.count(cluster.dbs.cell, "SELECT COUNT(*) FROM instances "
                                               "WHERE deleted = 0") == COUNT

    for server_id in servers:
        status, _b = cluster.compute("DELETE", "/servers/%s" % server_id)
        assert status == 204
    cluster.wait_for_none("web", timeout=60)

    # Nothing is left: no usage, no allocation, no live instance row in any cell.
    boot_cluster.nova_procs.wait_for(lambda: cluster.usages() == {
        rc: 0 for rc in FLAVOR} or cluster.usages() == {}, timeout=30,
        what="usages back to zero")
    assert all(not a for a in cluster.provider_allocations().values())
    for db in (cluster.dbs.cell, cluster.dbs.cell0):
        assert cluster.dbs.count(db, "SELECT COUNT(*) FROM instances "
                                     "WHERE deleted = 0") == 0
    assert cluster.dbs.count(cluster.dbs.api, "SELECT COUNT(*) FROM build_requests") == 0

    codes = cluster.stop()
    assert codes == {name: 0 for name in codes}, cluster.logs()
