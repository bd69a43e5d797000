"""Console proxy set-up time and throughput (nova-novncproxy, 50 concurrent consoles).

Runs the control plane in this process (SQLite, in-process messaging, the fake
driver, as the functional tests do) with one server whose fake hypervisor
serves a real RFB 3.8 server (nova.virt.fake_consoles) of ``--width`` x
``--height`` pixels, and nova-novncproxy on a free port. Every connection
goes through everything a real one does: the token's row in the cell
database, the Origin check, validate_console_port over RPC to the compute,
the RFB security handshake done by the proxy, then the relay.

The clients run in a child process (so they do not share this process's
interpreter lock with the proxy):

* set-up: ``--setups`` connections one after the other, each with a fresh
  token; the time from sending the WebSocket upgrade (the token check starts
  there) to the first RFB byte (the server's version) through the proxy;
* throughput: ``--consoles`` clients at once, each completing the RFB
  handshake and then reading ``--frames`` full-screen raw framebuffer
  updates (32 bpp); the bytes relayed per second, summed over all clients,
  and the same set-up time measured under that load.

    .venv/bin/python benchmarks/console.py [--consoles 50] [--frames 20]
        [--width 640] [--height 480] [--setups 50] [--deployment in-process|processes]

``--deployment processes`` runs every daemon as its own process over RabbitMQ
and MariaDB instead (tests/integration/boot_cluster.py, nova-novncproxy too):
the RPC that confirms the port then goes through RabbitMQ rather than the
in-process transport, whose polling adds ~45 ms to each call.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


# -- the client side (child process) ---------------------------------------------------


def _one_setup(port, token):
    from tests import console_client as cc
    started = time.perf_counter()
    ws = cc.WebSocket("ws://127.0.0.1:%d/?token=%s" % (port, token))
    try:
        first = ws.recv_frame()
        elapsed = time.perf_counter() - started
        assert first.startswith(b"RFB"), first
        return elapsed
    finally:
        ws.close()


def _one_console(port, token, frames, results, barrier):
    from tests import console_client as cc
    barrier.wait()
    started = time.perf_counter()
    ws = cc.WebSocket("ws://127.0.0.1:%d/?token=%s" % (port, token), timeout=120)
    try:
        stream = cc.Stream(ws)
        version = stream.recv(12)
        setup = time.perf_counter() - started
        assert version == b"RFB 003.008\n"
        stream.data = version + stream.data
        width, height, _name, stream = cc.rfb_connect(ws, stream)
        received = 0
        relay_started = time.perf_counter()
        for _ in range(frames):
            _rects, pixels = cc.rfb_framebuffer(ws, stream, width, height)
            received += sum(len(p) for p in pixels.values())
        results.append({"setup": setup, "bytes": received,
                        "seconds": time.perf_counter() - relay_started,
                        "end": time.perf_counter()})
    finally:
        ws.close()


def client_main(spec):
    port, setups, consoles = spec["port"], spec["setup_tokens"], spec["console_tokens"]
    setup_times = [_one_setup(port, token) for token in setups]
    results = []
    barrier = threading.Barrier(len(consoles))
    threads = [threading.Thread(target=_one_console,
                                args=(port, token, spec["frames"], results, barrier))
               for token in consoles]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    wall = max(r["end"] for r in results) - started if results else 0.0
    print(json.dumps({"setup": setup_times, "consoles": results, "wall": wall}))


# -- the server side ---------------------------------------------------------------------


def _time_calls(server, name, into):
    """Record how long each call of the proxy's ``name`` check takes (seconds)."""
    real = getattr(server, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)
    setattr(server, name, timed)


def _run_clients(args, port, token):
    """Issue the tokens, run the client process; (result, seconds per token issue)."""
    started = time.perf_counter()
    setup_tokens = [token() for _ in range(args.setups)]
    issue_s = (time.perf_counter() - started) / max(1, args.setups)
    spec = {"port": port, "frames": args.frames, "setup_tokens": setup_tokens,
            "console_tokens": [token() for _ in range(args.consoles)]}
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--client"],
                          input=json.dumps(spec), capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT), timeout=1800)
    if proc.returncode != 0:
        raise SystemExit("client failed:\n" + proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1]), issue_s


def _token_from(url):
    return url.rsplit("%3D", 1)[1]


def run_in_process(args):
    """The control plane and the proxy in this process (in-process messaging)."""
    import pytest
    import nova.conf
    from nova.console import websocketproxy
    from tests.functional import stack_fixture

    conf = nova.conf.CONF
    workdir = tempfile.mkdtemp(prefix="nova-console-bench-")
    monkeypatch = pytest.MonkeyPatch()
    cloud, stops = stack_fixture.start_cloud(pathlib.Path(workdir), monkeypatch,
                                             compute_hosts=("bench1",))
    try:
        conf.set_override("handshake_timeout", 60, group="console")
        stops.append(lambda: conf.clear_override("handshake_timeout", group="console"))
        proxy = websocketproxy.ConsoleProxyService(
            "nova-novncproxy", "127.0.0.1", 0, register=False, console_types=("novnc",))
        proxy.start()
        stops.append(proxy.stop)
        timings = {"check_token": [], "check_port": []}
        for name in timings:
            _time_calls(proxy.server, name, timings[name])
        conf.set_override("novncproxy_base_url",
                          "http://127.0.0.1:%d/vnc_auto.html" % proxy.port, group="vnc")
        stops.append(lambda: conf.clear_override("novncproxy_base_url", group="vnc"))
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                     flavor_id="1")
        image = cloud.create_image()
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "bench", "flavorRef": flavor, "imageRef": image}})
        assert status == 202, body
        server = cloud.wait_for_status(body["server"]["id"], "ACTIVE")["id"]

        def token():
            status, _h, body = cloud.request(
                "POST", "/servers/%s/remote-consoles" % server,
                {"remote_console": {"protocol": "vnc", "type": "novnc"}}, version="2.6")
            assert status == 200, body
            return _token_from(body["remote_console"]["url"])

        result, issue_s = _run_clients(args, proxy.port, token)
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()
    return result, issue_s, timings


def run_processes(args):
    """Every daemon its own process over RabbitMQ and MariaDB (tests/integration/
    boot_cluster.py), nova-novncproxy included."""
    from tests.integration import boot_cluster
    from tests.integration import nova_procs
    from tests import realparts

    workdir = tempfile.mkdtemp(prefix="nova-console-bench-")
    port = nova_procs.free_port()
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create(driver="pymysql")
    cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url, debug=False,
                                       compute_hosts=("bench1",), extra={
        "vnc": {"novncproxy_host": "127.0.0.1", "novncproxy_port": port,
                "novncproxy_base_url": "http://127.0.0.1:%d/vnc_auto.html" % port},
        "console": {"handshake_timeout": 60}})
    try:
        cluster.start()
        cluster._script("nova-novncproxy", "novnc")
        nova_procs.wait_for(lambda: realparts.port_open("127.0.0.1", port), timeout=60,
                            what="nova-novncproxy", daemons=list(cluster.daemons.values()))
        flavor = cluster.create_flavor("m1.tiny", 1, 512, 1, "1")
        image = cluster.create_image()
        cluster.boot("bench", flavor, image)
        server = next(iter(cluster.wait_for_statuses("bench", 1, timeout=90)))

        def token():
            status, body = cluster.compute(
                "POST", "/servers/%s/remote-consoles" % server,
                {"remote_console": {"protocol": "vnc", "type": "novnc"}}, version="2.6")
            assert status == 200, body
            return _token_from(body["remote_console"]["url"])

        result, issue_s = _run_clients(args, port, token)
    finally:
        cluster.stop()
        dbs.drop()
        vhost.delete()
        shutil.rmtree(workdir, ignore_errors=True)
    return result, issue_s, {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--setups", type=int, default=50)
    parser.add_argument("--deployment", choices=("in-process", "processes"),
                        default="in-process")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main(json.load(sys.stdin))

    # The fake hypervisor's screen size, here and in the processes started.
    os.environ["NOVA_FAKE_CONSOLE_SIZE"] = "%dx%d" % (args.width, args.height)
    from nova.virt import fake_consoles
    fake_consoles.WIDTH, fake_consoles.HEIGHT = args.width, args.height
    run = run_in_process if args.deployment == "in-process" else run_processes
    result, issue_s, timings = run(args)

    setups = [s * 1000 for s in result["setup"]]
    consoles = result["consoles"]
    loaded = [c["setup"] * 1000 for c in consoles]
    total_bytes = sum(c["bytes"] for c in consoles)
    frame_bytes = args.width * args.height * 4
    print("console proxy benchmark (nova-novncproxy, %s, fake RFB server %dx%d, %d cores)"
          % (args.deployment, args.width, args.height, os.cpu_count()))
    print("  token issue (POST remote-consoles through the API): %.1f ms each"
          % (issue_s * 1000))
    for name, values in timings.items():
        first = [v * 1000 for v in values[:len(setups)]]
        print("  proxy %s, one at a time: median %.1f ms" % (name, statistics.median(first)))
    print("  set-up, one at a time (%d): median %.1f ms, p95 %.1f ms, max %.1f ms"
          % (len(setups), statistics.median(setups), _percentile(setups, 0.95),
             max(setups)))
    print("  set-up, %d at once: median %.1f ms, p95 %.1f ms, max %.1f ms"
          % (len(loaded), statistics.median(loaded), _percentile(loaded, 0.95),
             max(loaded)))
    print("  throughput, %d consoles x %d frames of %.2f MB: %.1f MB in %.2f s = %.1f MB/s "
          "(%.1f frames/s), %d of %d consoles completed"
          % (args.consoles, args.frames, frame_bytes / 1e6, total_bytes / 1e6,
             result["wall"], total_bytes / 1e6 / result["wall"],
             total_bytes / frame_bytes / result["wall"], len(consoles), args.consoles))
    return 0 if len(consoles) == args.consoles else 1


if __name__ == "__main__":
    sys.exit(main())
