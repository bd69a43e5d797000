"""Server time of GET /limits and os-simple-tenant-usage for a project with many servers.

Seeds private SQLite databases (nova-manage, then the objects: ``--servers``
servers of one project with flavors, a tenth of them deleted inside the
window) and measures, at microversion 2.1 and 2.40:

* in-process: the PasteDeploy pipeline called through WebOb (no socket),
  wall and CPU time per call;
* over HTTP: ``nova-api`` as its own process (cheroot, noauth2), median and
  p99 latency from one keep-alive client, and the nova-api CPU time per call.

    .venv/bin/python benchmarks/usage.py [--servers 1000] [--rounds 30]
        [--seconds 5] [--workdir DIR]

``--workdir`` keeps the seeded databases and reuses them on the next run.
"""

import argparse
import datetime
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import api as api_bench  # noqa: E402

BIN = os.path.dirname(sys.executable)
PROJECT = "bench"
START = datetime.datetime(2026, 1, 1)
WINDOW = "start=2026-01-01T00:00:00&end=2026-02-01T00:00:00"
CASES = (("/v2.1/limits", "2.1"),
         ("/v2.1/os-simple-tenant-usage?detailed=1&" + WINDOW, "2.1"),
         ("/v2.1/os-simple-tenant-usage/%s?%s" % (PROJECT, WINDOW), "2.1"),
         ("/v2.1/os-simple-tenant-usage/%s?%s" % (PROJECT, WINDOW), "2.40"))


def seed(conf_path, count):
    """``count`` servers of PROJECT (runs in a child process)."""
    import types

    from oslo_utils import uuidutils

    from nova import config
    from nova import context as nova_context
    from nova import objects
    from tests.functional import server_seed

    config.parse_args(["seed", "--config-file", conf_path], init_rpc=False,
                      setup_logging=False)
    objects.register_all()
    ctxt = nova_context.get_admin_context()
    api = types.SimpleNamespace(ctxt=ctxt)
    flavors = [server_seed.add_flavor(api, flavorid="b%d" % i, name="bench.%d" % i,
                                      vcpus=1 + i, memory_mb=512 * (i + 1), root_gb=10)
               for i in range(4)]
    for i in range(count):
        launched = START + datetime.timedelta(hours=i % 500)
        fields = {}
        if i % 10 == 9:
            fields["terminated_at"] = launched + datetime.timedelta(hours=3)
        server_seed.add_server(api, "srv-%05d" % i, project_id=PROJECT, user_id="admin",
                               flavor=flavors[i % 4], launched_at=launched,
                               host="compute%d" % (i % 10), deleted=i % 10 == 9,
                               **fields)
    print("seeded %d servers (%s)" % (count, uuidutils.generate_uuid()[:8]))


def prepare(conf_path, count):
    for args in (["api_db", "sync"], ["db", "sync"], ["cell_v2", "simple_cell_setup"]):
        subprocess.run([os.path.join(BIN, "nova-manage"), "--config-file", conf_path, *args],
                       check=True, capture_output=True, timeout=120)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--seed", conf_path,
                    "--servers", str(count)], check=True, timeout=1800)


def _headers(version):
    return {"X-Auth-Token": "admin:%s" % PROJECT, "Accept": "application/json",
            "OpenStack-API-Version": "compute " + version}


def in_process(conf_path, rounds):
    """{(path, version): (wall ms list, cpu ms list)} through the paste pipeline."""
    import webob

    from nova.api.openstack.compute import wsgi_app
    from nova import config
    from nova import objects

    config.parse_args(["bench", "--config-file", conf_path], init_rpc=False,
                      setup_logging=False)
    objects.register_all()
    app = wsgi_app.load_app()
    gc.collect()
    gc.freeze()
    results = {}
    for path, version in CASES:
        def call():
            resp = webob.Request.blank(path, headers=_headers(version)).get_response(app)
            assert resp.status_int == 200, resp.text[:500]
            return resp
        call()  # warm-up
        walls, cpus = [], []
        for _ in range(rounds):
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - start_cpu) * 1000)
        results[(path, version)] = (walls, cpus)
    return results


def over_http(conf_path, port, seconds):
    proc = subprocess.Popen([os.path.join(BIN, "nova-api"), "--config-file", conf_path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        api_bench.wait_for_port(port, proc)
        for path, version in CASES:
            api_bench.HEADERS.update(_headers(version))
            api_bench.run_case(port, path, 1, 1.0, 0)  # warm-up
            results[(path, version)] = api_bench.run_case(port, path, 1, seconds, 0,
                                                          proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return results


def _label(path, version):
    short = path[len("/v2.1"):].split("?")[0]
    if "detailed=1" in path:
        short += "?detailed=1"
    return "GET %s @%s" % (short, version)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workdir")
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.servers)
        return

    workdir = args.workdir or tempfile.mkdtemp(prefix="nova-bench-usage-")
    os.makedirs(workdir, exist_ok=True)
    port = api_bench.free_port()
    conf_path = api_bench.write_config(workdir, port)
    try:
        if not os.path.exists(os.path.join(workdir, "seeded")):
            t0 = time.monotonic()
            prepare(conf_path, args.servers)
            open(os.path.join(workdir, "seeded"), "w").close()
            print("seeded in %.1f s" % (time.monotonic() - t0))
        http = over_http(conf_path, port, args.seconds)
        local = in_process(conf_path, args.rounds)
        print("%d servers in project %s" % (args.servers, PROJECT))
        print("%-44s %22s %22s %20s" % ("case", "in-process wall ms", "in-process CPU ms",
                                         "HTTP median/p99 ms"))
        for path, version in CASES:
            walls, cpus = local[(path, version)]
            r = http[(path, version)]
            print("%-44s %9.1f (min %5.1f) %9.1f (min %5.1f) %9.1f / %6.1f" % (
                _label(path, version), statistics.median(walls), min(walls),
                statistics.median(cpus), min(cpus), r["median_ms"], r["p99_ms"]))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
