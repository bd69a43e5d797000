"""A bootable test guest built from Debian packages at test time (never committed).

- kernel: ``boot/vmlinuz-*`` of the package ``linux-image-amd64`` depends on
  (``apt-get download`` + ``dpkg-deb -x``);
- initramfs: busybox-static and an ``/init`` script that mounts proc, sys and
  devtmpfs and writes ``MARKER`` to the first serial port, then a heartbeat
  line every few seconds; packed with cpio (newc) and gzip.

Both are cached under ``$NOVA_TEST_CACHE`` (default ``~/.cache/nova-tests``) in a
directory named after the kernel package and its version, so a second run
builds nothing. ``build()`` returns a ``TestGuest`` (paths and the marker) or
raises ``GuestUnavailable`` with the reason (no apt, no busybox...).
"""

import glob
import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile

MARKER = "NOVA-TEST-GUEST-BOOTED"
POWER_BUTTON = "NOVA-TEST-GUEST-POWER-BUTTON"
# Bump when the guest's contents change, so cached builds are not reused.
RECIPE = "2"
MODULES = ("kernel/drivers/input/evdev.ko", "kernel/drivers/acpi/button.ko")

ACPI_HANDLER = """#!/bin/sh
echo "%s" > /dev/ttyS0
sync
poweroff -f
""" % POWER_BUTTON

INIT = """#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
# The ACPI power button (a clean shutdown or soft reboot asked by libvirt) powers off.
insmod /lib/modules/evdev.ko 2>/dev/null
insmod /lib/modules/button.ko 2>/dev/null
acpid -c /etc/acpi -l /dev/null
# A shell on the serial port (the serial console proxy's tests type into it),
# and the marker on the screen (the VNC/SPICE consoles' tests look at it).
(while true; do sh -i </dev/ttyS0 >/dev/ttyS0 2>&1; done) &
echo "%(marker)s" > /dev/tty0 2>/dev/null
echo "%(marker)s uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
while true; do
    sleep 5
    echo "heartbeat $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
done
""" % {"marker": MARKER}


class GuestUnavailable(Exception):
    """The test guest cannot be built on this machine."""


class TestGuest:
    def __init__(self, kernel, initrd, version):
        self.kernel, self.initrd, self.version = kernel, initrd, version
        self.marker = MARKER
        self.power_button = POWER_BUTTON
        self.cmdline = "console=ttyS0 panic=-1 quiet"


def _run(*cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True,
                              text=True).stdout
    except FileNotFoundError as exc:
        raise GuestUnavailable("%s is not installed" % cmd[0]) from exc
    except subprocess.CalledProcessError as exc:
        raise GuestUnavailable("%s failed: %s" % (" ".join(cmd), exc.stderr.strip()[-500:]))


def kernel_package():
    """(package, version) of the kernel linux-image-amd64 depends on."""
    package = None
    for line in _run("apt-cache", "depends", "linux-image-amd64").splitlines():
        line = line.strip()
        if line.startswith("Depends:") and "linux-image-" in line:
            package = line.split(":", 1)[1].strip()
            break
    if package is None:
        raise GuestUnavailable("apt knows no linux-image-amd64 (run apt-get update)")
    version = None
    for line in _run("apt-cache", "show", "--no-all-versions", package).splitlines():
        if line.startswith("Version:"):
            version = line.split(":", 1)[1].strip()
            break
    return package, version or "unknown"


def cache_root():
    return os.environ.get("NOVA_TEST_CACHE",
                          os.path.join(os.path.expanduser("~"), ".cache", "nova-tests"))


def _build_kernel(package, target):
    with tempfile.TemporaryDirectory() as tmp:
        _run("apt-get", "download", package, cwd=tmp)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if not debs:
            raise GuestUnavailable("apt-get download %s gave no package" % package)
        _run("dpkg-deb", "-x", debs[0], os.path.join(tmp, "x"))
        kernels = glob.glob(os.path.join(tmp, "x", "boot", "vmlinuz-*"))
        if not kernels:
            raise GuestUnavailable("%s holds no boot/vmlinuz-*" % package)
        for module in MODULES:
            found = glob.glob(os.path.join(tmp, "x", "lib", "modules", "*", module))
            if found:   # optional: without them the guest ignores the ACPI button
                shutil.copyfile(found[0], os.path.join(os.path.dirname(target),
                                                       os.path.basename(module)))
        shutil.copyfile(kernels[0], target + ".part")
        os.rename(target + ".part", target)


def _is_static(path):
    """Whether ``path`` is a statically linked executable (ldd refuses it)."""
    result = subprocess.run(["ldd", path], capture_output=True, text=True)
    return result.returncode != 0 or "not a dynamic executable" in result.stdout + result.stderr


def _build_initrd(target, modules_dir):
    busybox = shutil.which("busybox")
    if busybox is None or not _is_static(busybox):
        raise GuestUnavailable("busybox-static is not installed")
    if shutil.which("cpio") is None:
        raise GuestUnavailable("cpio is not installed")
    with tempfile.TemporaryDirectory() as root:
        for d in ("bin", "dev", "proc", "sys", "tmp", "lib/modules", "etc/acpi/PWRF"):
            os.makedirs(os.path.join(root, d))
        for module in MODULES:
            path = os.path.join(modules_dir, os.path.basename(module))
            if os.path.exists(path):
                shutil.copyfile(path, os.path.join(root, "lib", "modules",
                                                   os.path.basename(module)))
        handler = os.path.join(root, "etc", "acpi", "PWRF", "00000080")
        with open(handler, "w") as f:
            f.write(ACPI_HANDLER)
        os.chmod(handler, 0o755)
        shutil.copyfile(busybox, os.path.join(root, "bin", "busybox"))
        os.chmod(os.path.join(root, "bin", "busybox"), 0o755)
        os.symlink("busybox", os.path.join(root, "bin", "sh"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        files = subprocess.run(["find", "."], cwd=root, check=True, capture_output=True
                               ).stdout
        archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                                 input=files, check=True, capture_output=True).stdout
    with open(target + ".part", "wb") as f:
        f.write(gzip.compress(archive, 9))
    os.rename(target + ".part", target)


def build():
    """The cached test guest, built first if needed."""
    package, version = kernel_package()
    # The digest of the guest's scripts: a changed init is a new build even
    # where RECIPE was not bumped.
    scripts = hashlib.sha256((INIT + ACPI_HANDLER).encode()).hexdigest()[:8]
    directory = os.path.join(cache_root(), "libvirt-guest",
                             "%s_%s_r%s_%s" % (package, version, RECIPE, scripts))
    os.makedirs(directory, exist_ok=True)
    kernel = os.path.join(directory, "vmlinuz")
    initrd = os.path.join(directory, "initrd.gz")
    if not os.path.exists(kernel):
        _build_kernel(package, kernel)
    if not os.path.exists(initrd):
        _build_initrd(initrd, directory)
    return TestGuest(kernel, initrd, version)
