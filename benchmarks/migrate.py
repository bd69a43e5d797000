"""20 concurrent resizes through a distributed deployment (fake computes).

Runs the deployment of tests/integration/boot_cluster.py: nova-api,
nova-conductor, nova-scheduler and two nova-compute (fake driver) as separate
processes over RabbitMQ, MariaDB databases, Placement and the image store in
processes of their own (MariaDB and RabbitMQ on 127.0.0.1, see
tests/realparts.py). Boots ``--servers`` servers, then POSTs a resize of
each at once (one thread per server) and prints the time until every one
shows VERIFY_RESIZE, then confirms them all at once and prints the time
until every one is ACTIVE again, with the Placement usages checked after
each phase (the sum of the flavors; no migration consumer left).

It also counts, per phase and divided by the number of servers, the RPC
messages every daemon sent (the ``nova.rpc.sent`` logger is set to DEBUG in
their configuration: one line per call or cast) and the requests Placement
logged. The counts cover the whole phase, so they include what the services'
periodic tasks sent meanwhile ([DEFAULT] report_interval = 10 here).

    .venv/bin/python benchmarks/migrate.py [--servers 20] [--rounds 1] [--keep]
"""

import argparse
import collections
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.integration import boot_cluster  # noqa: E402
from tests import realparts  # noqa: E402


def _all_at_once(cluster, server_ids, body, expect):
    errors = []

    def post(server_id):
        # One connection per thread: http.client connections are not
        # thread-safe, and sharing the cluster's one made requests collide
        # on the socket (the API then saw bodies cut short and answered 500).
        client = boot_cluster.HTTP(cluster.api.port, cluster.api.headers)
        try:
            status, answer = client.request(
                "POST", "/v2.1/servers/%s/action" % server_id, body,
                headers={"OpenStack-API-Version": "compute 2.1"})
        except Exception as exc:  # noqa: BLE001 - reported below
            status, answer = None, repr(exc)
        finally:
            client.close()
        if status != expect:
            errors.append((server_id, status, answer))

    threads = [threading.Thread(target=post, args=(s,)) for s in server_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError("refused: %s" % errors[:3])


class LogCounter:
    """Counts what the daemons' logs gained since ``mark()``."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.offsets = {}

    def _paths(self):
        return {name: os.path.join(self.cluster.workdir, name + ".log")
                for name in self.cluster.daemons}

    def mark(self):
        self.offsets = {name: os.path.getsize(path) if os.path.exists(path) else 0
                        for name, path in self._paths().items()}

    def count(self):
        """(Counter of 'call|cast topic.method' sent, Placement requests)."""
        rpc = collections.Counter()
        placement = 0
        for name, path in self._paths().items():
            with open(path, errors="replace") as log:
                log.seek(self.offsets.get(name, 0))
                for line in log:
                    if " nova.rpc.sent " in line and "RPC " in line:
                        kind, target = line.split("RPC ", 1)[1].split()[:2]
                        rpc["%s %s" % (kind, target)] += 1
                    elif name == "placement" and " placement.requestlog " in line:
                        placement += 1
        return rpc, placement


def _report(label, counts, count):
    rpc, placement = counts
    total = sum(rpc.values())
    print("  %s: %.1f RPC messages per server (%d calls, %d casts), "
          "%.1f Placement requests per server" % (
              label, total / count, sum(n for k, n in rpc.items() if k.startswith("call")),
              sum(n for k, n in rpc.items() if k.startswith("cast")), placement / count))
    print("    " + ", ".join("%s %d" % item for item in rpc.most_common()))


def _usage_sum(cluster):
    total = {}
    for allocations in cluster.provider_allocations().values():
        for alloc in allocations.values():
            for rc, amount in alloc["resources"].items():
                total[rc] = total.get(rc, 0) + amount
    return total


def one_round(cluster, flavors, image, count, label, counter):
    small, big = flavors
    reservation = cluster.boot(label, small, image, count=count)
    del reservation
    statuses = cluster.wait_for_statuses(label, count, timeout=300)
    server_ids = sorted(statuses)
    counter.mark()
    began = time.monotonic()
    _all_at_once(cluster, server_ids, {"resize": {"flavorRef": big}}, 202)
    cluster.wait_for_statuses(label, count, wanted=("VERIFY_RESIZE",), timeout=300,
                              interval=0.05)
    to_verify = time.monotonic() - began
    resize_counts = counter.count()
    usage = _usage_sum(cluster)
    # Old flavor on the source (the migration) + new flavor on the destination.
    assert usage.get("VCPU") == count * (1 + 2), usage
    counter.mark()
    began = time.monotonic()
    _all_at_once(cluster, server_ids, {"confirmResize": None}, 204)
    cluster.wait_for_statuses(label, count, wanted=("ACTIVE",), timeout=300,
                              interval=0.05)
    deadline = time.monotonic() + 60
    while _usage_sum(cluster).get("VCPU") != count * 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    to_confirmed = time.monotonic() - began
    confirm_counts = counter.count()
    assert _usage_sum(cluster).get("VCPU") == count * 2, _usage_sum(cluster)
    for server_id in server_ids:
        cluster.compute("DELETE", "/servers/%s" % server_id)
    cluster.wait_for_none(label, timeout=300)
    return to_verify, to_confirmed, resize_counts, confirm_counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (the daemons' logs)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="nova-bench-migrate-")
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create()
    from oslo_log import log as logging
    levels = ",".join(logging.get_default_log_levels() + ["nova.rpc.sent=DEBUG"])
    cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url, debug=False,
                                       report_interval=10,
                                       extra={"DEFAULT": {"default_log_levels": levels}})
    try:
        cluster.start(timeout=240)
        flavors = (cluster.create_flavor("bench.one", 1, 64, 1, "m1"),
                   cluster.create_flavor("bench.two", 2, 128, 1, "m2"))
        image = cluster.create_image()
        counter = LogCounter(cluster)
        for index in range(args.rounds):
            to_verify, to_confirmed, resized, confirmed = one_round(
                cluster, flavors, image, args.servers, "mig%d-" % index, counter)
            print("round %d: %d concurrent resizes: all VERIFY_RESIZE after %.2f s, "
                  "all confirmed (ACTIVE, source allocations gone) after %.2f s more"
                  % (index + 1, args.servers, to_verify, to_confirmed))
            _report("resize", resized, args.servers)
            _report("confirm", confirmed, args.servers)
    finally:
        cluster.stop()
        dbs.drop()
        vhost.delete()
        if args.keep:
            print("work directory:", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
