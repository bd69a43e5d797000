"""Boot latency through a distributed deployment, and GET /servers/detail with 1,000 servers.

Runs the deployment of tests/integration/boot_cluster.py: nova-api,
nova-conductor, nova-scheduler and two nova-compute (fake driver) as separate
processes over RabbitMQ, MariaDB databases (API, cell0, cell1, Placement),
Placement and the image store in processes of their own. Needs MariaDB and
RabbitMQ on 127.0.0.1 (tests/realparts.py).

Prints, for one POST /servers of 1, 20 and 100 servers (min_count), the time
from the POST until every one shows ACTIVE, and the CPU seconds each process
spent meanwhile (where the time goes); then fills the cloud to ``--servers``
servers and measures ``GET /servers/detail?limit=1000``: median and p99.

    .venv/bin/python benchmarks/boot.py [--servers 1000] [--requests 50]
                                        [--sizes 1,20,100] [--api-workers 1]
                                        [--set conductor.workers=2 ...]
                                        [--db-driver mysqldb|pymysql]
                                        [--service-workers N]
    .venv/bin/python benchmarks/boot.py --neighbours real [--sizes 20,100]
        (concurrent boots beside the real Keystone, Glance, Neutron and
        Placement: see benchmarks/boot_neighbours.py)
"""

import argparse
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.integration import boot_cluster  # noqa: E402
from tests import realparts  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=True):
    """User + system CPU seconds of ``pid`` (and its direct children)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or (children and int(fields[1]) == pid):
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def find_pids(*names):
    """{comm: pid} of the first process with each command name (MariaDB, RabbitMQ)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as comm:
                name = comm.read().strip()
        except OSError:
            continue
        if name in names and name not in found:
            found[name] = int(entry)
    return found


class CPUMeter:
    def __init__(self, cluster):
        self.pids = {name: d.pid for name, d in cluster.daemons.items()}
        for name, pid in find_pids("mariadbd", "mysqld", "beam.smp").items():
            self.pids[name] = pid
        self.pids["(benchmark client)"] = os.getpid()
        self.before = None

    def _now(self):
        return {name: cpu_seconds(pid, children=name != "(benchmark client)")
                for name, pid in self.pids.items()}

    def start(self):
        self.before = self._now()

    def stop(self):
        now = self._now()
        return {name: now[name] - self.before[name] for name in self.pids}


def wait_active(cluster, reservation, count, timeout=300, interval=0.02):
    """Poll the cell database until ``count`` servers of ``reservation`` are ACTIVE.

    ACTIVE as the API shows it: vm_state active, no task_state. The cell
    database is polled (one indexed query) rather than the API, so the
    measurement does not load nova-api; the API confirms the result after.
    Returns the monotonic times at which the first and the last instance
    appeared in the cell (the conductor creates an instance there once the
    scheduler placed it), for the phases of the boot.
    """
    deadline = time.monotonic() + timeout
    query = ("SELECT COUNT(*), SUM(vm_state = 'active' AND task_state IS NULL), "
             "SUM(vm_state = 'error') FROM instances WHERE deleted = 0 "
             "AND reservation_id = '%s'" % reservation)
    first_in_cell = all_in_cell = None
    conn = cluster.dbs.connect(cluster.dbs.cell)
    try:
        while True:
            with conn.cursor() as cur:
                cur.execute(query)
                present, active, errors = cur.fetchone()
            conn.commit()
            now = time.monotonic()
            if present and first_in_cell is None:
                first_in_cell = now
            if present == count and all_in_cell is None:
                all_in_cell = now
            if errors:
                raise SystemExit("servers went to ERROR:\n%s" % cluster.logs())
            if active == count:
                break
            if now > deadline:
                raise SystemExit("timed out waiting for %d servers\n%s"
                                 % (count, cluster.logs()))
            time.sleep(interval)
    finally:
        conn.close()
    status, body = cluster.compute(
        "GET", "/servers?limit=1000&status=ACTIVE&reservation_id=" + reservation)
    assert status == 200 and len(body["servers"]) == count, (status, body)
    return first_in_cell, all_in_cell


def boot_case(cluster, meter, flavor, image, size, label):
    meter.start()
    began = time.monotonic()
    reservation = cluster.boot(label, flavor, image, count=size)
    posted = time.monotonic() - began
    first_in_cell, all_in_cell = wait_active(cluster, reservation, size)
    elapsed = time.monotonic() - began
    phases = (first_in_cell - began, all_in_cell - began)
    return posted, elapsed, phases, meter.stop()


def fill(cluster, flavor, image, total, batch=100):
    status, body = cluster.compute("GET", "/servers?limit=1000")
    have = len(body["servers"])
    while have < total:
        size = min(batch, total - have)
        reservation = cluster.boot("fill", flavor, image, count=size)
        wait_active(cluster, reservation, size)
        have += size
    return have


def measure_detail(cluster, requests, expect):
    latencies = []
    for i in range(requests + 3):
        began = time.perf_counter()
        status, body = cluster.compute("GET", "/servers/detail?limit=1000")
        elapsed = time.perf_counter() - began
        assert status == 200 and len(body["servers"]) == expect, (status, len(body["servers"]))
        if i >= 3:  # warm-up
            latencies.append(elapsed)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies) * 1000, p99 * 1000


def print_cpu(cpu):
    busy = sorted(cpu.items(), key=lambda kv: -kv[1])
    print("    CPU s: " + ", ".join("%s %.2f" % (name, sec) for name, sec in busy if sec >= 0.01))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,20,100")
    parser.add_argument("--servers", type=int, default=1000,
                        help="servers present while GET /servers/detail is measured")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--api-workers", type=int, default=1)
    parser.add_argument("--service-workers", type=int, default=None,
                        help="processes of nova-conductor and nova-scheduler each "
                             "(default: theirs, one per CPU)")
    parser.add_argument("--set", action="append", default=[], metavar="GROUP.OPTION=VALUE",
                        help="an option for every daemon's configuration (repeatable), "
                             "e.g. conductor.workers=2")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--db-driver", choices=("mysqldb", "pymysql"), default="mysqldb",
                        help="the MariaDB driver of every process: mysqlclient (C, the "
                             "default) or PyMySQL (pure Python)")
    parser.add_argument("--neighbours", choices=("embedded", "real"), default="embedded",
                        help="real: Keystone, Glance, Neutron and Placement from "
                             "tools/neighbours.py, N concurrent single-server POSTs")
    args = parser.parse_args()
    if args.neighbours == "real":
        from benchmarks import boot_neighbours
        if args.sizes == parser.get_default("sizes"):
            args.sizes = "20,100"
        return boot_neighbours.main(args)

    extra = {"flat_network": {"cidr": "10.0.0.0/20"}}  # room for 1,000 fixed IPs
    for setting in args.set:
        name, _, value = setting.partition("=")
        group, _, option = name.rpartition(".")
        extra.setdefault(group or "DEFAULT", {})[option] = value
    workdir = tempfile.mkdtemp(prefix="nova-bench-boot-")
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create(driver=args.db_driver)
    cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url, debug=False,
                                       report_interval=10, api_workers=args.api_workers,
                                       extra=extra, service_workers=args.service_workers)
    try:
        began = time.monotonic()
        cluster.start()
        print("deployment up in %.1f s (%s; MariaDB through %s; conductor and scheduler "
              "workers: %s)" % (time.monotonic() - began, ", ".join(cluster.daemons),
                                args.db_driver, args.service_workers or
                                "one per CPU (%d)" % os.cpu_count()))
        flavor = cluster.create_flavor("bench.tiny", 1, 64, 1, "b1")
        image = cluster.create_image()
        meter = CPUMeter(cluster)
        # One server first so every process has warmed up (connections, caches).
        boot_case(cluster, meter, flavor, image, 1, "warm")
        print("POST /servers (min_count=N) until all ACTIVE:")
        for size in [int(s) for s in args.sizes.split(",")]:
            posted, elapsed, phases, cpu = boot_case(cluster, meter, flavor, image, size,
                                                     "boot%d-" % size)
            print("  %4d servers: %6.2f s  (POST answered in %.3f s, %.1f servers/s)"
                  % (size, elapsed, posted, size / elapsed))
            print("    first instance in its cell after %.2f s (the API, then the "
                  "scheduler's claims), the last after %.2f s" % phases)
            print_cpu(cpu)
        began = time.monotonic()
        have = fill(cluster, flavor, image, args.servers)
        print("filled to %d servers in %.1f s" % (have, time.monotonic() - began))
        meter.start()
        median, p99 = measure_detail(cluster, args.requests, min(have, 1000))
        print("GET /servers/detail?limit=1000 with %d servers: median %.1f ms, p99 %.1f ms "
              "(%d requests)" % (have, median, p99, args.requests))
        print_cpu(meter.stop())
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
