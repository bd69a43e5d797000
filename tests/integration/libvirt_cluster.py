"""A BootCluster whose compute runs real guests: the libvirt driver on qemu:///system.

Shared by tests/integration/test_libvirt_cli.py and benchmarks/libvirt_boot.py:

    guest = libvirt_cluster.require()           # skip/fail reasons, the test guest
    run = libvirt_cluster.Run()                 # names and work directory of this run
    cluster = boot_cluster.BootCluster(run.workdir, dbs, vhost.url,
                                       compute_hosts=("lvcompute",),
                                       extra=run.extra(), compute_extra=run.compute_extra())
    ...
    run.cleanup()                               # domains, bridge, work directory

Domains are named after the run (``instance_name_template``), the flat
network's bridge too, so parallel runs on one libvirtd never meet.
"""

import os
import shutil
import subprocess
import tempfile
import uuid

from tests import libvirt_guest
from tests import realparts

try:
    import libvirt
except ImportError:     # pragma: no cover - reported by require()
    libvirt = None

URI = "qemu:///system"


def require():
    """The test guest, or skip (fail under CI) with what is missing."""
    if libvirt is None:
        realparts.missing("libvirt-python is not installed")
    for tool, package in (("qemu-system-x86_64", "qemu-system-x86"),
                          ("qemu-img", "qemu-utils")):
        if shutil.which(tool) is None:
            realparts.missing("%s is not installed" % package)
    if not os.path.exists("/var/run/libvirt/libvirt-sock"):
        realparts.missing("libvirtd is not running (start it with `libvirtd -d`)")
    if os.geteuid() != 0:
        realparts.missing("real guests through the whole stack need root (%s)" % URI)
    try:
        return libvirt_guest.build()
    except libvirt_guest.GuestUnavailable as exc:
        realparts.missing("cannot build the test guest: %s" % exc)


class Run:
    """Names, directories and clean-up of one deployment with real guests."""

    def __init__(self, prefix="nova-lv-"):
        self.tag = uuid.uuid4().hex[:6]
        # Under /var/tmp, where the QEMU user can read the disks (pytest's are 0700).
        self.workdir = tempfile.mkdtemp(prefix=prefix, dir="/var/tmp")
        os.chmod(self.workdir, 0o755)
        self.instances_path = os.path.join(self.workdir, "instances")
        self.bridge = "brlv" + self.tag
        self.domain_prefix = "nvlv%s-" % self.tag

    def extra(self):
        """Options of every daemon."""
        return {"DEFAULT": {"instance_name_template": self.domain_prefix + "%08x"},
                "flat_network": {"bridge": self.bridge}}

    def compute_extra(self, cache_age=5, cache_interval=3):
        """Options of the nova-compute: the libvirt driver with QEMU (TCG), VNC on
        loopback, and an image cache pass every ``cache_interval`` s that drops
        bases unused for ``cache_age`` s."""
        return {
            "DEFAULT": {"compute_driver": "libvirt.LibvirtDriver",
                        "instances_path": self.instances_path,
                        "reboot_timeout": 90},
            "libvirt": {"virt_type": "qemu", "connection_uri": URI},
            "vnc": {"enabled": "true", "server_listen": "127.0.0.1",
                    "server_proxyclient_address": "127.0.0.1"},
            "image_cache": {"manager_interval": cache_interval,
                            "remove_unused_original_minimum_age_seconds": cache_age},
        }

    def console_log(self, server_id):
        return os.path.join(self.instances_path, server_id, "console.log")

    def domains(self):
        """Names of this run's libvirt domains."""
        conn = libvirt.open(URI)
        try:
            return [d.name() for d in conn.listAllDomains(0)
                    if d.name().startswith(self.domain_prefix)]
        finally:
            conn.close()

    def remove_domains(self):
        """Whatever a failed run left: this run's domains, by name."""
        conn = libvirt.open(URI)
        try:
            for dom in conn.listAllDomains(0):
                if dom.name().startswith(self.domain_prefix):
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        finally:
            conn.close()

    def cleanup(self):
        try:
            self.remove_domains()
        finally:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
            shutil.rmtree(self.workdir, ignore_errors=True)


def upload_guest(cluster, guest, root_size="16M"):
    """Kernel (aki), ramdisk (ari) and machine (ami) images of ``guest`` through the
    image API (REST); {"kernel", "ramdisk", "machine"}: image ids."""
    ids = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root.img")
        subprocess.run(["qemu-img", "create", "-q", "-f", "raw", root, root_size],
                       check=True)
        for role, path, fmt, props in (
                ("kernel", guest.kernel, "aki", {}),
                ("ramdisk", guest.initrd, "ari", {}),
                ("machine", root, "ami", None)):
            if props is None:
                props = {"kernel_id": ids["kernel"], "ramdisk_id": ids["ramdisk"],
                         "os_command_line": guest.cmdline}
            status, image = cluster.images.request("POST", "/v2/images", dict(
                name="lv-" + role, disk_format=fmt, container_format=fmt,
                visibility="public", **props))
            assert status == 201, image
            with open(path, "rb") as f:
                status, body = cluster.images.request(
                    "PUT", "/v2/images/%s/file" % image["id"], raw=f.read(),
                    headers={"Content-Type": "application/octet-stream"})
            assert status == 204, body
            ids[role] = image["id"]
    return ids
