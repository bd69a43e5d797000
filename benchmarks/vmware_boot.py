"""VMware driver: POST /servers to ACTIVE against the vCenter simulator, and the
vCenter round trips per boot.

Runs the deployment of tests/integration/boot_cluster.py (separate daemons over
RabbitMQ and MariaDB) with one nova-compute on compute_driver =
vmwareapi.VMwareVCDriver managing the cluster of govmomi's vCenter simulator
(tools/vcsim, started here on a free loopback port). For each case (1 server,
then ``--concurrent`` servers, one POST each sent at once) it prints, per server,
POST -> ACTIVE, and the vCenter round trips of each spawn as the driver's
session layer counts them (SOAP calls plus datastore HTTP requests, logged by
the compute as "Spawn of <uuid> took N vCenter round trips (...)"). The first
boot of an image also uploads it to the datastore cache; the later ones copy it.

    .venv/bin/python benchmarks/vmware_boot.py [--concurrent 20] [--repeat 3] [--debug]
"""

import argparse
import pathlib
import re
import statistics
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.integration import boot_cluster  # noqa: E402
from tests import realparts  # noqa: E402
from tests import vcsim  # noqa: E402

SPAWN_LINE = re.compile(r"Spawn of (\S+) took (\d+) vCenter round trips \((.*)\)")


def _image(cluster, size=1024 * 1024):
    status, image = cluster.images.request("POST", "/v2/images", {
        "name": "bench-vmdk", "disk_format": "vmdk", "container_format": "bare",
        "visibility": "public", "vmware_adaptertype": "lsiLogic"})
    assert status == 201, image
    status, body = cluster.images.request(
        "PUT", "/v2/images/%s/file" % image["id"], raw=b"\x5a" * size,
        headers={"Content-Type": "application/octet-stream"})
    assert status == 204, body
    return image["id"]


def _boot_many(cluster, prefix, count, flavor, image):
    """POST ``count`` servers at once; {server id: seconds from its POST to ACTIVE}."""
    posted = {}
    lock = threading.Lock()

    def post(i):
        client = boot_cluster.HTTP(cluster.ports["api"], dict(boot_cluster.HEADERS))
        start = time.monotonic()
        status, body = client.request("POST", "/v2.1/servers", {"server": {
            "name": "%s-%02d" % (prefix, i), "flavorRef": flavor, "imageRef": image}})
        client.close()
        assert status == 202, body
        with lock:
            posted[body["server"]["id"]] = start

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = {}
    deadline = time.monotonic() + 600
    while len(done) < count:
        status, body = cluster.compute("GET", "/servers/detail?name=%%5E%s-" % prefix)
        assert status == 200, body
        now = time.monotonic()
        for server in body["servers"]:
            if server["id"] in done:
                continue
            if server["status"] == "ERROR":
                raise SystemExit("server %s went to ERROR: %s" % (server["id"],
                                                                 server.get("fault")))
            if server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None:
                done[server["id"]] = now - posted[server["id"]]
        if time.monotonic() > deadline:
            raise SystemExit("timed out: %d of %d ACTIVE" % (len(done), count))
        time.sleep(0.05)
    return done


def _delete_all(cluster, prefix):
    status, body = cluster.compute("GET", "/servers?name=%%5E%s-" % prefix)
    for server in body["servers"]:
        cluster.compute("DELETE", "/servers/%s" % server["id"])
    cluster.wait_for_none(prefix + "-", timeout=300)


def _round_trips(cluster, ids):
    log = cluster.daemons["nova-compute-vmware"].log()
    found = {}
    for uuid, count, detail in SPAWN_LINE.findall(log):
        if uuid in ids:
            found[uuid] = (int(count), detail)
    return found


def _fmt(values):
    values = sorted(values)
    return "min %.2f median %.2f max %.2f" % (values[0], statistics.median(values),
                                              values[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1,
                        help="times to run each case (ranges over the runs)")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()

    sim = vcsim.start()
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create()
    import tempfile
    workdir = tempfile.mkdtemp(prefix="nova-vmware-bench-")
    cluster = boot_cluster.BootCluster(
        workdir, dbs, vhost.url, compute_hosts=("vmware",), debug=args.debug,
        extra={"DEFAULT": {"compute_driver": "vmwareapi.VMwareVCDriver"},
               "vmware": dict(sim.options(), task_poll_interval=0.02),
               "vnc": {"enabled": "true"}})
    try:
        cluster.start(timeout=300)
        flavor = cluster.create_flavor("vmw.bench", 1, 128, 1, "b1")
        image = _image(cluster)
        cases = [("cold", 1)] + [("warm", 1), ("concurrent", args.concurrent)] * args.repeat
        for n, (name, count) in enumerate(cases):
            prefix = "bench%d" % n
            started = time.monotonic()
            times = _boot_many(cluster, prefix, count, flavor, image)
            wall = time.monotonic() - started
            trips = _round_trips(cluster, set(times))
            counts = [c for c, _d in trips.values()]
            print("%-10s %2d server(s): POST->ACTIVE %s s; all ACTIVE after %.2f s; "
                  "vCenter round trips per spawn: %s" % (
                      name, count, _fmt(times.values()), wall,
                      "%d-%d" % (min(counts), max(counts)) if counts else "n/a"))
            if name != "concurrent" and trips:
                print("           one spawn: %s" % next(iter(trips.values()))[1])
            _delete_all(cluster, prefix)
    finally:
        cluster.stop()
        dbs.drop()
        vhost.delete()
        sim.stop()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
