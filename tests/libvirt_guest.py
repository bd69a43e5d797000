"""A bootable test guest built from Debian packages at test time (never committed).

- kernel: ``boot/vmlinuz-*`` of the package ``linux-image-amd64`` depends on
  (``apt-get download`` + ``dpkg-deb -x``);
- initramfs: busybox-static and an ``/init`` script that mounts proc, sys and
  devtmpfs and writes ``MARKER`` to the first serial port, then a heartbeat
  line every few seconds; packed with cpio (newc) and gzip.
- config drive: after the marker, init loads the kernel modules that read a
  cdrom or disk (ata_piix, ahci, sr_mod, virtio_blk, isofs, vfat and what they
  depend on, from the same kernel package, in dependency order read from each
  module's ``depends=``), looks for a file system labelled ``config-2``
  (busybox ``findfs``), mounts it read-only and prints
  ``CONFIG-DRIVE uuid=<uuid of openstack/latest/meta_data.json>`` and
  ``USER-DATA <first line of openstack/latest/user_data>`` (or
  ``CONFIG-DRIVE none`` when it finds none). The marker comes first, so a
  guest without a config drive boots as fast as one without these modules.

Both are cached under ``$NOVA_TEST_CACHE`` (default ``~/.cache/nova-tests``) in a
directory named after the kernel package and its version, so a second run
builds nothing. ``build()`` returns a ``TestGuest`` (paths and the marker) or
raises ``GuestUnavailable`` with the reason (no apt, no busybox...).
"""

import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

MARKER = "NOVA-TEST-GUEST-BOOTED"
POWER_BUTTON = "NOVA-TEST-GUEST-POWER-BUTTON"
# Console lines about the config drive (see the module docstring):
# "CONFIG-DRIVE uuid=<uuid>", "USER-DATA <first line>", "CONFIG-DRIVE none".
CONFIG_DRIVE_PREFIX = "CONFIG-DRIVE uuid="
USER_DATA_PREFIX = "USER-DATA "
NO_CONFIG_DRIVE = "CONFIG-DRIVE none"
# Bump when the guest's contents change, so cached builds are not reused.
RECIPE = "3"
MODULES = ("kernel/drivers/input/evdev.ko", "kernel/drivers/acpi/button.ko")
# The modules that read a config drive; their dependencies are added.
DRIVE_MODULES = ("ata_piix", "ahci", "sr_mod", "isofs", "virtio_pci", "virtio_blk",
                 "vfat", "nls_cp437", "nls_ascii", "nls_utf8")
DRIVE_MODULES_DIR = "drive-modules"

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
# The config drive: load the block and file system drivers, find config-2.
for m in $(cat /lib/modules/drive/order 2>/dev/null); do
    insmod /lib/modules/drive/$m.ko 2>/dev/null
done
dev=""
i=0
while [ -z "$dev" ] && [ $i -lt 60 ]; do
    dev=$(findfs LABEL=config-2 2>/dev/null || findfs LABEL=CONFIG-2 2>/dev/null)
    [ -n "$dev" ] || sleep 0.5
    i=$((i+1))
done
if [ -n "$dev" ]; then
    mkdir -p /mnt/config
    mount -o ro -t iso9660 "$dev" /mnt/config 2>/dev/null || \\
        mount -o ro -t vfat "$dev" /mnt/config
    md=/mnt/config/openstack/latest/meta_data.json
    uuid=$(sed -n 's/.*"uuid": *"\\([^"]*\\)".*/\\1/p' $md)
    echo "%(config_drive)s$uuid" > /dev/ttyS0
    if [ -f /mnt/config/openstack/latest/user_data ]; then
        echo "%(user_data)s$(head -n 1 /mnt/config/openstack/latest/user_data)" > /dev/ttyS0
    fi
    umount /mnt/config
else
    echo "%(no_drive)s" > /dev/ttyS0
fi
while true; do
    sleep 5
    echo "heartbeat $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
done
""" % {"marker": MARKER, "config_drive": CONFIG_DRIVE_PREFIX,
       "user_data": USER_DATA_PREFIX, "no_drive": NO_CONFIG_DRIVE}


class GuestUnavailable(Exception):
    """The test guest cannot be built on this machine."""


class TestGuest:
    def __init__(self, kernel, initrd, version):
        self.kernel, self.initrd, self.version = kernel, initrd, version
        self.marker = MARKER
        self.power_button = POWER_BUTTON
        self.config_drive_prefix = CONFIG_DRIVE_PREFIX
        self.user_data_prefix = USER_DATA_PREFIX
        self.cmdline = "console=ttyS0 panic=-1 quiet"


def _run(*cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True,
                              text=True).stdout
    except FileNotFoundError as exc:
        raise GuestUnavailable("%s is not installed" % cmd[0]) from exc
    except subprocess.CalledProcessError as exc:
        raise GuestUnavailable("%s failed: %s" % (" ".join(cmd), exc.stderr.strip()[-500:]))


# What apt's package lists were when kernel_package() last asked: two
# apt-cache processes (seconds of CPU) per test module otherwise.
APT_STATE = ("/var/lib/apt/lists", "/var/cache/apt/pkgcache.bin", "/var/lib/dpkg/status")


def _apt_stamp():
    return [os.path.getmtime(p) if os.path.exists(p) else None for p in APT_STATE]


def kernel_package():
    """(package, version) of the kernel linux-image-amd64 depends on; apt's
    answer is kept beside the cached guests until apt's lists change."""
    memo = os.path.join(cache_root(), "libvirt-guest", "kernel-package.json")
    stamp = _apt_stamp()
    try:
        with open(memo) as f:
            kept = json.load(f)
        if kept["apt"] == stamp:
            return kept["package"], kept["version"]
    except (OSError, ValueError, KeyError):
        pass
    package, version = _ask_apt()
    os.makedirs(os.path.dirname(memo), exist_ok=True)
    with open(memo + ".part", "w") as f:
        json.dump({"apt": stamp, "package": package, "version": version}, f)
    os.replace(memo + ".part", memo)
    return package, version


def _ask_apt():
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
        trees = glob.glob(os.path.join(tmp, "x", "lib", "modules", "*", "kernel"))
        if trees:
            _copy_drive_modules(trees[0], os.path.join(os.path.dirname(target),
                                                       DRIVE_MODULES_DIR))
        shutil.copyfile(kernels[0], target + ".part")
        os.rename(target + ".part", target)


def _module_name(filename):
    return filename.split(".ko")[0].replace("-", "_")


def _module_depends(path):
    """The modules ``path`` needs loaded first (its modinfo ``depends=``)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        import lzma
        data = lzma.decompress(data)
    match = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
    if not match:
        return []
    return [_module_name(d) for d in match.group(1).decode().split(",") if d]


def module_load_order(kernel_tree, wanted):
    """[(name, path)] of ``wanted`` modules and their dependencies, dependencies
    first; modules built into the kernel (no file) are left out."""
    paths = {}
    for root, _dirs, files in os.walk(kernel_tree):
        for name in files:
            if name.endswith((".ko", ".ko.xz")):
                paths[_module_name(name)] = os.path.join(root, name)
    order = []

    def visit(name, seen=()):
        if name in order or name not in paths or name in seen:
            return
        for dep in _module_depends(paths[name]):
            visit(dep, seen + (name,))
        order.append(name)

    for name in wanted:
        visit(name)
    return [(name, paths[name]) for name in order]


def _copy_drive_modules(kernel_tree, target_dir):
    """Copy the config drive's modules (uncompressed) and their load order."""
    os.makedirs(target_dir, exist_ok=True)
    order = module_load_order(kernel_tree, DRIVE_MODULES)
    for name, path in order:
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".xz"):
            import lzma
            data = lzma.decompress(data)
        with open(os.path.join(target_dir, name + ".ko"), "wb") as f:
            f.write(data)
    with open(os.path.join(target_dir, "order"), "w") as f:
        f.write("\n".join(name for name, _path in order) + "\n")


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
        for d in ("bin", "dev", "proc", "sys", "tmp", "mnt", "lib/modules",
                  "etc/acpi/PWRF"):
            os.makedirs(os.path.join(root, d))
        drive_modules = os.path.join(modules_dir, DRIVE_MODULES_DIR)
        if os.path.isdir(drive_modules):
            shutil.copytree(drive_modules, os.path.join(root, "lib", "modules", "drive"))
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
