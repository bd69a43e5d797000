"""The vCenter simulator (tools/vcsim) for the VMware driver's tests.

    sim = vcsim.start()              # built if needed, on a free loopback port
    si = sim.connect()               # a pyVmomi ServiceInstance of our own
    ...
    sim.stop()                       # by PID; its datastore directories go too

Skips (fails under CI) when Go or govmomi's source is missing.
"""

import glob
import os
import shutil
import subprocess
import time

from tests.integration import nova_procs
from tests import realparts

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(REPO, "tools", "vcsim", "build.sh")
CLUSTER = "DC0_C0"
DATASTORE = "LocalDS_0"
PORT_GROUP = "DC0_DVPG0"


def binary():
    """The simulator binary (built and cached by tools/vcsim/build.sh)."""
    try:
        import pyVmomi  # noqa: F401
    except ImportError:
        realparts.missing("pyvmomi is not installed")
    if shutil.which("go") is None:
        realparts.missing("golang-go is not installed (the vCenter simulator is built with it)")
    result = subprocess.run([BUILD], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        realparts.missing("cannot build the vCenter simulator: %s" % result.stderr[-2000:])
    return result.stdout.strip().splitlines()[-1]


class Simulator:
    def __init__(self, path, username="nova", password="secret", hosts=3):
        self.username, self.password = username, password
        self.port = nova_procs.free_port()
        self._before = set(glob.glob("/tmp/govcsim-*"))
        self.proc = subprocess.Popen(
            [path, "-listen", "127.0.0.1:%d" % self.port, "-username", username,
             "-password", password, "-hosts", str(hosts)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.stop()
            raise AssertionError("the vCenter simulator did not start: %r" % line)
        self.url = line.split()[1]
        self.tempdirs = set(glob.glob("/tmp/govcsim-*")) - self._before

    def options(self):
        """The [vmware] options of a compute managing the simulator's cluster."""
        return {"host_ip": "127.0.0.1", "host_port": self.port,
                "host_username": self.username, "host_password": self.password,
                "insecure": "true", "cluster_name": CLUSTER, "port_group": PORT_GROUP,
                "task_poll_interval": 0.05, "api_retry_count": 2}

    def connect(self):
        from pyVim import connect
        return connect.SmartConnect(host="127.0.0.1", port=self.port, user=self.username,
                                    pwd=self.password, disableSslCertValidation=True)

    def vms(self, si=None):
        """{name: VirtualMachine} of every VM."""
        from pyVmomi import vim
        si = si or self.connect()
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder,
                                                       [vim.VirtualMachine], True)
        try:
            return {vm.name: vm for vm in view.view}
        finally:
            view.Destroy()

    def datastore_dir(self):
        found = [d for d in self.tempdirs if d.endswith(DATASTORE) or DATASTORE in d]
        return sorted(found)[0] if found else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        time.sleep(0.1)
        for d in self.tempdirs:
            shutil.rmtree(d, ignore_errors=True)


def start(**kwargs):
    return Simulator(binary(), **kwargs)
