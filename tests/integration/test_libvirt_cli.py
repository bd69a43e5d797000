"""A real guest through the whole stack, driven with the ``openstack`` CLI.

One deployment for the module (tests/integration/boot_cluster.py): nova-api,
nova-conductor, nova-scheduler and one nova-compute with
``compute_driver = libvirt.LibvirtDriver`` (``virt_type = qemu``, software
emulation) as separate daemons over RabbitMQ, MariaDB databases, Placement and
the image store in processes of their own. The test guest of
tests/libvirt_guest.py (Debian's kernel and a busybox initramfs that prints a
marker on ttyS0) is uploaded as kernel (aki), ramdisk (ari) and machine (ami)
images with the CLI, and every user action goes through ``openstack`` (the
commands run one after the other in one CLI process, tests/osc_session.py):
create, console log, reboot soft and hard, stop/start, pause/unpause,
suspend/resume, an image of the server and a second server booted from it,
the first server's config drive (its uuid and user data printed by the guest),
the second server shelved (offloaded at once) and unshelved,
diagnostics, delete. The VNC server of the guest answers with its RFB banner.
Afterwards no libvirt domain, instance directory, base image in use, tap
device or Placement allocation is left.

Two guests at most, and never two booting at once. The tests share the
deployment and run in order. Skips (fails under CI) without libvirtd, QEMU,
root, MariaDB or RabbitMQ.
"""

import json
import os
import socket
import subprocess
import threading
import time
from wsgiref import simple_server

import pytest

from tests import realparts
from tests.integration import boot_cluster
from tests.integration import libvirt_cluster
from tests.integration import nova_procs
from tests import osc_session

libvirt = libvirt_cluster.libvirt

# The first test's set-up starts the deployment; guests boot under software
# emulation on a loaded two-core machine.
pytestmark = pytest.mark.timeout(900)

OPENSTACK = os.path.join(nova_procs.VENV_BIN, "openstack")
COMPUTE = "lvcompute"
BOOT_TIMEOUT = 180      # software emulation on a loaded two-core machine
MICROVERSION = "2.79"


def _wait(predicate, timeout, what, interval=0.5):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


class _Quiet(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Stack:
    """The running deployment, the CLI pointed at it, and the host-side views."""

    def __init__(self, cluster, run, guest, identity_port, cli):
        self.cluster = cluster
        self.run = run
        self.workdir = run.workdir
        self.guest = guest
        self.bridge = run.bridge
        self.instances_path = run.instances_path
        self.clouds_yaml = os.path.join(self.workdir, "clouds.yaml")
        root = "http://127.0.0.1:%d" % cluster.ports["api"]
        with open(self.clouds_yaml, "w") as f:
            json.dump({"clouds": {"lv": {
                "auth_type": "admin_token",
                "auth": {"endpoint": root + "/v2.1", "token": "admin:admin"},
                "compute_endpoint_override": root + "/v2.1",
                "image_endpoint_override": "http://127.0.0.1:%d" % cluster.ports["images"],
                "identity_endpoint_override": "http://127.0.0.1:%d/v3" % identity_port,
                "identity_api_version": "3",
                "region_name": "RegionOne"}}}, f)
        self.ids = {}          # image and server ids by role
        # Every command in one ``openstack`` process (tests/osc_session.py).
        self.cli = cli
        self.kept = {}         # facts one test leaves for the next

    # -- the CLI ------------------------------------------------------------------

    def osc(self, *args, fmt=True, check=True, timeout=BOOT_TIMEOUT + 60):
        """``openstack ARGS [-f json]``: the parsed JSON, the text, or the process."""
        env = {"OS_CLIENT_CONFIG_FILE": self.clouds_yaml}
        cmd = [OPENSTACK, "--os-cloud", "lv", "--os-compute-api-version", MICROVERSION]
        cmd += list(args)
        if fmt:
            cmd += ["-f", "json"]
        proc = self.cli.run(cmd[1:], env=env, cwd=self.workdir, timeout=timeout)
        if not check:
            return proc
        if proc.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s\n%s" % (
                " ".join(cmd[3:]), proc.returncode, proc.stdout, proc.stderr[-3000:],
                self.cluster.logs()))
        return json.loads(proc.stdout) if fmt and proc.stdout.strip() else proc.stdout

    # -- REST reads (polling through the CLI would cost a process a time) --------

    def server(self, server_id):
        status, body = self.cluster.compute("GET", "/servers/%s" % server_id,
                                            version=MICROVERSION)
        assert status == 200, body
        return body["server"]

    def wait_status(self, server_id, wanted, timeout=BOOT_TIMEOUT):
        def reached():
            server = self.server(server_id)
            if server["status"] == "ERROR":
                raise AssertionError("server went to ERROR: %s\n%s" % (
                    server.get("fault"), self.cluster.logs()))
            return (server["status"] == wanted
                    and server["OS-EXT-STS:task_state"] is None) and server
        return _wait(reached, timeout, "server %s to be %s" % (server_id, wanted))

    def console(self, server_id):
        return self.osc("console", "log", "show", server_id, fmt=False)

    def console_rest(self, server_id):
        """The console log through the REST API (cheap to poll)."""
        status, body = self.cluster.compute(
            "POST", "/servers/%s/action" % server_id, {"os-getConsoleOutput": {}},
            version=MICROVERSION)
        return body.get("output") or "" if status == 200 else ""

    def wait_console(self, server_id, predicate, timeout, what):
        """Until ``predicate(log)`` holds: polled through REST (an ``openstack``
        process per poll would load the machine), then checked once on the
        text of ``openstack console log show``; that text."""
        _wait(lambda: predicate(self.console_rest(server_id)), timeout, what, interval=0.5)
        text = self.console(server_id)
        assert predicate(text), "%s: true through REST, not in `console log show`:\n%s" % (
            what, text[-3000:])
        return text

    def wait_markers(self, server_id, count, timeout=BOOT_TIMEOUT):
        """Until the serial log holds ``count`` boot markers; the log."""
        return self.wait_console(
            server_id, lambda text: text.count(self.guest.marker) >= count, timeout,
            "%d boot markers of %s" % (count, server_id))

    # -- the host's view -------------------------------------------------------------

    def domain(self, server_id):
        """The libvirt domain of ``server_id`` or None, through a connection of
        its own (one shared across the tests would not survive a libvirtd
        restart)."""
        conn = libvirt.open(libvirt_cluster.URI)
        try:
            return conn.lookupByUUIDString(server_id)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def domain_xml(self, server_id):
        from xml.etree import ElementTree
        return ElementTree.fromstring(self.domain(server_id).XMLDesc(0))

    def allocations(self, consumer):
        status, body = self.cluster.placement.request("GET", "/allocations/%s" % consumer)
        assert status == 200, body
        return body["allocations"]

    def bases(self):
        directory = os.path.join(self.instances_path, "_base")
        if not os.path.isdir(directory):
            return set()
        return {n for n in os.listdir(directory)
                if os.path.isfile(os.path.join(directory, n)) and not n.endswith(".part")}


@pytest.fixture(scope="module")
def stack():
    guest = libvirt_cluster.require()
    # Domains and bridge are named after the run (libvirt_cluster.Run): other
    # modules' guests may run beside these on the machine's libvirtd.
    yield from _deploy(guest)


def _deploy(guest):
    from nova.cmd import all_identity
    run = libvirt_cluster.Run(prefix="nova-lv-cli-")
    identity = simple_server.make_server("127.0.0.1", 0, all_identity.application,
                                         handler_class=_Quiet)
    threading.Thread(target=identity.serve_forever, daemon=True).start()
    # The CLI process imports its modules while the deployment starts.
    cli = osc_session.OSCSession(start=True)
    vhost = dbs = cluster = None
    try:
        vhost = realparts.RabbitVhost()
        dbs = boot_cluster.ClusterDatabases.create()
        cluster = boot_cluster.BootCluster(
            run.workdir, dbs, vhost.url, compute_hosts=(COMPUTE,), report_interval=2,
            extra=run.extra(),
            # Bases a deleted server no longer uses go at the next pass (every
            # 3 s); a just-used base is younger than the minimum age (5 s).
            compute_extra=run.compute_extra(cache_age=5, cache_interval=3))
        cluster.start()
        yield Stack(cluster, run, guest, identity.server_port, cli)
    finally:
        # Each step on its own: one that fails must not leave the others undone.
        steps = [cli.close, run.remove_domains]
        if cluster is not None:
            steps.append(cluster.stop)
        if dbs is not None:
            steps.append(dbs.drop)
        if vhost is not None:
            steps.append(vhost.delete)
        steps += [identity.shutdown, identity.server_close, run.cleanup]
        for step in steps:
            try:
                step()
            except Exception as exc:    # noqa: BLE001 - report, go on cleaning
                print("clean-up step failed: %r" % exc)


def test_images_uploaded_with_the_cli(stack):
    g = stack.guest
    kernel = stack.osc("image", "create", "--disk-format", "aki", "--container-format",
                       "aki", "--file", g.kernel, "--public", "lv-kernel")
    ramdisk = stack.osc("image", "create", "--disk-format", "ari", "--container-format",
                        "ari", "--file", g.initrd, "--public", "lv-ramdisk")
    disk = os.path.join(stack.workdir, "root.img")
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", disk, "16M"], check=True)
    machine = stack.osc("image", "create", "--disk-format", "ami", "--container-format",
                        "ami", "--file", disk, "--public",
                        "--property", "kernel_id=%s" % kernel["id"],
                        "--property", "ramdisk_id=%s" % ramdisk["id"],
                        "--property", "os_command_line=%s" % g.cmdline, "lv-machine")
    for image in (kernel, ramdisk, machine):
        assert image["status"] == "active", image
    stack.ids.update(kernel=kernel["id"], ramdisk=ramdisk["id"], machine=machine["id"])
    stack.osc("flavor", "create", "--vcpus", "1", "--ram", "192", "--disk", "1",
              "--id", "lv1", "lv.tiny")


def test_server_create_boots_the_guest_with_vnc_and_a_tap(stack, tmp_path):
    user_data = tmp_path / "user-data"
    user_data.write_text("#!/bin/sh\necho user data of lv-one\n")
    server = stack.osc("server", "create", "--flavor", "lv.tiny", "--image",
                       stack.ids["machine"], "--config-drive", "True",
                       "--user-data", str(user_data), "--wait", "lv-one")
    sid = server["id"]
    stack.ids["one"] = sid
    assert server["status"] == "ACTIVE", server
    assert server["OS-EXT-SRV-ATTR:host"] == COMPUTE
    text = stack.wait_markers(sid, 1)
    assert text.count(stack.guest.marker) == 1

    # The guest mounted its config drive and printed its uuid and the first
    # line of its user data, read back through `openstack console log show`.
    drive_line = stack.guest.config_drive_prefix + sid
    stack.wait_console(sid, lambda text: drive_line in text, 120,
                       "the guest's config drive line in `console log show`")
    stack.wait_console(sid, lambda text: stack.guest.user_data_prefix + "#!/bin/sh" in text,
                       30, "the guest's user data line in `console log show`")
    assert stack.server(sid)["config_drive"] == "True"

    # What the compute host holds: the domain, running, with direct kernel boot.
    dom = stack.domain(sid)
    assert dom is not None and dom.isActive()
    xml = stack.domain_xml(sid)
    assert xml.get("type") == "qemu"
    assert xml.findtext("os/kernel") == os.path.join(stack.instances_path, sid, "kernel")
    assert xml.findtext("os/cmdline") == stack.guest.cmdline
    shown = stack.server(sid)
    assert shown["OS-EXT-SRV-ATTR:kernel_id"] == stack.ids["kernel"]
    assert shown["OS-EXT-SRV-ATTR:ramdisk_id"] == stack.ids["ramdisk"]
    assert shown["OS-EXT-SRV-ATTR:instance_name"] == dom.name()

    # The guest's VNC server speaks RFB on the port libvirt chose.
    graphics = xml.find("devices/graphics[@type='vnc']")
    assert graphics.get("listen") == "127.0.0.1"
    port = int(graphics.get("port"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        assert s.recv(12).startswith(b"RFB 003.00")

    # The NIC: a tap on the flat network's bridge, with the port's MAC.
    iface = xml.find("devices/interface")
    tap = iface.find("target").get("dev")
    assert iface.find("source").get("bridge") == stack.bridge
    assert os.path.realpath("/sys/class/net/%s/master" % tap).endswith("/" + stack.bridge)
    mac = iface.find("mac").get("address")
    addresses = [a for net in shown["addresses"].values() for a in net]
    assert [a["OS-EXT-IPS-MAC:mac_addr"] for a in addresses] == [mac]
    stack.kept["tap_one"] = tap

    # Placement holds the flavor's resources for it on the compute node.
    allocs = stack.allocations(sid)
    assert [a["resources"] for a in allocs.values()] == [
        {"VCPU": 1, "MEMORY_MB": 192, "DISK_GB": 1}]


def test_reboot_soft_then_hard_boots_again(stack):
    sid = stack.ids["one"]
    before = stack.console(sid)
    markers = before.count(stack.guest.marker)
    buttons = before.count(stack.guest.power_button)
    stack.osc("server", "reboot", "--soft", "--wait", sid, fmt=False)
    text = stack.wait_markers(sid, markers + 1)
    # Soft: the guest saw the ACPI power button and shut itself down first.
    assert text.count(stack.guest.power_button) == buttons + 1
    stack.osc("server", "reboot", "--hard", "--wait", sid, fmt=False)
    text = stack.wait_markers(sid, markers + 2)
    # Hard: no power button this time.
    assert text.count(stack.guest.power_button) == buttons + 1
    assert stack.server(sid)["status"] == "ACTIVE"
    assert stack.domain(sid).isActive()


def test_stop_and_start(stack):
    sid = stack.ids["one"]
    stack.osc("server", "stop", sid, fmt=False)
    server = stack.wait_status(sid, "SHUTOFF")
    assert server["OS-EXT-STS:power_state"] == 4       # SHUTDOWN
    assert not stack.domain(sid).isActive()
    markers = stack.console(sid).count(stack.guest.marker)
    stack.osc("server", "start", sid, fmt=False)
    stack.wait_status(sid, "ACTIVE")
    stack.wait_markers(sid, markers + 1)


def test_pause_unpause_suspend_resume(stack):
    sid = stack.ids["one"]
    stack.osc("server", "pause", sid, fmt=False)
    assert stack.wait_status(sid, "PAUSED")["OS-EXT-STS:power_state"] == 3
    assert stack.domain(sid).state()[0] == libvirt.VIR_DOMAIN_PAUSED
    stack.osc("server", "unpause", sid, fmt=False)
    stack.wait_status(sid, "ACTIVE")
    assert stack.domain(sid).state()[0] == libvirt.VIR_DOMAIN_RUNNING

    markers = stack.console(sid).count(stack.guest.marker)
    stack.osc("server", "suspend", sid, fmt=False)
    assert stack.wait_status(sid, "SUSPENDED")["OS-EXT-STS:power_state"] == 7
    dom = stack.domain(sid)
    assert not dom.isActive() and dom.hasManagedSaveImage(0)
    stack.osc("server", "resume", sid, fmt=False)
    stack.wait_status(sid, "ACTIVE")
    # Resumed where it was, not booted again: heartbeats go on, no new marker.
    lines = len(stack.console(sid).splitlines())
    text = stack.wait_console(sid, lambda text: len(text.splitlines()) > lines, 60,
                              "a heartbeat after resume")
    assert text.count(stack.guest.marker) == markers


def test_diagnostics(stack):
    sid = stack.ids["one"]
    diags = stack.osc("server", "show", "--diagnostics", sid)
    assert diags["state"] == "running" and diags["driver"] == "libvirt"
    assert diags["hypervisor"] == "qemu"
    assert diags["num_cpus"] == 1 and diags["num_nics"] == 1 and diags["num_disks"] >= 1
    assert diags["memory_details"]["maximum"] == 192
    assert diags["cpu_details"][0]["time"] > 0
    assert diags["uptime"] >= 0


def test_image_of_the_server_boots_a_second_server(stack):
    sid = stack.ids["one"]
    snap = stack.osc("server", "image", "create", "--wait", "--name", "lv-snap", sid)
    image = stack.osc("image", "show", snap["id"])
    assert image["status"] == "active" and image["disk_format"] == "qcow2"
    props = image["properties"]
    assert props["image_type"] == "snapshot"
    assert props["instance_uuid"] == sid
    assert props["base_image_ref"] == stack.ids["machine"]
    assert props["kernel_id"] == stack.ids["kernel"]
    assert props["ramdisk_id"] == stack.ids["ramdisk"]
    stack.ids["snapshot"] = snap["id"]
    # The first server is running again as before, and goes quiet meanwhile.
    assert stack.server(sid)["status"] == "ACTIVE"
    stack.osc("server", "stop", sid, fmt=False)
    stack.wait_status(sid, "SHUTOFF")

    two = stack.osc("server", "create", "--flavor", "lv.tiny", "--image", snap["id"],
                    "--wait", "lv-two")
    stack.ids["two"] = two["id"]
    assert two["status"] == "ACTIVE", two
    stack.wait_markers(two["id"], 1)
    xml = stack.domain_xml(two["id"])
    assert xml.findtext("os/cmdline") == stack.guest.cmdline
    stack.kept["tap_two"] = xml.find("devices/interface/target").get("dev")


def test_shelve_offload_and_unshelve_the_second_server(stack):
    two = stack.ids["two"]
    # [DEFAULT] shelved_offload_time = 0: shelving offloads at once.
    stack.osc("server", "shelve", two, fmt=False)
    server = stack.wait_status(two, "SHELVED_OFFLOADED")
    assert server["OS-EXT-SRV-ATTR:host"] is None
    assert stack.domain(two) is None
    assert not os.path.exists(os.path.join(stack.instances_path, two))
    assert not os.path.exists("/sys/class/net/%s" % stack.kept["tap_two"])
    assert stack.allocations(two) == {}
    shelved = stack.osc("image", "list", "--name", "lv-two-shelved")
    assert len(shelved) == 1 and shelved[0]["Status"] == "active", shelved
    shelved_id = shelved[0]["ID"]

    stack.osc("server", "unshelve", two, fmt=False)
    server = stack.wait_status(two, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == COMPUTE
    # A new guest from the shelved image: its own first boot marker.
    stack.wait_markers(two, 1)
    assert stack.domain(two).isActive()
    assert [a["resources"] for a in stack.allocations(two).values()] == [
        {"VCPU": 1, "MEMORY_MB": 192, "DISK_GB": 1}]
    # The shelved image is gone from the image service; its base serves the guest.
    assert stack.osc("image", "list", "--name", "lv-two-shelved") == []
    stack.ids["shelved"] = shelved_id
    xml = stack.domain_xml(two)
    stack.kept["tap_two"] = xml.find("devices/interface/target").get("dev")


def _gone(stack, sid, tap):
    assert stack.domain(sid) is None
    assert not os.path.exists(os.path.join(stack.instances_path, sid))
    assert not os.path.exists("/sys/class/net/%s" % tap)
    assert stack.allocations(sid) == {}
    # `delete --wait` returns once the server shows DELETED; the compute
    # removes the record right after (upstream has the same moment between).
    _wait(lambda: stack.cluster.compute("GET", "/servers/%s" % sid)[0] == 404, 30,
          "the deleted server to answer 404")


def test_delete_leaves_nothing_behind(stack):
    from nova.virt.libvirt import imagecache
    one, two = stack.ids["one"], stack.ids["two"]
    name = lambda image: imagecache.base_name(stack.ids[image])     # noqa: E731
    assert {name("kernel"), name("ramdisk"), name("machine"),
            name("shelved")} <= stack.bases()
    stack.osc("server", "delete", "--wait", one, fmt=False)
    _gone(stack, one, stack.kept["tap_one"])
    # The image cache pass drops the machine image only the deleted server
    # used; the second server's bases (kernel, ramdisk, and the shelved image
    # it was unshelved from) stay.
    _wait(lambda: name("machine") not in stack.bases(), 60,
          "the unused machine base to be removed")
    assert {name("kernel"), name("ramdisk"), name("shelved")} <= stack.bases()
    assert stack.domain(two).isActive()

    stack.osc("server", "delete", "--wait", two, fmt=False)
    _gone(stack, two, stack.kept["tap_two"])
    _wait(lambda: not stack.bases(), 60, "every base image to be removed")
    assert [n for n in os.listdir(stack.instances_path)
            if n not in ("_base", "locks", "snapshots")] == []
    # The snapshots' work directory stays, empty: no temporary copy is left.
    snapshots = os.path.join(stack.instances_path, "snapshots")
    assert not os.path.isdir(snapshots) or os.listdir(snapshots) == []
    assert all(not a for a in stack.cluster.provider_allocations().values())
    assert stack.cluster.usages() == {} or not any(stack.cluster.usages().values())
    assert stack.osc("server", "list") == []
    assert stack.run.domains() == []
