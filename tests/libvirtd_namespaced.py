"""A privileged libvirtd (QEMU driver) of a test's own, beside the machine's.

Two of these can live-migrate guests to each other on one machine. Each runs
as root in its own mount and UTS namespaces (``unshare``): temporary
directories are bind-mounted over /run/libvirt, /var/lib/libvirt,
/var/cache/libvirt, /var/log/libvirt and /etc/libvirt, so its sockets,
domain state, capabilities cache, logs and configuration are private and
the machine's libvirtd (and its guests) never see it; its own host name and
``host_uuid`` make libvirt accept migrations between the two (it refuses a
migration to the same host). It listens on ``addr`` (127.0.0.x) with
plain TCP and no authentication (``qemu+tcp://addr:port/system``), runs
QEMU as root without cgroups, takes migration ports from a range of its own,
and has its own virtlogd (serial console logs). Stopped by its PIDs only.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

LIBVIRTD_CONF = """listen_tls = 0
listen_tcp = 1
listen_addr = "%(addr)s"
tcp_port = "%(port)d"
auth_tcp = "none"
auth_unix_rw = "none"
host_uuid = "%(host_uuid)s"
"""

QEMU_CONF = """user = "root"
group = "root"
cgroup_controllers = [ ]
migration_address = "%(addr)s"
migration_port_min = %(mig_min)d
migration_port_max = %(mig_max)d
remote_display_port_min = %(display_min)d
remote_display_port_max = %(display_max)d
"""

BIND = ("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"), \
    ("cache", "/var/cache/libvirt"), ("etc", "/etc/libvirt"), ("log", "/var/log/libvirt")


class Unavailable(Exception):
    """This machine cannot run such a daemon (what is missing)."""


def _can_bind(addr, port):
    with socket.socket() as s:
        try:
            s.bind((addr, port))
            return True
        except OSError:
            return False


def free_port(addrs, low=20000, high=40000):
    """A TCP port free on every address of ``addrs``."""
    for _ in range(200):
        port = random.randint(low, high)
        if all(_can_bind(a, port) for a in addrs):
            return port
    raise Unavailable("no free port on %s" % (addrs,))


def free_range(addr, size=16):
    """The first port of ``size`` consecutive ports free on ``addr`` (and on
    every address: the guests' consoles listen on 127.0.0.1)."""
    for _ in range(100):
        first = random.randint(45000, 60000)
        if all(_can_bind(a, p) for p in range(first, first + size)
               for a in (addr, "0.0.0.0")):
            return first
    raise Unavailable("no free port range on %s" % addr)


def check():
    """Raise Unavailable when this machine lacks what the daemon needs."""
    if os.geteuid() != 0:
        raise Unavailable("a private system-mode libvirtd needs root")
    for tool, package in (("libvirtd", "libvirt-daemon-system"),
                          ("virtlogd", "libvirt-daemon-system"),
                          ("unshare", "util-linux"), ("qemu-system-x86_64", "qemu-system-x86")):
        if shutil.which(tool) is None:
            raise Unavailable("%s is not installed (%s)" % (tool, package))
    if not os.path.isdir("/run/libvirt") or not os.path.isdir("/var/lib/libvirt"):
        raise Unavailable("libvirt's directories are missing")


class NamespacedLibvirtd:
    def __init__(self, name, addr, port):
        check()
        self.name, self.addr, self.port = name, addr, port
        self.root = tempfile.mkdtemp(prefix="nova-lvd-%s-" % name, dir="/var/tmp")
        os.chmod(self.root, 0o755)
        self.uri = "qemu+tcp://%s:%d/system" % (addr, port)
        self.socket = os.path.join(self.root, "run", "libvirt-sock")
        self.log = os.path.join(self.root, "libvirtd.log")
        self.proc = None

    def _write_config(self):
        for sub, _target in BIND:
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        os.makedirs(os.path.join(self.root, "etc", "qemu"), exist_ok=True)
        # Migration ports, then the guests' VNC/SPICE ports: a range of this
        # daemon's own, since each libvirtd hands out its display ports
        # (5900 and up by default) without knowing the others' guests.
        mig_min = free_range(self.addr, size=32)
        with open(os.path.join(self.root, "etc", "libvirtd.conf"), "w") as f:
            f.write(LIBVIRTD_CONF % {"addr": self.addr, "port": self.port,
                                     "host_uuid": uuid.uuid4()})
        with open(os.path.join(self.root, "etc", "qemu.conf"), "w") as f:
            f.write(QEMU_CONF % {"addr": self.addr, "mig_min": mig_min,
                                 "mig_max": mig_min + 15, "display_min": mig_min + 16,
                                 "display_max": mig_min + 31})

    def start(self, timeout=60):
        self._write_config()
        mounts = "\n".join("mount --bind %s %s" % (os.path.join(self.root, sub), target)
                           for sub, target in BIND)
        script = """set -e
hostname %(name)s
%(mounts)s
virtlogd -d -p %(root)s/virtlogd.pid
exec libvirtd --listen -p %(root)s/libvirtd.pid -f %(root)s/etc/libvirtd.conf
""" % {"name": self.name, "mounts": mounts, "root": self.root}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--mount", "--uts", "--propagation", "private", "sh", "-c",
                 script], stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        end = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                with open(self.log, errors="replace") as f:
                    raise Unavailable("libvirtd %s did not start: %s"
                                      % (self.name, f.read()[-800:]))
            time.sleep(0.2)
        return self

    def _answers(self):
        if not os.path.exists(self.socket):
            return False
        with socket.socket() as s:
            s.settimeout(1)
            try:
                s.connect((self.addr, self.port))
                return True
            except OSError:
                return False

    def _virtlogd_pid(self):
        try:
            with open(os.path.join(self.root, "virtlogd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout=30):
        """Stop libvirtd (its QEMU processes stay unless destroyed first) and
        its virtlogd, by their PIDs; idempotent."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        pid = self._virtlogd_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def destroy_domains(self):
        """Stop and undefine whatever guests a failed test left on this daemon."""
        if self.proc is None:
            return
        import libvirt
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return
        try:
            for dom in conn.listAllDomains(0):
                try:
                    if dom.isActive():
                        dom.destroy()
                    if dom.isPersistent():
                        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
                except libvirt.libvirtError:
                    pass
        finally:
            conn.close()

    def cleanup(self):
        self.destroy_domains()
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
