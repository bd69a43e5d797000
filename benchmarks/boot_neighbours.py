"""``benchmarks/boot.py --neighbours real``: concurrent boots beside the real services.

Keystone 30, Glance 33, Neutron 29 (agent-less ML2) and Placement 16 from
tools/neighbours.py; nova-api, conductor, scheduler and two nova-compute (fake
driver) as separate processes over RabbitMQ and MariaDB (boot_cluster with
``neighbours=``). For each size N: N threads each POST one server on the
``private`` network at once (a Neutron port, a Glance image, HTTP Placement),
then the figures:

* POST phase: from the first POST until every POST was answered;
* all ACTIVE: from the first POST until every server shows ACTIVE;
* GET /servers/detail with those servers (security groups from Neutron):
  median and p90 of ``--requests`` calls;
* delete all: N concurrent DELETEs until no server is listed and Neutron has
  no port of theirs left;
* Keystone's work meanwhile: tokens issued (``POST /v3/auth/tokens``) and
  validated (``GET /v3/auth/tokens``), counted in its gunicorn access log,
  whoever asked (nova's daemons, Neutron, Glance, Placement).
"""

import collections
import concurrent.futures
import os
import shutil
import statistics
import tempfile
import time

from tests.integration import boot_cluster
from tests.integration import neighbours_fixture
from tests.integration import nova_procs
from tests import realparts


def _percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


def _client(cluster):
    """A fresh keep-alive client of nova-api per thread, with the admin's token."""
    return boot_cluster.HTTP(cluster.ports["api"], dict(cluster.api.headers))


def _post(cluster, name, flavor, image, network):
    client = _client(cluster)
    try:
        status, body = client.request("POST", "/v2.1/servers", {"server": {
            "name": name, "flavorRef": flavor, "imageRef": image,
            "networks": [{"uuid": network}]}})
    finally:
        client.close()
    assert status == 202, body
    return body["server"]["id"]


def _delete(cluster, server_id):
    client = _client(cluster)
    try:
        status, body = client.request("DELETE", "/v2.1/servers/%s" % server_id)
    finally:
        client.close()
    assert status == 204, body


def _ports_left(nb, server_ids):
    status, _h, body = nb.request("admin", "GET", nb.urls["network"] + "/v2.0/ports")
    assert status == 200, body
    wanted = set(server_ids)
    return [p for p in body["ports"] if p["device_id"] in wanted]


def keystone_calls(nb):
    """(tokens issued, tokens validated) so far, from Keystone's access log."""
    log = os.path.join(os.path.dirname(nb.data["logs"]["keystone"]), "gunicorn.log")
    issued = validated = 0
    agents = collections.Counter()
    with open(log, errors="replace") as f:
        for line in f:
            if '"POST /v3/auth/tokens' in line:
                issued += 1
                agents["issue " + line.rstrip().rsplit('"', 2)[-2][:60]] += 1
            elif '"GET /v3/auth/tokens' in line:
                validated += 1
                agents["validate " + line.rstrip().rsplit('"', 2)[-2][:60]] += 1
    if os.environ.get("NOVA_BENCH_KEYSTONE_AGENTS"):
        print("    Keystone calls so far by user agent: %s" % dict(agents))
    return issued, validated


def run_size(cluster, nb, flavor, image, network, size, requests):
    prefix = "nb%d-" % size
    issued_before, validated_before = keystone_calls(nb)
    pool = concurrent.futures.ThreadPoolExecutor(size)
    try:
        began = time.monotonic()
        futures = [pool.submit(_post, cluster, "%s%d" % (prefix, i), flavor, image, network)
                   for i in range(size)]
        ids = [f.result() for f in futures]
        posted = time.monotonic() - began
        cluster.wait_for_statuses(prefix, size, timeout=900, interval=0.5)
        active = time.monotonic() - began
        latencies = []
        for i in range(requests + 2):
            mark = time.perf_counter()
            status, body = cluster.compute("GET", "/servers/detail?name=%%5E%s" % prefix)
            elapsed = time.perf_counter() - mark
            assert status == 200 and len(body["servers"]) == size, status
            assert all(s.get("security_groups") == [{"name": "default"}]
                       for s in body["servers"])
            if i >= 2:
                latencies.append(elapsed * 1000)
        began = time.monotonic()
        list(pool.map(lambda sid: _delete(cluster, sid), ids))
        cluster.wait_for_none(prefix, timeout=900, interval=0.5)
        nova_procs.wait_for(lambda: not _ports_left(nb, ids), timeout=300, interval=0.5,
                            what="the ports of the deleted servers gone")
        deleted = time.monotonic() - began
    finally:
        pool.shutdown(wait=False)
    issued, validated = keystone_calls(nb)
    return {"posted": posted, "active": active, "median": statistics.median(latencies),
            "p90": _percentile(latencies, 0.9), "deleted": deleted,
            "issued": issued - issued_before, "validated": validated - validated_before}


def main(args):
    sizes = [int(s) for s in args.sizes.split(",")]
    api_port = nova_procs.free_port()
    began = time.monotonic()
    nb, stop_nb = neighbours_fixture.start_neighbours("http://127.0.0.1:%d/v2.1" % api_port)
    workdir = tempfile.mkdtemp(prefix="nova-bench-neighbours-")
    vhost = dbs = cluster = None
    try:
        vhost = realparts.RabbitVhost()
        dbs = boot_cluster.ClusterDatabases.create(driver=args.db_driver)
        cluster = boot_cluster.BootCluster(
            workdir, dbs, vhost.url, debug=False, report_interval=10,
            api_workers=args.api_workers, service_workers=args.service_workers,
            neighbours=nb, api_port=api_port)
        cluster.start()
        print("neighbours and nova up in %.1f s (neighbours: %s)" % (
            time.monotonic() - began,
            ", ".join("%s %.1fs" % kv for kv in nb.data["timings"].items())))
        flavor = cluster.create_flavor("bench.tiny", 1, 64, 1, "b1")
        image = cluster.create_image()
        network = nb.networks["private"]["id"]
        run_size(cluster, nb, flavor, image, network, 1, 3)   # warm-up
        for size in sizes:
            r = run_size(cluster, nb, flavor, image, network, size, args.requests)
            print("%4d concurrent boots: POST phase %.2f s, all ACTIVE %.2f s, "
                  "GET /servers/detail median %.1f ms p90 %.1f ms, delete all %.2f s; "
                  "Keystone: %d tokens issued, %d validated"
                  % (size, r["posted"], r["active"], r["median"], r["p90"], r["deleted"],
                     r["issued"], r["validated"]))
    finally:
        if cluster is not None:
            cluster.stop()
        if dbs is not None:
            dbs.drop()
        if vhost is not None:
            vhost.delete()
        stop_nb()
        if args.keep:
            print("work directory:", workdir, nb.workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
