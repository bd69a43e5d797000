"""Copying an instance's files between hosts during a move.

A source is described by ``source_location()``: the machine it runs on (its
host name and boot id, so two compute services on one machine recognise each
other whatever their instances paths), its address and a directory. When
the source is this machine the files are copied locally (sparse: raw disks
stay thin); otherwise they are pulled over ssh with scp or rsync
(``[libvirt] remote_filesystem_transport``), which needs the compute hosts
to trust each other's ssh keys, as upstream's resize does.
"""

import os
import shutil
import socket

from oslo_concurrency import processutils
from oslo_log import log as logging

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def machine_id():
    """Who this machine is: host name and boot id (the same for every service
    on it, different on another machine or after a reboot)."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
    except OSError:
        boot = ""
    return "%s/%s" % (socket.gethostname(), boot)


def source_location(directory):
    """How another host reaches ``directory`` of this one."""
    return {"machine": machine_id(), "host": CONF.my_ip or CONF.host,
            "path": directory}


def is_local(location):
    return location.get("machine") == machine_id()


def copy_file(location, name, target):
    """Copy the file ``name`` of the source ``location`` to the local ``target``."""
    source = os.path.join(location["path"], name)
    if is_local(location):
        processutils.execute("cp", "--sparse=always", "-p", source, target)
        return
    remote = "%s:%s" % (location["host"], source)
    if CONF.libvirt.remote_filesystem_transport == "rsync":
        processutils.execute("rsync", "--sparse", "--compress", "-t", "-e", "ssh",
                             remote, target)
    else:
        processutils.execute("scp", "-q", "-o", "BatchMode=yes", remote, target)


def copy_files(location, names, target_dir):
    """Copy the files ``names`` of ``location`` into ``target_dir`` (made if needed)."""
    os.makedirs(target_dir, exist_ok=True)
    os.chmod(target_dir, 0o755)
    for name in names:
        LOG.debug("Copying %s from %s to %s", name, location, target_dir)
        copy_file(location, name, os.path.join(target_dir, name))


def remove_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
