"""Live migration of a libvirt guest, peer to peer.

The pure part (flags, URIs, parameters, the destination's XML, the downtime
steps) is computed here from ``[libvirt] live_migration_*`` and the
``migrate_data`` the two hosts exchanged; ``LiveMigrationJob`` runs one
migration: ``virDomainMigrateToURI3`` in a thread of its own while the
caller's thread watches the job (progress, downtime steps, completion
timeout, force-complete and abort requests).

The source's libvirtd connects to the destination's (``qemu+<scheme>://
<dest>/system``, or ``live_migration_uri``) and QEMU streams the guest to
``tcp://<live_migration_inbound_addr>`` unless tunnelled. Without shared
instance paths the disks go too (``VIR_MIGRATE_NON_SHARED_INC``: copied by
libvirt over NBD into the overlays pre_live_migration made on the
destination); read-only disks such as the config drive are copied before
(pre_live_migration).
"""

import os
import threading
import time
from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging
from oslo_utils import netutils
from oslo_utils import units

import nova.conf
from nova.virt.libvirt import exception as lv_exc

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_URIS = {"kvm": "qemu+%(scheme)s://%(dest)s/system",
         "qemu": "qemu+%(scheme)s://%(dest)s/system",
         "parallels": "vz+%(scheme)s://%(dest)s/system"}

# Progress keys of migrate_data["progress"] (the Migration's fields).
PROGRESS_KEYS = ("memory_total", "memory_processed", "memory_remaining",
                 "disk_total", "disk_processed", "disk_remaining")


def connect_address(migrate_data, dest):
    """Where the source reaches the destination: its inbound address, else ``dest``."""
    return (migrate_data or {}).get("target_connect_addr") or dest


def live_migration_uri(dest):
    """The libvirt URI of the destination host ``dest`` (an address or name)."""
    dest = netutils.escape_ipv6(dest)
    if CONF.libvirt.live_migration_uri:
        return CONF.libvirt.live_migration_uri % dest
    template = _URIS.get(CONF.libvirt.virt_type)
    if template is None:
        raise lv_exc.LiveMigrationURINotAvailable(virt_type=CONF.libvirt.virt_type)
    return template % {"scheme": CONF.libvirt.live_migration_scheme or "tcp", "dest": dest}


def migrate_uri(migrate_data):
    """The address QEMU streams to (None: libvirt's choice, or tunnelled)."""
    addr = (migrate_data or {}).get("target_connect_addr")
    if not addr or CONF.libvirt.live_migration_tunnelled:
        return None
    return "tcp://%s" % netutils.escape_ipv6(addr)


def migration_flags(block_migration, post_copy_supported=True):
    """The virDomainMigrateFlags of a live migration with the configured options."""
    flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
             | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
    if block_migration:
        flags |= libvirt.VIR_MIGRATE_NON_SHARED_INC
    if CONF.libvirt.live_migration_tunnelled:
        flags |= libvirt.VIR_MIGRATE_TUNNELLED
    if CONF.libvirt.live_migration_with_native_tls:
        flags |= libvirt.VIR_MIGRATE_TLS
    post_copy = CONF.libvirt.live_migration_permit_post_copy and post_copy_supported
    if post_copy:
        flags |= libvirt.VIR_MIGRATE_POSTCOPY
    elif CONF.libvirt.live_migration_permit_auto_converge:
        flags |= libvirt.VIR_MIGRATE_AUTO_CONVERGE
    return flags


def migratable_disks(domain_xml):
    """Target devices of the writable file disks (what NBD copies): read-only
    ones such as a config drive cdrom are copied beforehand."""
    root = ElementTree.fromstring(domain_xml)
    devs = []
    for disk in root.findall("devices/disk"):
        if disk.get("device") not in (None, "disk") or disk.find("readonly") is not None:
            continue
        if disk.find("source") is None:
            continue
        devs.append(disk.find("target").get("dev"))
    return devs


def destination_xml(domain_xml, src_dir, dest_dir, graphics_listen=None):
    """The domain XML for the destination: files under the source's instance
    directory moved to the destination's (separate instances paths), consoles
    listening where the destination wants."""
    root = ElementTree.fromstring(domain_xml)
    if src_dir != dest_dir:
        prefix = src_dir.rstrip(os.sep) + os.sep
        for el in root.iter():
            for attr in ("file", "path"):
                value = el.get(attr)
                if value and value.startswith(prefix):
                    el.set(attr, os.path.join(dest_dir, value[len(prefix):]))
            if el.tag in ("kernel", "initrd") and el.text and el.text.startswith(prefix):
                el.text = os.path.join(dest_dir, el.text[len(prefix):])
    for kind, addr in (graphics_listen or {}).items():
        if not addr:
            continue
        for graphics in root.findall("devices/graphics"):
            if graphics.get("type") == kind:
                graphics.set("listen", addr)
                for listen in graphics.findall("listen"):
                    if listen.get("type") == "address":
                        listen.set("address", addr)
    return ElementTree.tostring(root, encoding="unicode")


def migration_params(dest_xml, migrate_data, block_migration):
    params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: dest_xml,
              libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: dest_xml}
    uri = migrate_uri(migrate_data)
    if uri:
        params[libvirt.VIR_MIGRATE_PARAM_URI] = uri
    if CONF.libvirt.live_migration_bandwidth:
        params[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = CONF.libvirt.live_migration_bandwidth
    if block_migration:
        params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = migratable_disks(dest_xml)
    return params


def data_gb(memory_mb, disk_bytes=0):
    """GiB to move (at least 2, as the delays and timeouts scale with it)."""
    return max(2.0, memory_mb / 1024.0 + disk_bytes / float(units.Gi))


def downtime_steps(data_size_gb):
    """[(seconds after the start, allowed downtime ms)]: from
    downtime/steps up to live_migration_downtime in equal steps, one every
    live_migration_downtime_delay s per GiB."""
    downtime = CONF.libvirt.live_migration_downtime
    steps = CONF.libvirt.live_migration_downtime_steps
    delay = int(CONF.libvirt.live_migration_downtime_delay * data_size_gb)
    base = downtime / steps
    increment = (downtime - base) / steps
    return [(delay * i, int(base + increment * i)) for i in range(steps + 1)]


def completion_timeout(data_size_gb):
    """Seconds after which the timeout action is taken (0: never)."""
    return int(CONF.libvirt.live_migration_completion_timeout * data_size_gb)


# Seconds to wait, after a successful migration, for libvirt's job-completed
# event (sent from its event thread, possibly just after migrateToURI3 returns).
COMPLETED_EVENT_WAIT = 2.0


def _progress(stats):
    return {
        "memory_total": stats.get("memory_total", 0),
        "memory_processed": stats.get("memory_processed", 0),
        "memory_remaining": stats.get("memory_remaining", 0),
        "disk_total": stats.get("disk_total", 0),
        "disk_processed": stats.get("disk_processed", 0),
        "disk_remaining": stats.get("disk_remaining", 0),
    }


class LiveMigrationJob:
    """One running live migration of ``domain`` to ``uri``.

    ``run()`` blocks until the migration is over and returns None when the
    guest moved, else the exception that stopped it. ``force_complete()`` and
    ``abort()`` may be called from other threads meanwhile; ``progress`` is
    the last job statistics read (see PROGRESS_KEYS), also passed to
    ``on_progress``.
    """

    def __init__(self, domain, uri, params, flags, data_size_gb, on_progress=None,
                 poll_interval=0.5):
        self.domain, self.uri, self.params, self.flags = domain, uri, params, flags
        self.data_size_gb = data_size_gb
        self.on_progress = on_progress
        self.poll_interval = poll_interval
        self.progress = dict.fromkeys(PROGRESS_KEYS, 0)
        self.error = None
        self.paused = False
        self.post_copy = False
        self.aborted = False
        self.timed_out = False
        self._done = threading.Event()
        self._completed = threading.Event()
        self._requests = []
        self._lock = threading.Lock()

    @property
    def post_copy_permitted(self):
        return bool(self.flags & libvirt.VIR_MIGRATE_POSTCOPY)

    def _migrate(self):
        try:
            self.domain.migrateToURI3(self.uri, self.params, self.flags)
        except libvirt.libvirtError as exc:
            self.error = exc
        except Exception as exc:   # pragma: no cover - reported to the caller
            self.error = exc
        finally:
            self._done.set()

    def force_complete(self):
        with self._lock:
            self._requests.append("force-complete")

    def abort(self):
        with self._lock:
            self._requests.append("abort")

    def _do_force_complete(self):
        if self.post_copy_permitted and not self.post_copy:
            try:
                self.domain.migrateStartPostCopy(0)
                self.post_copy = True
                LOG.info("Live migration of %s switched to post-copy", self.domain.name())
                return
            except libvirt.libvirtError as exc:
                LOG.warning("Cannot switch to post-copy (%s): pausing the guest", exc)
        if not self.paused:
            self.domain.suspend()
            self.paused = True
            LOG.info("Guest %s paused so its live migration completes",
                     self.domain.name())

    def _do_abort(self):
        try:
            self.domain.abortJob()
            self.aborted = True
            LOG.info("Live migration of %s aborted", self.domain.name())
        except libvirt.libvirtError as exc:
            LOG.warning("Cannot abort the live migration of %s: %s",
                        self.domain.name(), exc)

    def _handle_requests(self):
        with self._lock:
            requests, self._requests = self._requests, []
        for request in requests:
            if request == "abort":
                self._do_abort()
            else:
                self._do_force_complete()

    def _read_progress(self):
        try:
            stats = self.domain.jobStats(0)
        except libvirt.libvirtError:
            return
        if stats.get("type", libvirt.VIR_DOMAIN_JOB_NONE) == libvirt.VIR_DOMAIN_JOB_NONE:
            return
        self.progress = _progress(stats)
        if self.on_progress is not None:
            try:
                self.on_progress(dict(self.progress))
            except Exception:
                LOG.exception("Live migration progress callback failed")

    def _on_job_completed(self, conn, domain, stats, opaque):
        # libvirt's statistics of the finished job: the whole run, even when
        # the memory phase was shorter than one poll (a small guest whose
        # disks were copied first). Called from the libvirt event thread.
        self.progress = _progress(stats)
        self._completed.set()

    def _watch_completion(self):
        """Ask for the job-completed event; its callback id, or None (no event loop)."""
        try:
            return self.domain.connect().domainEventRegisterAny(
                self.domain, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                self._on_job_completed, None)
        except (libvirt.libvirtError, AttributeError) as exc:
            LOG.debug("No job-completed event for %s: %s", self.domain.name(), exc)
            return None

    def _unwatch_completion(self, callback_id):
        if callback_id is None:
            return
        try:
            self.domain.connect().domainEventDeregisterAny(callback_id)
        except libvirt.libvirtError as exc:
            LOG.debug("Cannot deregister the job-completed event: %s", exc)

    def run(self):
        callback_id = self._watch_completion()
        try:
            return self._run(callback_id is not None)
        finally:
            self._unwatch_completion(callback_id)

    def _run(self, completion_watched):
        steps = downtime_steps(self.data_size_gb)
        timeout = completion_timeout(self.data_size_gb)
        thread = threading.Thread(target=self._migrate, name="live-migration",
                                  daemon=True)
        started = time.monotonic()
        thread.start()
        next_step = 0
        while not self._done.wait(self.poll_interval):
            elapsed = time.monotonic() - started
            while next_step < len(steps) and elapsed >= steps[next_step][0]:
                try:
                    self.domain.migrateSetMaxDowntime(steps[next_step][1], 0)
                except libvirt.libvirtError as exc:
                    LOG.debug("Cannot set the maximum downtime: %s", exc)
                next_step += 1
            if timeout and elapsed > timeout and not self.timed_out:
                self.timed_out = True
                LOG.warning("Live migration of %s still running after %d s",
                            self.domain.name(), timeout)
                if CONF.libvirt.live_migration_timeout_action == "force_complete":
                    self.force_complete()
                else:
                    self.abort()
            self._handle_requests()
            self._read_progress()
        thread.join()
        if self.error is None:
            if completion_watched and not self._completed.wait(COMPLETED_EVENT_WAIT):
                LOG.debug("No job-completed event for %s; the last reading stays",
                          self.domain.name())
            if self.progress["memory_total"]:
                self.progress["memory_remaining"] = 0
                self.progress["memory_processed"] = self.progress["memory_total"]
            if self.progress["disk_total"]:
                self.progress["disk_remaining"] = 0
                self.progress["disk_processed"] = self.progress["disk_total"]
        elif self.paused:
            # The guest stays here: it runs again as before the request.
            try:
                self.domain.resume()
            except libvirt.libvirtError as exc:
                LOG.warning("Cannot resume %s after the failed migration: %s",
                            self.domain.name(), exc)
        return self.error
