"""Latency of the server lists of the compute API with many servers.

Starts ``nova-api`` as its own process (the real cheroot WSGI server, the
PasteDeploy pipeline, noauth2) over private SQLite databases: the API
database and two cells holding ``--servers`` servers between them, seeded
through the objects as the conductor and compute would leave them (a flavor
with extra specs, an info cache with one VIF, user metadata, image system
metadata, two tags, a request spec with hints, a root disk mapping; every
tenth server in ERROR with a fault; twenty compute services). Then measures
``GET /servers`` and ``GET /servers/detail?limit=1000`` at microversions 2.1
and 2.100 from one client (keep-alive HTTP/1.1).

    .venv/bin/python benchmarks/servers_list.py [--servers 1000] [--seconds 10]
        [--workdir DIR] [--profile {index,detail}]

Prints median/p99 latency, requests per second and the nova-api CPU time per
request (the figure to compare when other work shares the machine).
``--workdir`` keeps the seeded databases (seeding 1,000 servers takes a few
minutes) and reuses them on the next run. ``--profile`` runs one case at
2.100 in this process instead (same databases and paste pipeline, called
through WebOb): its wall and CPU time without a profiler, then the top
functions by CPU time under cProfile.
"""

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import api as api_bench  # noqa: E402

BIN = os.path.dirname(sys.executable)
HOSTS_PER_CELL = 10
CASES = (("/v2.1/servers?limit=1000", "2.1"),
         ("/v2.1/servers?limit=1000", "2.100"),
         ("/v2.1/servers/detail?limit=1000", "2.1"),
         ("/v2.1/servers/detail?limit=1000", "2.100"))


def seed(conf_path, count):
    """Create cell2 and ``count`` servers split over both cells (runs in a child)."""
    import types

    from nova import config
    from nova import context as nova_context
    from nova.objects import cell_setup
    from nova.db import migration
    from nova import objects
    from nova.compute import vm_states
    from tests.functional import compute_seed
    from tests.functional import server_seed

    config.parse_args(["seed", "--config-file", conf_path], init_rpc=False,
                      setup_logging=False)
    objects.register_all()
    ctxt = nova_context.get_admin_context()
    api = types.SimpleNamespace(ctxt=ctxt)
    workdir = os.path.dirname(conf_path)
    url = "sqlite:///%s/cell2.sqlite" % workdir
    migration.db_sync("main", url=url)
    cell_setup.create_cell(ctxt, "cell2", "fake://", url, verify_transport=False)
    cells = [c for c in objects.CellMappingList.get_all(ctxt) if not c.is_cell0()]
    for index, cell in enumerate(cells):
        with nova_context.target_cell(ctxt, cell) as cctxt:
            for h in range(HOSTS_PER_CELL):
                compute_seed.add_service(api, "compute%d-%d" % (index, h), ctxt=cctxt)
    flavors = [server_seed.add_flavor(api, flavorid="b%d" % i, name="bench.%d" % i,
                                      vcpus=1 + i, memory_mb=512 * (i + 1), root_gb=10,
                                      extra_specs={"hw:cpu_policy": "shared",
                                                   "quota:disk_read_bytes_sec": "10240"})
               for i in range(4)]
    image = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
    sysmeta = {"image_base_image_ref": image, "image_disk_format": "qcow2",
               "image_container_format": "bare", "image_min_ram": "0",
               "image_min_disk": "1", "image_hw_disk_bus": "virtio",
               "image_os_distro": "debian", "owner_user_name": "admin",
               "owner_project_name": "admin", "boot_roles": "admin,member,reader"}
    for i in range(count):
        cell_index = i % len(cells)
        error = i % 10 == 9
        host = "compute%d-%d" % (cell_index, i % HOSTS_PER_CELL)
        name = "server-%05d" % i
        inst = server_seed.add_server(
            api, name, cell=cells[cell_index], project_id="admin", user_id="admin",
            flavor=flavors[i % len(flavors)],
            vm_state=vm_states.ERROR if error else vm_states.ACTIVE, host=host,
            image_ref=image, metadata={"role": "web", "index": str(i), "owner": "bench"},
            tags=("bench", "group-%d" % (i % 7)),
            nw_info=server_seed.network_info(
                ip="10.%d.%d.%d" % (cell_index, i // 250, i % 250 + 2),
                mac="fa:16:3e:%02x:%02x:%02x" % (cell_index, i // 256, i % 256),
                floating="172.24.%d.%d" % (i // 250, i % 250 + 2) if i % 3 == 0 else None),
            fault=(500, "No valid host was found. ", "Traceback: ...") if error else None,
            key_name="bench-key", config_drive="", progress=0,
            display_description="bench server %d" % i, kernel_id="", ramdisk_id="",
            user_data=None, access_ip_v4=None, access_ip_v6=None, auto_disk_config=False,
            ephemeral_gb=0, root_gb=10, os_type=None, launched_on=host)
        with nova_context.target_cell(ctxt, cells[cell_index]) as cctxt:
            inst._context = cctxt
            inst.system_metadata.update(sysmeta)
            inst.save()
            objects.BlockDeviceMapping(
                context=cctxt, instance_uuid=inst.uuid, source_type="image",
                destination_type="local", device_type="disk", boot_index=0,
                device_name="/dev/vda", image_id=image, delete_on_termination=True,
                volume_id=None).create()
        objects.RequestSpec(
            context=ctxt, instance_uuid=inst.uuid, project_id="admin", user_id="admin",
            flavor=flavors[i % len(flavors)],
            image=objects.ImageMeta.from_dict({"id": image, "properties": {}}),
            num_instances=1, availability_zone="nova" if i % 2 else None,
            scheduler_hints={"group": ["g-%d" % (i % 5)]}, is_bfv=False,
            instance_group=None,
            request_level_params=objects.RequestLevelParams()).create()


def prepare(conf_path, count):
    for args in (["api_db", "sync"], ["db", "sync"], ["cell_v2", "simple_cell_setup"]):
        subprocess.run([os.path.join(BIN, "nova-manage"), "--config-file", conf_path, *args],
                       check=True, capture_output=True, timeout=120)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--seed", conf_path,
                    "--servers", str(count)], check=True, timeout=1800)


def profile(conf_path, path, version, rounds=3):
    """Run one case ``rounds`` times in this process under cProfile."""
    import cProfile
    import pstats

    import webob

    from nova.api.openstack.compute import wsgi_app
    from nova import config
    from nova import objects

    config.parse_args(["bench", "--config-file", conf_path], init_rpc=False,
                      setup_logging=False)
    objects.register_all()
    app = wsgi_app.load_app()
    # As nova-api does before serving (nova/cmd/api.py).
    gc.collect()
    gc.freeze()
    headers = dict(api_bench.HEADERS, **{"OpenStack-API-Version": "compute " + version})

    def call():
        resp = webob.Request.blank(path, headers=headers).get_response(app)
        assert resp.status_int == 200, resp.text[:500]
        return resp

    timings, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print("%s @%s in-process (5 calls, no profiler): wall min %.1f / median %.1f ms, "
          "CPU min %.1f / median %.1f ms" % (path, version, min(timings),
                                             sorted(timings)[2], min(cpu), sorted(cpu)[2]))
    prof = cProfile.Profile(time.process_time)  # CPU time: other load does not count
    start = time.perf_counter()
    prof.enable()
    for _ in range(rounds):
        call()
    prof.disable()
    print("%s @%s: %.1f ms per request (profiled)" % (
        path, version, (time.perf_counter() - start) * 1000 / rounds))
    pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", choices=("index", "detail"),
                        help="profile one case (at 2.100) in-process instead")
    parser.add_argument("--workdir", help="keep the databases in this directory and "
                        "reuse them when it already holds them")
    parser.add_argument("--seed", metavar="CONF", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.servers)
        return

    workdir = args.workdir or tempfile.mkdtemp(prefix="nova-bench-servers-")
    reuse = os.path.exists(os.path.join(workdir, "cell2.sqlite"))
    os.makedirs(workdir, exist_ok=True)
    port = api_bench.free_port()
    conf_path = api_bench.write_config(workdir, port)
    proc = None
    try:
        if not reuse:
            t0 = time.monotonic()
            prepare(conf_path, args.servers)
            print("seeded %d servers in two cells in %.1f s"
                  % (args.servers, time.monotonic() - t0))
        if args.profile:
            path = "/v2.1/servers/detail?limit=1000" if args.profile == "detail" \
                else "/v2.1/servers?limit=1000"
            profile(conf_path, path, "2.100")
            return
        proc = subprocess.Popen([os.path.join(BIN, "nova-api"), "--config-file", conf_path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        api_bench.wait_for_port(port, proc)
        expect = min(args.servers, 1000)
        print("%-34s %8s %10s %10s %9s %14s %7s" % (
            "case", "version", "median ms", "p99 ms", "req/s", "server CPU ms", "errors"))
        for path, version in CASES:
            api_bench.HEADERS["OpenStack-API-Version"] = "compute " + version
            api_bench.run_case(port, path, 1, 1.0, expect)  # warm-up
            r = api_bench.run_case(port, path, 1, args.seconds, expect, proc.pid)
            print("GET %-30s %8s %10.1f %10.1f %9.1f %14.1f %7d"
                  % (path[5:], version, r["median_ms"], r["p99_ms"], r["rps"],
                     r["cpu_ms"], r["errors"]))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
