#!/usr/bin/env python3
"""Horizon's pages against this cloud: each page's wall time and the nova calls it makes.

One deployment (tests/integration/horizon_fixture.py: real Keystone, Glance,
Neutron and Placement, nova's daemons over RabbitMQ and MariaDB with the fake
driver, Horizon 27 on runserver), then for each size the admin project gets
that many servers (booted through the API in batches, ``networks: none`` so
Neutron is not the thing measured) and a browser (Playwright on Debian's
chromium) opens every page of the walk. For each page: its wall time (until
the browser's network is idle, the Angular pages' API calls included), the
time until its last response arrived ("done": the wall time without the
500 ms of silence the browser waits for to call the network idle) and, from
nova-api's request log (``time:`` of each line), the number of nova calls it
caused, their summed server time and the slowest one. "alone" is the summed
server time of the same GETs made again one at a time after the walk (what
they cost nova without the page's other work beside them); "api cpu" the
CPU seconds nova-api ran while the page loaded and "api rq" the seconds its
threads waited, runnable, for a CPU (the machine's other work); "tok" the
tokens Keystone issued / validated meanwhile (Horizon's clients exchange the
session's token for a new one per Django request, which nova and Neutron
then validate at Keystone, about 0.2 s each). "other" is done minus the
nova calls' sum: Horizon's own time (its rendering, and its calls
to Keystone, Neutron and Glance) and the browser's.

After the walks of each size, the two calls issue 17 names (``GET /limits``
and Horizon's ``os-simple-tenant-usage`` of the project) are made 10 times
each on their own: their server time, min / median / max. The load average
is printed beside each table: the figures are wall times on a shared machine.

    PYTHONPATH=. .venv/bin/python benchmarks/dashboard.py --sizes 20,1000 --repeat 2
"""

import argparse
import collections
import contextlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import nova  # noqa: E402,F401  (picks the concurrency backend first)

from tests.integration import horizon_fixture  # noqa: E402
from tests.integration import horizon_walk  # noqa: E402

LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" status: (?P<status>\d+) .*'
                  r'microversion: (?P<version>\S+) time: (?P<seconds>[0-9.]+)')
PAGES = [
    ("Project > Overview", "/project/"),
    ("Project > Instances", "/project/instances/"),
    ("Instance detail", "/project/instances/{server}/"),
    ("Instance interfaces", "/project/instances/{server}/?tab=instance_details__interfaces"),
    ("Instance log", "/project/instances/{server}/?tab=instance_details__log"),
    ("Instance console", "/project/instances/{server}/?tab=instance_details__console"),
    ("Instance action log", "/project/instances/{server}/?tab=instance_details__audit"),
    ("Project > Key Pairs", "/project/key_pairs/"),
    ("Project > Server Groups", "/project/server_groups/"),
    ("Admin > Hypervisors", "/admin/hypervisors/"),
    ("Admin > Host Aggregates", "/admin/aggregates/"),
    ("Admin > Flavors", "/admin/flavors/"),
    ("Admin > Instances", "/admin/instances/"),
    ("Admin > System Information", "/admin/info/?tab=system_info__nova_services"),
]


# One page of a walk: its times, its nova calls (see calls()), nova-api's CPU
# seconds run and waited for, and the tokens Keystone issued and validated.
Page = collections.namedtuple("Page", "label wall done made cpu waited issued validated")


def calls(log_path, offset):
    """(new offset, [(method, path, status, seconds, microversion)]) of request-log
    lines after offset."""
    with open(log_path, errors="replace") as f:
        f.seek(offset)
        text = f.read()
        end = f.tell()
    found = []
    for line in text.splitlines():
        match = LINE.search(line)
        if match and "nova.api.middleware" in line:
            found.append((match["method"], match["path"], int(match["status"]),
                          float(match["seconds"]), match["version"]))
    return end, found


def keystone_log(cloud):
    """Keystone's access log (one line per request), or None."""
    path = os.path.join(os.path.dirname(cloud.nb.data["logs"]["keystone"]), "gunicorn.log")
    return path if os.path.exists(path) else None


def token_calls(path, offset):
    """(new offset, tokens issued, tokens validated) in Keystone's access log after
    offset: a token Horizon makes for a page is one nova (and Neutron) must
    validate at Keystone before the first call of the page can start."""
    if path is None:
        return offset, 0, 0
    with open(path, errors="replace") as f:
        f.seek(offset)
        text = f.read()
        end = f.tell()
    issued = text.count('"POST /v3/auth/tokens ')
    validated = text.count('"GET /v3/auth/tokens')
    return end, issued, validated


def api_cpu_seconds(cloud):
    """(CPU seconds run, seconds waited runnable for a CPU) of this cloud's nova-api
    processes so far, every thread counted (/proc/<pid>/task/*/schedstat)."""
    conf = os.path.join(cloud.workdir, "nova-api.conf").encode()
    ran = waited = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if conf not in f.read():
                    continue
            tasks = os.listdir("/proc/%s/task" % pid)
        except OSError:
            continue
        for task in tasks:
            try:
                with open("/proc/%s/task/%s/schedstat" % (pid, task)) as f:
                    run_ns, wait_ns = f.read().split()[:2]
            except (OSError, ValueError):
                continue
            ran += int(run_ns) / 1e9
            waited += int(wait_ns) / 1e9
    return ran, waited


def seed(cloud, total, batch=100):
    """Boot servers in the admin project until it holds ``total`` (fake driver, no NICs)."""
    status, body = cloud.compute("admin", "GET", "/servers?limit=10000")
    have = len(body["servers"])
    start = time.monotonic()
    while have < total:
        count = min(batch, total - have)
        status, body = cloud.compute("admin", "POST", "/servers", {"server": {
            "name": "bench", "flavorRef": cloud.ids["flavor"], "imageRef": cloud.ids["image"],
            "networks": "none", "min_count": count, "max_count": count,
            "return_reservation_id": True}}, version="2.37")
        assert status == 202, body
        have += count
    deadline = time.monotonic() + 1800
    while True:
        status, body = cloud.compute("admin", "GET", "/servers/detail?limit=10000")
        states = [s["status"] for s in body["servers"]]
        if len(states) >= total and set(states) <= {"ACTIVE"}:
            break
        if "ERROR" in states:
            failed = next(s for s in body["servers"] if s["status"] == "ERROR")
            raise RuntimeError("seeded server %s went to ERROR: %s" % (
                failed["id"], (failed.get("fault") or {}).get("message")))
        if time.monotonic() > deadline:
            raise RuntimeError("seeding timed out: %s" % sorted(set(states)))
        time.sleep(2)
    return time.monotonic() - start


def walk(playwright, cloud, shots):
    walker = horizon_walk.Walker(playwright, cloud.url, shots, "bench")
    # A page's time runs until its network is idle, however long that takes.
    walker.quiet_ms = horizon_walk.TIMEOUT_MS
    cred = cloud.credentials("admin")
    offset = os.path.getsize(cloud.api_log_path)
    walker.login(cred["username"], cred["password"])
    offset, _ = calls(cloud.api_log_path, offset)
    status, body = cloud.compute("admin", "GET", "/servers?limit=1")
    server = body["servers"][0]["id"]
    finished = []       # monotonic time of each response the browser finished reading
    walker.page.on("requestfinished", lambda _request: finished.append(time.monotonic()))
    walker.page.on("requestfailed", lambda _request: finished.append(time.monotonic()))
    ks_path = keystone_log(cloud)
    ks_offset = os.path.getsize(ks_path) if ks_path else 0
    rows = []
    for label, path in PAGES:
        time.sleep(0.5)     # the previous page's late requests land in its own lines
        offset, _ = calls(cloud.api_log_path, offset)
        ks_offset, _, _ = token_calls(ks_path, ks_offset)
        del finished[:]
        cpu = api_cpu_seconds(cloud)
        start = time.monotonic()
        walker.visit(path.format(server=server), label)
        wall = walker.timings[-1][1]
        done = max([t - start for t in finished if t >= start] or [wall])
        time.sleep(0.5)
        offset, made = calls(cloud.api_log_path, offset)
        ran, waited = (b - a for a, b in zip(cpu, api_cpu_seconds(cloud)))
        ks_offset, issued, validated = token_calls(ks_path, ks_offset)
        rows.append(Page(label, wall, min(done, wall), made, ran, waited, issued, validated))
    errors = list(walker.errors)
    walker.close()
    return rows, errors


def replay(cloud, rows):
    """[summed server time] of each page's nova GETs made again one at a time, with
    the page's microversions, when nothing else runs: what the calls cost nova on
    their own, against what they took while the page (Horizon, Neutron, the
    browser) ran beside them."""
    alone = []
    for page in rows:
        offset = os.path.getsize(cloud.api_log_path)
        for method, path, _status, _secs, version in page.made:
            if method == "GET" and path.startswith("/v2.1/"):
                cloud.compute("admin", "GET", path[len("/v2.1"):], version=version)
        time.sleep(0.5)
        _offset, again = calls(cloud.api_log_path, offset)
        alone.append(sum(c[3] for c in again))
    return alone


def probe(cloud, project_id, times=10):
    """{call: sorted server times} of the calls issue 17 sets a target for, made
    ``times`` times each as Horizon makes them (the usage report pages from 2.40)."""
    end = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3600))
    start = time.strftime("%Y-%m-%dT00:00:00", time.gmtime(time.time() - 86400))
    wanted = [("GET /limits", "/limits?reserved=1", "2.1"),
              ("GET os-simple-tenant-usage/{project}",
               "/os-simple-tenant-usage/%s?start=%s&end=%s" % (project_id, start, end),
               "2.40")]
    found = {}
    for label, path, version in wanted:
        cloud.compute("admin", "GET", path, version=version)     # a warm token cache
        time.sleep(0.3)
        offset = os.path.getsize(cloud.api_log_path)
        for _ in range(times):
            status, _body = cloud.compute("admin", "GET", path, version=version)
            assert status == 200, (path, status)
        time.sleep(0.5)
        _offset, made = calls(cloud.api_log_path, offset)
        found[label] = sorted(c[3] for c in made if c[1] == "/v2.1" + path)
    return found


def report(size, run, rows, alone, errors, load):
    print("\n%d servers in the project, run %d (load average %.1f before, %.1f after)"
          % (size, run, load[0], load[1]))
    print("%-26s %6s %6s %5s %7s %7s %7s %7s %7s %5s  %s" % (
        "page", "wall s", "done s", "calls", "nova s", "api cpu", "api rq", "alone s",
        "other s", "tok", "slowest nova call"))
    for page, nova_alone in zip(rows, alone):
        made = page.made
        slowest = max(made, key=lambda c: c[3]) if made else None
        nova_s = sum(c[3] for c in made)
        print("%-26s %6.2f %6.2f %5d %7.3f %7.3f %7.3f %7.3f %7.2f %2d/%-2d  %s" % (
            page.label, page.wall, page.done, len(made), nova_s, page.cpu, page.waited,
            nova_alone, max(page.done - nova_s, 0.0), page.issued, page.validated,
            "%.3f %s %s" % (slowest[3], slowest[0], slowest[1][:50]) if slowest else "-"))
    if errors:
        print("dashboard errors: %s" % errors)


def report_probe(size, found):
    print("\n%d servers: server time of 10 calls each, ms (min / median / max)" % size)
    for label, seconds in found.items():
        print("  %-40s %6.1f %6.1f %6.1f" % (label, seconds[0] * 1000,
                                             seconds[len(seconds) // 2] * 1000,
                                             seconds[-1] * 1000))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,1000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--calls", action="store_true", help="list every nova call")
    parser.add_argument("--attach", help="a running deployment's describe() JSON "
                                         "(tests/integration/horizon_fixture.attach)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright
    if args.attach:
        deployment = contextlib.nullcontext(horizon_fixture.attach(args.attach))
    else:
        # Room for 1,000 m1.tiny servers on the one fake host (8 vCPU, 16 GB,
        # 1 TB): Placement would refuse them at the default ratios.
        deployment = horizon_fixture.dashboard_cloud(extra={"DEFAULT": {
            "cpu_allocation_ratio": 256.0, "ram_allocation_ratio": 64.0,
            "disk_allocation_ratio": 2.0}})
    with deployment as cloud, sync_playwright() as playwright:
        shots = os.path.join(cloud.workdir, "bench-shots")
        for size in sizes:
            seconds = seed(cloud, size)
            print("\nseeded %d servers in %.1f s" % (size, seconds))
            for run in range(1, args.repeat + 1):
                before = os.getloadavg()[0]
                rows, errors = walk(playwright, cloud, shots)
                load = (before, os.getloadavg()[0])
                report(size, run, rows, replay(cloud, rows), errors, load)
                if args.calls:
                    for page in rows:
                        for method, path, status, secs, _version in page.made:
                            print("  %-26s %.3f %s %s %s" % (page.label, secs, status, method,
                                                             path[:90]))
            project_id = cloud.nb.token("admin")[1]["project"]["id"]
            report_probe(size, probe(cloud, project_id))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
