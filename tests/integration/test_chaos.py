"""Nothing stuck, nothing leaked: a storm of boots and deletes through crashes.

A distributed deployment (nova-api with two worker processes, two
nova-conductor, one nova-scheduler, three nova-compute with the fake driver)
on a PRIVATE RabbitMQ node started by this module (tests/private_rabbit.py)
and a PRIVATE MariaDB server (tests/private_mariadb.py). While 20 servers
are booted and then deleted: ``kill -9`` of one conductor, the scheduler, one
compute (each started again a few seconds later) and one API worker (its
parent forks another), a restart of the MariaDB server (down a few seconds:
every daemon's pooled connection is lost), and a restart of the broker,
which stays away until os-services shows the computes down. Afterwards,
within a bounded time, the cloud must have settled: every
server ACTIVE or ERROR with a fault after the boots, all gone after the
deletes; none building or with a task_state; no Placement allocation that
no live instance owns, each ACTIVE one holding exactly its flavor; no orphan
build request, request spec or instance mapping; every service up.

First, on the same deployment, a mixed-version cloud: every nova-compute
recorded as an older service version (the last before shelve), nova-api and the
conductors at ``[upgrade_levels] compute = auto``. They cap the compute RPC
API at what those computes speak: booting and deleting go on; an operation
only the newer computes know (shelve) is refused with 409 before anything
changes.
"""

import concurrent.futures
import json
import time

import pytest

from nova.objects import service as service_obj
from tests.integration import boot_cluster
from tests.integration import chaos_cluster
from tests import private_mariadb
from tests import private_rabbit

# Set-up alone can take minutes on a busy machine; the storm is bounded by its own
# settle timeouts.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

COUNT = 20


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("chaos")
    rabbit = private_rabbit.PrivateRabbit(workdir / "rabbit")
    mariadb = private_mariadb.PrivateMariaDB(workdir / "mariadb")
    dbs = None
    running = None
    try:
        # Both servers start at once (RabbitMQ's boot is mostly waiting).
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for started in [pool.submit(rabbit.start), pool.submit(mariadb.start)]:
                started.result()
        dbs = boot_cluster.ClusterDatabases.create(server=mariadb)
        running = chaos_cluster.ChaosCluster(workdir, dbs, rabbit, mariadb)
        running.start()
        yield running
    finally:
        if running is not None:
            running.stop()
        # The databases go with the private server's data directory.
        mariadb.stop(remove_data=True)
        rabbit.stop()


def test_api_and_conductor_one_version_ahead_of_the_computes(cluster):
    history = service_obj.SERVICE_VERSION_HISTORY

    def rpc(version):
        return tuple(int(part) for part in version.split("."))

    # The computes are recorded as the newest service version that predates
    # shelve (compute RPC 6.8): the API must refuse it, not send it.
    previous = max(i for i, entry in enumerate(history)
                   if rpc(entry["compute_rpc"]) < rpc("6.8"))
    old_rpc = history[previous]["compute_rpc"]
    assert old_rpc != history[-1]["compute_rpc"]
    # The computes run this code; their rows say they are one version older.
    # Nothing has sent a compute RPC message yet, so `auto` reads these rows.
    conn = cluster.dbs.connect(cluster.dbs.cell)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE services SET version = %s WHERE `binary` = 'nova-compute' "
                        "AND deleted = 0", (previous,))
        conn.commit()
    finally:
        conn.close()

    flavor = cluster.create_flavor("mixed", 1, 128, 1, "mixed")
    image = cluster.create_image("mixed")
    cluster.boot("mixed", flavor, image, count=2)
    servers = cluster.wait_for_statuses("mixed", 2, timeout=120)
    server = sorted(servers)[0]
    status, body = cluster.compute("POST", "/servers/%s/action" % server, {"shelve": None})
    assert status == 409, body
    assert "upgrade_levels" in body["conflictingRequest"]["message"], body
    status, body = cluster.compute("GET", "/servers/%s" % server)
    assert body["server"]["status"] == "ACTIVE", body
    assert body["server"]["OS-EXT-STS:task_state"] is None, body
    for server_id in servers:
        status, _body = cluster.compute("DELETE", "/servers/%s" % server_id)
        assert status == 204
    cluster.wait_for_none("mixed", timeout=120)
    deadline = time.monotonic() + 30
    while cluster.allocations() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cluster.allocations() == {}
    # The conductor that built them and the API worker that refused the shelve
    # say why.
    conductor_logs = "".join(d.log() for name, d in cluster.daemons.items()
                             if name.startswith("nova-conductor"))
    assert "capping its RPC API at %s" % old_rpc in conductor_logs
    assert "capping its RPC API at %s" % old_rpc in cluster.daemons["nova-api"].log()


def test_storm_with_crashes_and_a_broker_restart_settles(cluster):
    faults = chaos_cluster.default_faults(cluster)
    result = chaos_cluster.run_storm(cluster, COUNT, faults=faults, settle_timeout=300)
    report = json.dumps({k: v for k, v in result.items()}, indent=1, default=str)

    # Every fault ran, the broker restart being one of them.
    assert not result["errors"], report
    assert [name for name, _at, _took in result["faults"]] == [f[1] for f in faults], report
    assert cluster.computes_seen_down, report

    # Bounded time: both phases settled.
    assert result["times"]["boots_settled"] is not None, report + cluster.logs()
    assert result["times"]["deletes_settled"] is not None, report + cluster.logs()
    assert result["servers_posted"] == COUNT, report

    # After the boots: only ACTIVE, or ERROR with a fault; nothing half-done.
    boot = result["boot"]
    assert set(boot["live"]) <= {"active", "error"}, report
    assert sum(boot["live"].values()) == COUNT, report
    assert boot["counts"] == {name: 0 for name in boot["counts"]}, report
    # After the deletes: nothing left, nothing leaked.
    deleted = result["delete"]
    assert deleted["live"] == {}, report
    assert deleted["counts"] == {name: 0 for name in deleted["counts"]}, report
    assert cluster.allocations() == {}, report
    # Every service is up again (the computes were seen down meanwhile).
    assert result["services_down"] == [], report
    assert all(d.alive() for d in cluster.daemons.values()), report
