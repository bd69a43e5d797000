"""A libvirtd of a test's own, on a private socket, that the test may stop and restart.

The machine's libvirtd (qemu:///system) is shared by every test and helper:
it is never stopped. This one runs unprivileged (as ``nobody``, started with
``setpriv`` when the test runs as root) in session mode, with its home,
runtime and configuration directories in a temporary directory, so nothing
it does reaches the system daemon's state. Clients reach libvirt's built-in
test hypervisor through it: ``test+unix:///default?socket=<dir>/run/libvirt/libvirt-sock``
(domains, lifecycle events and close callbacks over a real RPC connection).
It is stopped by its PID only.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

NOBODY = 65534


class Unavailable(Exception):
    """libvirtd or setpriv is missing."""


class PrivateLibvirtd:
    def __init__(self):
        if shutil.which("libvirtd") is None:
            raise Unavailable("libvirtd is not installed (libvirt-daemon-system)")
        self.as_nobody = os.geteuid() == 0
        if self.as_nobody and shutil.which("setpriv") is None:
            raise Unavailable("setpriv is not installed (util-linux)")
        self.root = tempfile.mkdtemp(prefix="nova-libvirtd-", dir="/tmp")
        if self.as_nobody:
            os.chown(self.root, NOBODY, NOBODY)
        self.socket = os.path.join(self.root, "run", "libvirt", "libvirt-sock")
        self.uri = "test+unix:///default?socket=%s" % self.socket
        self.proc = None
        self.log = os.path.join(self.root, "libvirtd.log")

    def start(self, timeout=30):
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
               "HOME": self.root, "XDG_RUNTIME_DIR": os.path.join(self.root, "run"),
               "XDG_CONFIG_HOME": os.path.join(self.root, "config"),
               "XDG_CACHE_HOME": os.path.join(self.root, "cache"), "LANG": "C"}
        cmd = ["libvirtd", "--timeout", "0"]
        if self.as_nobody:
            cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                   "--clear-groups"] + cmd
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=log,
                                         stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                with open(self.log, errors="replace") as f:
                    raise Unavailable("private libvirtd did not start: %s" % f.read()[-800:])
            time.sleep(0.1)
        return self

    def stop(self, timeout=30):
        """Stop the daemon (SIGTERM, then SIGKILL) by its PID; idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        # A stale socket would make the next start look ready at once.
        if os.path.exists(self.socket):
            os.unlink(self.socket)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
