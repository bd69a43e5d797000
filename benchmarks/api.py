"""Throughput and latency of two list calls of the compute API.

Starts ``nova-api`` as its own process (the real cheroot WSGI server, the
PasteDeploy pipeline, noauth2) over private SQLite databases holding 1,000
flavors and 1,000 key pairs, then measures ``GET /v2.1/flavors/detail`` and
``GET /v2.1/os-keypairs`` from one client and from 8 concurrent clients
(keep-alive HTTP/1.1 connections, one per client thread).

    .venv/bin/python benchmarks/api.py [--rows 1000] [--seconds 10] [--workers 1]

``--workers`` sets ``[DEFAULT] osapi_compute_workers`` (the API processes
sharing the listening socket). Prints requests per second and median/p99
latency per case, and the CPU time the nova-api processes spent per request
(a figure that stays meaningful when other work shares the machine).
"""

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.dirname(sys.executable)
SSH_KEY = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44"
           "bd8cC2V6PEsJAcCx+gJa5Bc8cOzvF5GvE4TpKBNYj9LL3K3SzSa6DOBgyP3tTbQQF0vP7t48RTMlBKR"
           "OOV2ZbAekcQXy7FOdTMY2GZFBsTGVdQXIhDeTD/WBxzJHYDxzQW3DJmCfnHGNrs0ydA2Ld6uoXcNo/"
           "8dbUzEDy0RZ2E9UQBMgFmU2u6+vADN1tG4SlBKbThZQ6OqDf3ld3Hbw2FxI5TMK+KhOc0oJ+TSSc8fZ"
           "9nBPfg7l8SCxnzfVzMxr6lQSVRwXBjZmiDUYrB6PqJYYj6qGKOIuX8VJx8ZFaKsWDLprXa0xqx bench")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(workdir, port, workers=1):
    path = os.path.join(workdir, "nova.conf")
    with open(path, "w") as conf:
        conf.write(
            "[DEFAULT]\nhost = bench\nstate_path = %(w)s\ntransport_url = fake://\n"
            "osapi_compute_listen = 127.0.0.1\nosapi_compute_listen_port = %(p)d\n"
            "osapi_compute_workers = %(n)d\n"
            "enabled_apis = osapi_compute\nlog_file = %(w)s/nova-api.log\n"
            "[api]\nauth_strategy = noauth2\n"
            "[database]\nconnection = sqlite:///%(w)s/nova.sqlite\n"
            "[api_database]\nconnection = sqlite:///%(w)s/nova_api.sqlite\n"
            % {"w": workdir, "p": port, "n": workers})
    return path


def prepare(conf_path, rows):
    for args in (["api_db", "sync"], ["db", "sync"], ["cell_v2", "simple_cell_setup"]):
        subprocess.run([os.path.join(BIN, "nova-manage"), "--config-file", conf_path, *args],
                       check=True, capture_output=True, timeout=120)
    # Seed through the objects, as the API itself would store them.
    code = (
        "import sys\n"
        "from nova import config, context, objects\n"
        "config.parse_args(['seed', '--config-file', sys.argv[1]], init_rpc=False,"
        " setup_logging=False)\n"
        "objects.register_all()\n"
        "ctxt = context.get_admin_context()\n"
        "n = int(sys.argv[2])\n"
        "for i in range(n):\n"
        "    objects.Flavor(ctxt, name='bench-%05d' % i, flavorid='f%05d' % i,\n"
        "                   memory_mb=512 + i, vcpus=1 + i % 8, root_gb=1 + i % 40,\n"
        "                   ephemeral_gb=0, swap=0, rxtx_factor=1.0, is_public=True,\n"
        "                   disabled=False, extra_specs={}).create()\n"
        "    objects.KeyPair(ctxt, name='key-%05d' % i, user_id='admin', type='ssh',\n"
        "                    public_key=sys.argv[3], fingerprint='00:11:%04x' % i).create()\n")
    subprocess.run([sys.executable, "-c", code, conf_path, str(rows), SSH_KEY], check=True,
                   timeout=600)


def wait_for_port(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nova-api exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nova-api did not listen on %d" % port)


HEADERS = {"X-Auth-Token": "admin:admin", "Accept": "application/json",
           "OpenStack-API-Version": "compute 2.1"}


def client_loop(port, path, stop_at, latencies, errors, expect_items):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.monotonic() < stop_at:
        start = time.perf_counter()
        conn.request("GET", path, headers=HEADERS)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        if resp.status != 200 or body.count(b'"name"') < expect_items:
            errors.append(resp.status)
        latencies.append(elapsed)
    conn.close()


_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as stat:
        return stat.read().rsplit(")", 1)[1].split()


def server_cpu_seconds(pid):
    """User + system CPU seconds of process ``pid`` and its live children (Linux)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry))
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def run_case(port, path, clients, seconds, expect_items, server_pid=None):
    latencies, errors = [], []
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop,
                                args=(port, path, stop_at, latencies, errors, expect_items))
               for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    cpu = server_cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "median_ms": statistics.median(latencies) * 1000, "p99_ms": p99 * 1000,
            "errors": len(errors), "cpu_ms": cpu * 1000 / max(1, len(latencies))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1,
                        help="nova-api worker processes (osapi_compute_workers)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="nova-bench-api-")
    port = free_port()
    conf_path = write_config(workdir, port, args.workers)
    proc = None
    try:
        t0 = time.monotonic()
        prepare(conf_path, args.rows)
        print("seeded %d flavors and %d key pairs in %.1f s"
              % (args.rows, args.rows, time.monotonic() - t0))
        proc = subprocess.Popen([os.path.join(BIN, "nova-api"), "--config-file", conf_path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, proc)
        print("nova-api with %d worker process(es)" % args.workers)
        print("%-26s %8s %9s %10s %10s %12s %7s" % (
            "case", "clients", "req/s", "median ms", "p99 ms", "server CPU ms", "errors"))
        for path in ("/v2.1/flavors/detail", "/v2.1/os-keypairs"):
            run_case(port, path, 1, 1.0, args.rows)  # warm-up
            for clients in (1, 8):
                r = run_case(port, path, clients, args.seconds, args.rows, proc.pid)
                print("GET %-22s %8d %9.1f %10.1f %10.1f %12.1f %7d"
                      % (path[5:], clients, r["rps"], r["median_ms"], r["p99_ms"],
                         r["cpu_ms"], r["errors"]))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
