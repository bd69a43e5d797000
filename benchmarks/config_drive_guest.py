"""Boot time of the test guest with and without a config drive (QEMU under libvirtd).

    python benchmarks/config_drive_guest.py [--runs N] [--initrd OTHER_INITRD.gz]

Boots tests/libvirt_guest.py's guest (direct kernel boot, serial log) on
qemu:///system one at a time: without a config drive, and with an ISO 9660
config drive (IDE cdrom) written by nova.virt.configdrive. For each run it
prints the guest's own uptime when it printed the boot marker (less
sensitive to the host's load than wall time), the wall seconds from start to
the marker, and to the ``CONFIG-DRIVE`` line. ``--initrd`` adds runs of
another initramfs with the same kernel (e.g. an older recipe's, to compare).
Needs root and a running libvirtd.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
import uuid as uuidlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import libvirt  # noqa: E402

from tests import libvirt_guest  # noqa: E402

DOMAIN = """<domain type='qemu'>
  <name>{name}</name><uuid>{uuid}</uuid><memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd>
      <cmdline>{cmdline}</cmdline></os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>{cdrom}
    <serial type='pty'><log file='{log}' append='on'/><target port='0'/></serial>
  </devices>
</domain>"""
CDROM = """<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='{path}'/><target dev='hdd' bus='ide'/><readonly/></disk>"""


def _wait_for(log, pattern, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                match = re.search(pattern, f.read())
            if match:
                return match
        time.sleep(0.1)
    return None


def boot(conn, workdir, kernel, initrd, cmdline, drive=None, line_timeout=60):
    uuid = str(uuidlib.uuid4())
    log = os.path.join(workdir, uuid + ".log")
    xml = DOMAIN.format(name="cdbench-" + uuid[:8], uuid=uuid, kernel=kernel,
                        initrd=initrd, cmdline=cmdline, log=log,
                        cdrom=CDROM.format(path=drive) if drive else "")
    started = time.monotonic()
    dom = conn.createXML(xml, 0)
    try:
        marker = _wait_for(log, re.escape(libvirt_guest.MARKER) + r" uptime=([\d.]+)")
        to_marker = time.monotonic() - started
        line = _wait_for(log, r"CONFIG-DRIVE (uuid=\S+|none)", timeout=line_timeout) \
            if line_timeout else None
        to_line = time.monotonic() - started
        return {"guest_uptime_at_marker": float(marker.group(1)) if marker else None,
                "wall_to_marker": to_marker,
                "wall_to_config_drive_line": to_line if line else None,
                "line": line.group(0) if line else None, "uuid": uuid}
    finally:
        dom.destroy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--initrd", help="another initramfs to compare (no drive)")
    args = parser.parse_args()
    guest = libvirt_guest.build()
    from nova.virt import configdrive
    workdir = tempfile.mkdtemp(prefix="cdbench-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    conn = libvirt.open("qemu:///system")
    try:
        # Copies the QEMU user can read (the cache is under root's home).
        for name in ("kernel", "initrd"):
            copy = os.path.join(workdir, name)
            shutil.copyfile(getattr(guest, name), copy)
            os.chmod(copy, 0o644)
            setattr(guest, name, copy)
        initrds = [("recipe %s" % libvirt_guest.RECIPE, guest.initrd)]
        if args.initrd:
            shutil.copyfile(args.initrd, os.path.join(workdir, "other-initrd.gz"))
            os.chmod(os.path.join(workdir, "other-initrd.gz"), 0o644)
            initrds.append(("other", os.path.join(workdir, "other-initrd.gz")))
        for _run in range(args.runs):
            for label, initrd in initrds:
                r = boot(conn, workdir, guest.kernel, initrd, guest.cmdline,
                         line_timeout=60 if label != "other" else 0)
                print("%-10s no drive: guest uptime at marker %.2fs, wall to marker "
                      "%.1fs, %s after %.1fs" % (label, r["guest_uptime_at_marker"],
                                                 r["wall_to_marker"], r["line"],
                                                 r["wall_to_config_drive_line"] or -1))
            drive = os.path.join(workdir, "disk.config")
            with configdrive.ConfigDriveBuilder() as builder:
                builder.add_file("openstack/latest/meta_data.json",
                                 '{"uuid": "bench-uuid"}')
                builder.add_file("openstack/latest/user_data", "#!/bin/sh bench\n")
                builder.make_drive(drive, "iso9660")
            os.chmod(drive, 0o644)
            r = boot(conn, workdir, guest.kernel, guest.initrd, guest.cmdline, drive)
            print("%-10s drive:    guest uptime at marker %.2fs, wall to marker %.1fs, "
                  "%s after %.1fs" % ("recipe " + libvirt_guest.RECIPE,
                                      r["guest_uptime_at_marker"], r["wall_to_marker"],
                                      r["line"], r["wall_to_config_drive_line"] or -1))
    finally:
        conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
