"""Time for a storm of boots and deletes to settle, with and without crashes.

Starts a private RabbitMQ node (tests/private_rabbit.py: its own node name,
ports and directories; the machine's shared broker is not touched), a private
MariaDB server (tests/private_mariadb.py, likewise) and the deployment of
tests/integration/chaos_cluster.py:
nova-api with 2 worker processes, 2 nova-conductor, 1 nova-scheduler and 3
nova-compute (fake driver) as separate processes. Then ``--count`` servers
are booted (single POSTs from ``--threads`` clients) and, once they settled,
deleted. Unless ``--no-faults``: from the first POST, one fault every
``--spacing`` seconds: kill -9 of one conductor, of the scheduler and of one
compute (each started again ``--down-for`` seconds later), kill -9 of one
nova-api worker, a restart of the MariaDB server (down ``--down-for``
seconds), and a restart of the broker (away until os-services shows the
computes down).

Prints the time to settle of each phase and the counts that must be 0:
servers building or with a task_state, ERROR without a fault, Placement
allocations no live instance or migration owns, ACTIVE servers whose
allocation differs from their flavor, orphan build requests, request specs
and instance mappings; and the services not up at the end.

    .venv/bin/python benchmarks/chaos.py [--count 100] [--no-faults]
                                         [--threads 4] [--json]
"""

import argparse
import json
import pathlib
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests import private_mariadb  # noqa: E402
from tests import private_rabbit  # noqa: E402
from tests.integration import boot_cluster  # noqa: E402
from tests.integration import chaos_cluster  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--spacing", type=float, default=2.0)
    parser.add_argument("--down-for", type=float, default=3.0)
    parser.add_argument("--settle-timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="nova-chaos-"))
    rabbit = private_rabbit.PrivateRabbit(workdir / "rabbit")
    mariadb = private_mariadb.PrivateMariaDB(workdir / "mariadb")
    cluster = None
    began = time.monotonic()
    try:
        rabbit.start()
        mariadb.start()
        dbs = boot_cluster.ClusterDatabases.create(server=mariadb)
        cluster = chaos_cluster.ChaosCluster(workdir, dbs, rabbit, mariadb, debug=False)
        cluster.start()  # stopped below even when it fails half-way
        print("deployment up in %.0f s (broker %.1f s, MariaDB %.1f s)" % (
            time.monotonic() - began, rabbit.starts[0], mariadb.starts[0]))
        faults = () if args.no_faults else chaos_cluster.default_faults(
            cluster, spacing=args.spacing, down_for=args.down_for)
        result = chaos_cluster.run_storm(cluster, args.count, faults=faults,
                                         threads=args.threads,
                                         settle_timeout=args.settle_timeout)
    finally:
        if cluster is not None:
            cluster.stop()
        mariadb.stop()  # its databases go with its directory
        rabbit.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("work directory:", workdir)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    times = result["times"]
    print("%d boots then %d deletes, %s" % (args.count, args.count,
                                            "no faults" if args.no_faults else "with faults"))
    for name, at, took in result["faults"]:
        print("  fault at %5.1f s (%4.1f s): %s" % (at, took, name))
    print("boots posted in %s s, settled after %s s: %s" % (
        times["boots_posted"], times["boots_settled"], result["boot"]["live"]))
    for reason, count in sorted(result["boot"]["error_reasons"].items(),
                                key=lambda item: -item[1]):
        print("  %3d in ERROR: %s" % (count, reason))
    print("deletes settled after %s s; services all up %s s later; total %s s" % (
        times["deletes_settled"], times["services_up_after"], times["total"]))
    for phase in ("boot", "delete"):
        counts = result[phase]["counts"]
        print("after the %ss: %s" % (phase, " ".join(
            "%s=%d" % (k, v) for k, v in counts.items())))
        bad = {k: v for k, v in result[phase]["examples"].items() if v}
        if bad:
            print("  examples: %s" % bad)
    print("services not up: %s; client errors: %s" % (result["services_down"],
                                                      result["errors"] or "none"))
    nonzero = any(result[p]["counts"][k] for p in ("boot", "delete")
                  for k in result[p]["counts"])
    return 1 if nonzero or result["services_down"] or None in times.values() else 0


if __name__ == "__main__":
    sys.exit(main())
