"""Real guests through the whole stack: POST to ACTIVE, to the first serial line, and
how much of it is the control plane.

Runs the deployment of tests/integration/boot_cluster.py with one nova-compute on
the libvirt driver (qemu:///system, ``virt_type = qemu``: software emulation),
set up by tests/integration/libvirt_cluster.py, and the test guest of
tests/libvirt_guest.py (Debian's kernel, a busybox initramfs printing a marker
on ttyS0) uploaded as kernel, ramdisk and machine images. Needs root, libvirtd,
QEMU, MariaDB and RabbitMQ.

For 1 guest with a cold image cache, then 1 and ``--concurrent`` guests (one
POST /servers each, sent at once), per guest:

- POST -> ACTIVE (vm_state active, no task_state: the cell database is polled);
- POST -> the first line on the guest's serial console (its console.log) and
  POST -> the guest's boot marker: QEMU emulating the guest's kernel;
- the control plane: POST -> the domain defined (libvirt's DEFINED event: API,
  scheduler, Placement claims, network, disks) plus domain started -> ACTIVE
  (the compute reporting back); libvirt's own DEFINED -> STARTED (QEMU's process
  start) is shown apart;
- the CPU seconds of the nova daemons (with their finished children, such as
  qemu-img) from the POST until every guest is ACTIVE, per guest.

    .venv/bin/python benchmarks/libvirt_boot.py [--concurrent 5] [--cases 1,5]
                                                [--keep] [--debug]
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.integration import boot_cluster  # noqa: E402
from tests.integration import libvirt_cluster  # noqa: E402
from tests import realparts  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
NOVA = ("nova-api", "nova-conductor", "nova-scheduler", "nova-compute-lvcompute",
        "placement", "image-store")


def cpu_seconds(pid):
    """User + system CPU seconds of ``pid`` and of its children it has waited for."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / _TICK


def pid_of(name):
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/comm" % entry) as comm:
                    if comm.read().strip() == name:
                        return int(entry)
            except OSError:
                pass
    return None


class LifecycleEvents:
    """When libvirt reported each domain DEFINED and STARTED (monotonic seconds)."""

    def __init__(self):
        libvirt = libvirt_cluster.libvirt
        libvirt.virEventRegisterDefaultImpl()
        self.seen = {}
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        self.conn = libvirt.open(libvirt_cluster.URI)
        names = {libvirt.VIR_DOMAIN_EVENT_DEFINED: "defined",
                 libvirt.VIR_DOMAIN_EVENT_STARTED: "started"}

        def callback(_conn, dom, event, _detail, _opaque):
            if event in names:
                self.seen.setdefault((dom.UUIDString(), names[event]), time.monotonic())

        self._cb = self.conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, callback, None)

    def _loop(self):
        while not self._stop:
            libvirt_cluster.libvirt.virEventRunDefaultImpl()

    def get(self, uuid, what):
        return self.seen.get((uuid, what))

    def close(self):
        self.conn.domainEventDeregisterAny(self._cb)
        self._stop = True
        self.conn.close()


class Guest:
    def __init__(self):
        self.id = None
        self.posted = self.answered = None
        self.active = self.first_line = self.marker = None


def _first_line_and_marker(path, marker):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False, False
    return b"\n" in data.lstrip(b"\r\n"), marker.encode() in data


def boot_case(cluster, run, events, flavor, image, count, label, marker, timeout=600):
    guests = [Guest() for _ in range(count)]
    barrier = threading.Barrier(count)

    def post(guest, index):
        client = boot_cluster.HTTP(cluster.ports["api"], dict(boot_cluster.HEADERS))
        try:
            barrier.wait()
            guest.posted = time.monotonic()
            status, body = client.request("POST", "/v2.1/servers", {"server": {
                "name": "%s-%d" % (label, index), "flavorRef": flavor,
                "imageRef": image}})
            guest.answered = time.monotonic()
            assert status == 202, body
            guest.id = body["server"]["id"]
        finally:
            client.close()

    pids = {name: cluster.daemons[name].pid for name in NOVA}
    libvirtd = pid_of("libvirtd")
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    libvirtd_before = cpu_seconds(libvirtd) if libvirtd else 0.0
    threads = [threading.Thread(target=post, args=(g, i)) for i, g in enumerate(guests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    began = min(g.posted for g in guests)
    conn = cluster.dbs.connect(cluster.dbs.cell)
    cpu = None
    try:
        while True:
            now = time.monotonic()
            with conn.cursor() as cur:
                cur.execute("SELECT uuid, vm_state, task_state FROM instances WHERE uuid IN "
                            "(%s)" % ",".join("'%s'" % g.id for g in guests))
                rows = {u: (v, t) for u, v, t in cur.fetchall()}
            conn.commit()
            for g in guests:
                state = rows.get(g.id)
                if state == ("error", None):
                    raise SystemExit("%s went to ERROR:\n%s" % (g.id, cluster.logs()))
                if g.active is None and state == ("active", None):
                    g.active = now
                if g.first_line is None or g.marker is None:
                    line, mark = _first_line_and_marker(run.console_log(g.id), marker)
                    if line and g.first_line is None:
                        g.first_line = now
                    if mark and g.marker is None:
                        g.marker = now
            if cpu is None and all(g.active for g in guests):
                cpu = {name: cpu_seconds(pid) - cpu_before[name]
                       for name, pid in pids.items()}
                cpu["libvirtd"] = (cpu_seconds(libvirtd) - libvirtd_before) if libvirtd \
                    else 0.0
            if cpu is not None and all(g.marker for g in guests):
                break
            if now - began > timeout:
                raise SystemExit("timed out: %s\n%s" % (
                    [(g.id, g.active, g.marker) for g in guests], cluster.logs()))
            time.sleep(0.05)
    finally:
        conn.close()
    return guests, cpu


def delete_all(cluster, run, guests):
    for g in guests:
        status, body = cluster.compute("DELETE", "/servers/%s" % g.id)
        assert status == 204, body
    for g in guests:
        boot_cluster.nova_procs.wait_for(
            lambda: cluster.compute("GET", "/servers/%s" % g.id)[0] == 404, timeout=120,
            what="server %s deleted" % g.id)
    boot_cluster.nova_procs.wait_for(lambda: not run.domains(), timeout=60,
                                     what="the domains to go")


def _span(values):
    values = sorted(values)
    if len(values) == 1:
        return "%6.2f" % values[0]
    return "%6.2f (min %.2f, median %.2f, max %.2f)" % (
        statistics.mean(values), values[0], statistics.median(values), values[-1])


def report(title, guests, events, cpu):
    count = len(guests)
    print("%s: %d guest%s" % (title, count, "s" if count > 1 else ""))
    missing = [g.id for g in guests if not (events.get(g.id, "defined")
                                            and events.get(g.id, "started"))]
    if missing:
        print("  (no libvirt lifecycle event seen for %s)" % missing)
    print("  POST answered          %s s" % _span([g.answered - g.posted for g in guests]))
    print("  POST -> ACTIVE         %s s" % _span([g.active - g.posted for g in guests]))
    print("  POST -> first serial   %s s" % _span([g.first_line - g.posted for g in guests]))
    print("  POST -> boot marker    %s s" % _span([g.marker - g.posted for g in guests]))
    if not missing:
        defined = [events.get(g.id, "defined") - g.posted for g in guests]
        launch = [events.get(g.id, "started") - events.get(g.id, "defined") for g in guests]
        report_back = [g.active - events.get(g.id, "started") for g in guests]
        control = [d + r for d, r in zip(defined, report_back)]
        print("  POST -> domain defined %s s  (nova: API, scheduler, claims, network, "
              "disks)" % _span(defined))
        print("  defined -> started     %s s  (libvirt starting QEMU)" % _span(launch))
        print("  started -> ACTIVE      %s s  (nova: the compute reporting back)"
              % _span(report_back))
        print("  control plane          %s s per guest (wall clock)" % _span(control))
    nova_cpu = sum(v for k, v in cpu.items() if k != "libvirtd")
    print("  nova CPU until all ACTIVE: %.2f s, %.2f s per guest; libvirtd %.2f s"
          % (nova_cpu, nova_cpu / count, cpu["libvirtd"]))
    print("    " + ", ".join("%s %.2f" % (k, v) for k, v in
                             sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.01))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=5)
    parser.add_argument("--ram", type=int, default=192, help="MiB per guest")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--debug", action="store_true",
                        help="debug logging in every daemon (to see where the time goes)")
    parser.add_argument("--cases", default=None, metavar="N,N,...",
                        help="guests per case after the cold one (default: 1,CONCURRENT)")
    args = parser.parse_args()

    try:
        guest = libvirt_cluster.require()
    except BaseException as exc:    # pytest's skip outside pytest
        raise SystemExit("cannot run: %s" % exc)
    run = libvirt_cluster.Run(prefix="nova-bench-lv-")
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create()
    # The image cache pass never runs during the measurements.
    cluster = boot_cluster.BootCluster(
        run.workdir, dbs, vhost.url, compute_hosts=("lvcompute",), debug=args.debug,
        report_interval=10, extra=run.extra(),
        compute_extra=run.compute_extra(cache_age=86400, cache_interval=3600))
    events = None
    try:
        with realparts.libvirtd_lock(timeout=900):
            began = time.monotonic()
            cluster.start()
            print("deployment up in %.1f s (%s)" % (time.monotonic() - began,
                                                    ", ".join(cluster.daemons)))
            events = LifecycleEvents()
            ids = libvirt_cluster.upload_guest(cluster, guest)
            flavor = cluster.create_flavor("lv.bench", 1, args.ram, 1, "lvb1")
            sizes = ([int(n) for n in args.cases.split(",")] if args.cases
                     else [1, args.concurrent])
            cases = [("cold image cache", 1)] + [("warm", n) for n in sizes]
            for number, (title, count) in enumerate(cases):
                guests, cpu = boot_case(cluster, run, events, flavor, ids["machine"],
                                        count, "b%d" % number, guest.marker)
                report(title, guests, events, cpu)
                delete_all(cluster, run, guests)
    finally:
        if events is not None:
            events.close()
        cluster.stop()
        dbs.drop()
        vhost.delete()
        if args.keep:
            print("work directory:", run.workdir)
            run.remove_domains()
            subprocess.run(["ip", "link", "del", run.bridge], capture_output=True)
        else:
            run.cleanup()


if __name__ == "__main__":
    main()
