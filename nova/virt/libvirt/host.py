"""The libvirt host: one shared connection, its events and its capabilities.

``Host`` opens the connection lazily, shares it between threads, notices
when libvirtd goes away (the close callback, or a call failing with a
connection error, see ``is_connection_error``) and opens a new one on next
use; while disconnected a background thread retries every
``[libvirt] reconnect_interval`` seconds, so the driver learns that libvirtd
is back without waiting for a caller. ``connection_callback(available,
reason)`` is told each change (the driver disables its compute service
meanwhile). Lifecycle events of the domains are
read by libvirt's default event loop, run in one native thread per process,
and handed to ``lifecycle_callback`` as nova.virt.event.LifecycleEvent.
"""

import functools
import os
import threading
import time
from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging

import nova.conf
from nova.virt import event as virtevent
from nova.virt.libvirt import guest as libvirt_guest
from nova.virt.libvirt import exception as lv_exc

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_EVENT_LOOP_LOCK = threading.Lock()
_EVENT_LOOP_THREAD = None

_LIFECYCLE = {
    libvirt.VIR_DOMAIN_EVENT_STARTED: virtevent.EVENT_LIFECYCLE_STARTED,
    libvirt.VIR_DOMAIN_EVENT_STOPPED: virtevent.EVENT_LIFECYCLE_STOPPED,
    libvirt.VIR_DOMAIN_EVENT_SHUTDOWN: None,   # followed by STOPPED
    libvirt.VIR_DOMAIN_EVENT_RESUMED: virtevent.EVENT_LIFECYCLE_RESUMED,
    libvirt.VIR_DOMAIN_EVENT_CRASHED: virtevent.EVENT_LIFECYCLE_CRASHED,
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: virtevent.EVENT_LIFECYCLE_SUSPENDED,
}


def is_connection_error(exc):
    """Whether the libvirtError ``exc`` means the connection to libvirtd broke
    (the daemon stopped or restarted), rather than a failed operation."""
    if not isinstance(exc, libvirt.libvirtError):
        return False
    code, domain = exc.get_error_code(), exc.get_error_domain()
    if code in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR):
        return domain in (libvirt.VIR_FROM_REMOTE, libvirt.VIR_FROM_RPC)
    return code in (libvirt.VIR_ERR_INVALID_CONN, libvirt.VIR_ERR_NO_CONNECT)


def default_uri():
    """[libvirt] connection_uri, or the URI that suits [libvirt] virt_type."""
    if CONF.libvirt.connection_uri:
        return CONF.libvirt.connection_uri
    return {"lxc": "lxc:///", "parallels": "parallels:///system"}.get(
        CONF.libvirt.virt_type, "qemu:///system")


def start_event_loop():
    """Register libvirt's default event implementation and run it in a thread.

    Must happen before the first connection whose events we want; done once
    per process.
    """
    global _EVENT_LOOP_THREAD
    with _EVENT_LOOP_LOCK:
        if _EVENT_LOOP_THREAD is not None:
            return
        libvirt.virEventRegisterDefaultImpl()

        def _run():
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:
                    LOG.exception("libvirt event loop iteration failed")
                    time.sleep(1)

        _EVENT_LOOP_THREAD = threading.Thread(target=_run, name="libvirt-events",
                                              daemon=True)
        _EVENT_LOOP_THREAD.start()


def reconnecting(retry=True):
    """Run a driver method (its driver's ``_host`` is a Host); when libvirtd went
    away under it (a connection error), drop the connection and, if ``retry``
    and libvirt answers again at once (a restarted daemon), run it once more.
    Otherwise the caller gets HypervisorUnavailable ("Connection to the
    hypervisor ... is broken"), the fault the compute manager records."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except libvirt.libvirtError as exc:
                if not is_connection_error(exc):
                    raise
                self._host.connection_lost(exc)
                if not retry:
                    raise lv_exc.HypervisorUnavailable(uri=self._host.uri,
                                                       reason=exc) from exc
                LOG.warning("%s: libvirt connection lost (%s); retrying once reconnected",
                            fn.__name__, exc)
                self._host.get_connection()     # HypervisorUnavailable if still down
            return fn(self, *args, **kwargs)
        return wrapper
    return decorate


def silence_libvirt_errors():
    # libvirt prints every error to stderr besides raising it.
    libvirt.registerErrorHandler(lambda ctx, err: None, None)


class Host:
    """The hypervisor behind ``uri`` as the driver sees it."""

    def __init__(self, uri=None, read_only=False, lifecycle_callback=None,
                 connection_callback=None):
        self._uri = uri or default_uri()
        self._read_only = read_only
        self._lifecycle_callback = lifecycle_callback
        self._connection_callback = connection_callback
        self._lock = threading.RLock()
        self._conn = None
        self._was_available = None
        self._caps = None
        self._closed = False
        self._reconnect_thread = None

    @property
    def uri(self):
        return self._uri

    # -- connection ---------------------------------------------------------------

    def initialize(self):
        """Start the event loop and connect (a failure is logged: we retry on use)."""
        self._closed = False
        if self._lifecycle_callback is not None:
            start_event_loop()
        try:
            self.get_connection()
        except lv_exc.HypervisorUnavailable as exc:
            LOG.error("Cannot connect to libvirt at %s yet: %s", self._uri, exc)

    def _open(self):
        LOG.debug("Connecting to libvirt: %s", self._uri)
        flags = libvirt.VIR_CONNECT_RO if self._read_only else 0
        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_NOECHOPROMPT],
                lambda creds, data: 0, None]
        conn = libvirt.openAuth(self._uri, auth, flags)
        try:
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError as exc:
            LOG.debug("No close callback on %s: %s", self._uri, exc)
        if self._lifecycle_callback is not None:
            try:
                conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                            self._on_lifecycle, None)
            except libvirt.libvirtError as exc:
                LOG.warning("No lifecycle events from %s: %s", self._uri, exc)
        return conn

    _CLOSE_REASONS = {0: "error", 1: "end of file", 2: "keepalive timeout",
                      3: "client closed"}

    def _on_close(self, conn, reason, opaque):
        why = self._CLOSE_REASONS.get(reason, "reason %s" % reason)
        LOG.warning("Connection to libvirt %s closed (%s)", self._uri, why)
        with self._lock:
            if self._conn is conn:
                self._conn = None
            elif self._conn is not None:
                return          # an old connection: the current one is fine
        if reason != 3:         # not our own close()
            self._set_available(False, "Connection to libvirt lost: %s" % why)

    def connection_lost(self, exc):
        """A call failed with ``exc``, a connection error: drop the connection."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.unregisterCloseCallback()
            except libvirt.libvirtError:
                pass
        self._set_available(False, "Connection to libvirt lost: %s" % exc)

    def _set_available(self, available, reason=None):
        with self._lock:
            if self._was_available is available:
                return
            self._was_available = available
        if not available:
            self._start_reconnecting()
        if self._connection_callback is not None:
            try:
                self._connection_callback(available, reason)
            except Exception:
                LOG.exception("Connection state callback failed")

    def _start_reconnecting(self):
        """Retry the connection in the background until libvirtd answers again."""
        with self._lock:
            if self._closed or (self._reconnect_thread is not None
                                and self._reconnect_thread.is_alive()):
                return

            def _run():
                while not self._closed and self._was_available is False:
                    time.sleep(CONF.libvirt.reconnect_interval)
                    if self._closed:
                        return
                    try:
                        self.get_connection()
                    except lv_exc.HypervisorUnavailable as exc:
                        LOG.debug("libvirt at %s still unavailable: %s", self._uri, exc)

            self._reconnect_thread = threading.Thread(
                target=_run, name="libvirt-reconnect", daemon=True)
            self._reconnect_thread.start()

    def _alive(self, conn):
        try:
            return conn.isAlive() == 1
        except libvirt.libvirtError:
            return False

    def get_connection(self):
        """The shared connection, reopened if libvirtd went away; HypervisorUnavailable."""
        with self._lock:
            conn = self._conn
            if conn is not None and self._alive(conn):
                return conn
            self._conn = None
            failure = None
            try:
                conn = self._conn = self._open()
            except libvirt.libvirtError as exc:
                failure = exc
        if failure is not None:
            self._set_available(False, "Connection to libvirt failed: %s" % failure)
            raise lv_exc.HypervisorUnavailable(uri=self._uri, reason=failure) from failure
        self._set_available(True)
        return conn

    @property
    def is_available(self):
        try:
            self.get_connection()
            return True
        except lv_exc.HypervisorUnavailable:
            return False

    def close(self):
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.unregisterCloseCallback()
                conn.close()
            except libvirt.libvirtError:
                pass

    # -- events -------------------------------------------------------------------

    def _on_lifecycle(self, conn, dom, event, detail, opaque):
        transition = _LIFECYCLE.get(event)
        if event == libvirt.VIR_DOMAIN_EVENT_SUSPENDED:
            if detail in (libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
                          libvirt.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR):
                transition = virtevent.EVENT_LIFECYCLE_PAUSED
            else:
                transition = None   # migration / snapshot pauses are transient
        if transition is None:
            return
        try:
            uuid = dom.UUIDString()
        except libvirt.libvirtError:
            return
        LOG.debug("Domain %s lifecycle event %s/%s", uuid, event, detail)
        self._lifecycle_callback(virtevent.LifecycleEvent(uuid, transition))

    # -- domains ------------------------------------------------------------------

    def get_guest(self, instance_or_uuid):
        """The Guest of an instance (or uuid); InstanceNotFound when it is not defined."""
        uuid = getattr(instance_or_uuid, "uuid", instance_or_uuid)
        try:
            dom = self.get_connection().lookupByUUIDString(uuid)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                from nova import exception
                raise exception.InstanceNotFound(instance_id=uuid) from exc
            raise
        return libvirt_guest.Guest(dom)

    def list_guests(self):
        return [libvirt_guest.Guest(dom)
                for dom in self.get_connection().listAllDomains(0)]

    def write_instance_config(self, xml):
        """Define (or redefine) a domain from ``xml``; its Guest."""
        return libvirt_guest.Guest(self.get_connection().defineXML(xml))

    # -- host facts ---------------------------------------------------------------

    def get_capabilities(self):
        """The host capabilities as an ElementTree element (cached)."""
        if self._caps is None:
            self._caps = ElementTree.fromstring(self.get_connection().getCapabilities())
        return self._caps

    def get_cpu_count(self):
        return self.get_connection().getInfo()[2]

    def get_memory_mb_total(self):
        return self.get_connection().getInfo()[1]

    def get_memory_mb_used(self):
        """Host memory in use: total minus free, buffers and cache (MiB)."""
        conn = self.get_connection()
        try:
            stats = conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0)
            free_kb = stats.get("free", 0) + stats.get("buffers", 0) + stats.get("cached", 0)
            return max(0, stats["total"] - free_kb) // 1024
        except (libvirt.libvirtError, KeyError):
            return sum(g.get_memory_mb() for g in self.list_guests() if g.is_active())

    def get_hypervisor_type(self):
        return self.get_connection().getType()

    def get_hypervisor_version(self):
        return self.get_connection().getVersion()

    def get_hostname(self):
        return self.get_connection().getHostname()

    def get_cpu_info(self):
        """arch, model, vendor, topology and features of the host CPU (a dict)."""
        cpu = self.get_capabilities().find("host/cpu")
        info = {"arch": cpu.findtext("arch"), "model": cpu.findtext("model"),
                "vendor": cpu.findtext("vendor"), "topology": {}, "features": []}
        topo = cpu.find("topology")
        if topo is not None:
            info["topology"] = {k: int(topo.get(k, 1)) for k in ("sockets", "cores",
                                                                  "threads")}
        info["features"] = sorted({f.get("name") for f in cpu.findall("feature")})
        return info

    def get_supported_instances(self):
        """[arch, hypervisor type, vm mode] for each guest the host can run."""
        result = []
        for guest in self.get_capabilities().findall("guest"):
            os_type = guest.findtext("os_type")
            arch = guest.find("arch")
            for domain in arch.findall("domain"):
                result.append([arch.get("name"), domain.get("type"), os_type])
        return result

    def has_domain_type(self, virt_type):
        return any(d == virt_type for _a, d, _o in self.get_supported_instances())


def disk_stats_gb(path):
    """(total, free) GiB of the file system holding ``path``."""
    os.makedirs(path, exist_ok=True)
    st = os.statvfs(path)
    return (st.f_blocks * st.f_frsize) // (1024 ** 3), (st.f_bavail * st.f_frsize) // (1024 ** 3)
