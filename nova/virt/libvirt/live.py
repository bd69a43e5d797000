"""The live migration steps of the libvirt driver (see migration.py for the
flags, URIs and the job).

``migrate_data`` (a dict) is filled as the steps go:

- destination check: ``filename`` (a file made in this host's instances path,
  to tell shared storage), ``instances_path``, ``target_connect_addr``
  (``[libvirt] live_migration_inbound_addr``), ``graphics_listen_addrs``,
  ``machine`` (remotefs.machine_id), ``disk_available_mb``;
- source check: ``is_shared_instance_path``, ``block_migration`` (decided when
  the caller said None / "auto"), ``source`` (where the destination copies
  read-only files from), ``source_instances_path``, ``disks`` (the disks to
  recreate on the destination) and ``memory_mb``;
- while running: ``progress`` (memory_* / disk_* bytes, see
  migration.PROGRESS_KEYS); a callable ``progress_callback`` in migrate_data
  is called with each reading.
"""

import os
import tempfile
import threading

import libvirt
from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import units

import nova.conf
from nova import exception
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import imagecache
from nova.virt.libvirt import migration
from nova.virt.libvirt import remotefs
from nova.virt.libvirt import resize
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Files copied before the guest moves: read-only ones (not block-migrated) and
# the console log so far.
_COPIED_AHEAD = ("disk.config", "kernel", "ramdisk", "console.log")


class ActiveMigrations:
    """The live migrations running on this (source) host, by instance uuid."""

    def __init__(self):
        self._jobs = {}
        self._lock = threading.Lock()

    def add(self, uuid, job):
        with self._lock:
            self._jobs[uuid] = job

    def remove(self, uuid):
        with self._lock:
            self._jobs.pop(uuid, None)

    def get(self, uuid):
        with self._lock:
            job = self._jobs.get(uuid)
        if job is None:
            raise lv_exc.MigrationError(reason="no live migration of %s is running on "
                                        "this host" % uuid)
        return job

    def progress(self, uuid):
        with self._lock:
            job = self._jobs.get(uuid)
        return dict(job.progress) if job is not None else None


def _free_mb(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize // units.Mi


def check_can_live_migrate_destination(drv, context, instance, block_migration):
    os.makedirs(CONF.instances_path, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=CONF.instances_path, prefix="lm-check-")
    os.close(fd)
    return {"filename": os.path.basename(name), "instances_path": CONF.instances_path,
            "target_connect_addr": CONF.libvirt.live_migration_inbound_addr,
            "graphics_listen_addrs": {"vnc": CONF.vnc.server_listen,
                                      "spice": CONF.spice.server_listen},
            "machine": remotefs.machine_id(), "block_migration": block_migration,
            "disk_available_mb": _free_mb(CONF.instances_path)}


def cleanup_destination_check(dest_check_data):
    name = (dest_check_data or {}).get("filename")
    if name:
        path = os.path.join(CONF.instances_path, name)
        if os.path.exists(path):
            os.unlink(path)


def _disk_bytes(disks):
    return sum(d.get("virtual_size", 0) for d in disks)


def check_can_live_migrate_source(drv, context, instance, dest_check_data):
    data = dict(dest_check_data or {})
    name = data.get("filename")
    shared = bool(name) and os.path.exists(os.path.join(CONF.instances_path, name))
    block = data.get("block_migration")
    if block is None or block == "auto":
        block = not shared
    if block and shared:
        raise lv_exc.InvalidLocalStorage(
            path=CONF.instances_path,
            reason="block migration cannot be used with shared storage")
    if not block and not shared:
        raise lv_exc.InvalidSharedStorage(
            path=CONF.instances_path,
            reason="the destination does not see this host's instances path; "
                   "use block migration")
    guest = drv.host.get_guest(instance)
    if not guest.is_active():
        raise lv_exc.MigrationPreCheckError(
            reason="instance %s is not running" % instance.uuid)
    directory = imagebackend.instance_dir(instance)
    disks = resize._disk_info(directory)
    if block:
        needed = _disk_bytes(disks) // units.Mi
        if data.get("disk_available_mb") is not None and needed > data["disk_available_mb"]:
            raise lv_exc.MigrationPreCheckError(
                reason="the destination has %s MiB free for %s MiB of disks"
                % (data["disk_available_mb"], needed))
    data.update({"is_shared_instance_path": shared, "block_migration": block,
                 "source": remotefs.source_location(directory),
                 "source_instances_path": CONF.instances_path,
                 "disks": disks, "memory_mb": guest.get_memory_mb(),
                 "files": sorted(n for n in _COPIED_AHEAD
                                 if os.path.isfile(os.path.join(directory, n)))})
    return data


def pre_live_migration(drv, context, instance, network_info, migrate_data):
    data = dict(migrate_data or {})
    directory = imagebackend.instance_dir(instance)
    data["dest_instance_dir"] = directory
    if not data.get("is_shared_instance_path"):
        if os.path.exists(os.path.join(directory, "disk")):
            raise lv_exc.MigrationError(reason="%s already holds disks" % directory)
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o755)
        remotefs.copy_files(data["source"], data.get("files", []), directory)
        for disk in data.get("disks", []):
            _create_empty_disk(drv, context, instance, directory, disk)
    libvirt_vif.plug_all(instance, network_info)
    LOG.info("Ready to receive %s live in %s", instance.uuid, directory)
    return data


def _create_empty_disk(drv, context, instance, directory, disk):
    """The disk the block migration copies into: a qcow2 overlay on this host's
    cached base (only what differs from the base is copied), or an empty file
    of the same size."""
    path = os.path.join(directory, disk["name"])
    size = str(disk["virtual_size"])
    if disk["format"] == "qcow2" and disk.get("backing_file") and instance.image_ref:
        base = drv.image_cache.fetch(context, instance.image_ref)
        fmt = imagecache.qemu_img_info(base)["format"]
        processutils.execute("qemu-img", "create", "-f", "qcow2", "-F", fmt,
                             "-b", base, path, size)
    else:
        processutils.execute("qemu-img", "create", "-f", disk["format"], path, size)


def live_migration(drv, context, instance, dest, post_method, recover_method,
                   block_migration, migrate_data):
    data = migrate_data if migrate_data is not None else {}
    if block_migration not in (True, False):
        # "auto" / None: what the source's check found (no shared instances path).
        block_migration = not data.get("is_shared_instance_path", False)
    try:
        guest = drv.host.get_guest(instance)
        uri = migration.live_migration_uri(migration.connect_address(data, dest))
        src_dir = imagebackend.instance_dir(instance)
        dest_dir = data.get("dest_instance_dir") or os.path.join(
            data.get("instances_path") or CONF.instances_path, instance.uuid)
        xml = guest.domain.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE
                                   | libvirt.VIR_DOMAIN_XML_SECURE)
        dest_xml = migration.destination_xml(xml, src_dir, dest_dir,
                                             data.get("graphics_listen_addrs"))
        flags = migration.migration_flags(block_migration)
        params = migration.migration_params(dest_xml, data, block_migration)
        disk_bytes = _disk_bytes(data.get("disks", [])) if block_migration else 0
        size = migration.data_gb(data.get("memory_mb") or guest.get_memory_mb(),
                                 disk_bytes)
        callback = data.get("progress_callback")

        def on_progress(progress):
            data["progress"] = progress
            if callable(callback):
                callback(progress)

        job = migration.LiveMigrationJob(guest.domain, uri, params, flags, size,
                                         on_progress=on_progress)
    except Exception as exc:
        # As a failed migration: the guest stays here, the manager's
        # recover method rolls back (and records the error).
        LOG.exception("Cannot start the live migration of %s to %s", instance.uuid, dest)
        data["error"] = str(exc)
        data["aborted"] = False
        recover_method(context, instance, dest, migrate_data)
        return
    LOG.info("Live migrating %s to %s (%s, flags %#x)", instance.uuid, dest, uri, flags)
    drv.active_migrations.add(instance.uuid, job)
    try:
        error = job.run()
    finally:
        drv.active_migrations.remove(instance.uuid)
    data["progress"] = dict(job.progress)
    if error is None:
        LOG.info("Instance %s now runs on %s", instance.uuid, dest)
        post_method(context, instance, dest, block_migration, migrate_data)
        return
    LOG.error("Live migration of %s to %s failed: %s", instance.uuid, dest, error)
    data["error"] = str(error)
    data["aborted"] = job.aborted
    recover_method(context, instance, dest, migrate_data)


def post_live_migration(drv, context, instance, migrate_data):
    """On the source: the guest runs on the destination; its files here go
    unless the instances path is shared."""
    data = migrate_data or {}
    if not data.get("is_shared_instance_path", True):
        imagebackend.delete_instance_files(instance)


def post_live_migration_at_source(drv, context, instance, network_info):
    try:
        guest = drv.host.get_guest(instance)
    except exception.InstanceNotFound:
        guest = None
    if guest is not None and not guest.is_active():
        # Left defined (UNDEFINE_SOURCE not honoured) and not the
        # destination's own definition on a shared libvirt.
        resize._undefine_if_ours(drv, instance)
    libvirt_vif.unplug_all(instance, network_info)


def post_live_migration_at_destination(drv, context, instance, network_info):
    guest = drv.host.get_guest(instance)
    if not guest.domain.isPersistent():
        drv.host.write_instance_config(guest.get_xml_desc())
    LOG.info("Instance %s is a guest of this host now", instance.uuid)


def rollback_at_destination(drv, context, instance, network_info, destroy_disks,
                            migrate_data):
    data = migrate_data or {}
    try:
        guest = drv.host.get_guest(instance)
    except exception.InstanceNotFound:
        guest = None
    if guest is not None and not _is_source_guest(guest, data):
        guest.poweroff()
        guest.delete_configuration()
    libvirt_vif.unplug_all(instance, network_info)
    if destroy_disks and not data.get("is_shared_instance_path"):
        imagebackend.delete_instance_files(instance)


def _is_source_guest(guest, data):
    """On one libvirt for both hosts, the domain found is the source's."""
    src = (data.get("source") or {}).get("path")
    if not src:
        return False
    prefix = src.rstrip(os.sep) + os.sep
    return any(p and p.startswith(prefix) for _d, p, _f in guest.get_disks())
