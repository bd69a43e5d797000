"""The compute service follows the libvirt connection: disabled while it is lost.

When libvirtd goes away the driver's node cannot take new guests, so the
compute service is disabled with a reason that starts with ``AUTO: `` (for
example ``AUTO: Connection to libvirt lost: end of file``): the scheduler's
ComputeFilter then skips the host and ``openstack compute service list``
shows why. When the connection comes back the service is enabled again, but
only if it is still disabled for such an automatic reason: a host an operator
disabled stays disabled.

The change is written from a thread of its own (the close callback runs in
libvirt's event loop, which must not wait on the conductor), and always
writes the latest state, so a quick lost/back sequence ends enabled. A write
that fails (no service record yet at first start, conductor unreachable) is
tried again by ``retry_pending``, which the driver calls on each periodic
resource update.
"""

import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

DISABLE_PREFIX = "AUTO: "


class ServiceStatus:
    def __init__(self, host=None):
        self.host = host
        self._lock = threading.Lock()
        self._wanted = None          # (enabled, reason) not yet written
        self._writer = None
        self.disabled_reason = None  # why libvirt is unavailable (None: it is)

    def connection_changed(self, uri, available, reason=None):
        """libvirt at ``uri`` came (back) or went: log it, and the service follows."""
        self.disabled_reason = None if available else reason
        if available:
            LOG.info("Connected to libvirt at %s", uri)
        else:
            LOG.error("libvirt at %s is not available: %s", uri, reason)
        self.changed(available, reason)

    def changed(self, enabled, reason=None):
        """libvirt became available (``enabled``) or not (with ``reason``)."""
        with self._lock:
            self._wanted = (enabled, reason)
            if self._writer is not None and self._writer.is_alive():
                return           # the running writer picks up the latest state
            self._writer = threading.Thread(target=self._write_pending,
                                            name="libvirt-service-status", daemon=True)
            self._writer.start()

    def retry_pending(self):
        """Write a state an earlier attempt could not write; whether one is pending."""
        with self._lock:
            pending = self._wanted is not None
        if pending:
            self._write_pending()
        return pending

    def wait(self, timeout=None):
        writer = self._writer
        if writer is not None:
            writer.join(timeout)

    def _write_pending(self):
        while True:
            with self._lock:
                wanted = self._wanted
            if wanted is None or self.host is None:
                return
            try:
                self.apply(*wanted)
            except Exception as exc:
                LOG.warning("Could not record libvirt's state (%s) on the compute service "
                            "of %s: %s; trying again later", "up" if wanted[0] else "down",
                            self.host, exc)
                return
            with self._lock:
                if self._wanted == wanted:
                    self._wanted = None
                    return

    def apply(self, enabled, reason=None):
        """Enable or disable this host's compute service (see the module doc)."""
        from nova import context as nova_context
        from nova import objects
        ctxt = nova_context.get_admin_context()
        service = objects.Service.get_by_compute_host(ctxt, self.host)
        disable = not enabled
        if service.disabled == disable:
            return
        if enabled and not (service.disabled_reason or "").startswith(DISABLE_PREFIX):
            LOG.info("libvirt is back; the compute service of %s stays disabled "
                     "(disabled by an operator: %s)", self.host, service.disabled_reason)
            return
        service.disabled = disable
        service.disabled_reason = (DISABLE_PREFIX + (reason or "libvirt is unavailable")
                                   if disable else None)
        service.save()
        LOG.warning("Compute service of %s %s: %s", self.host,
                    "disabled" if disable else "enabled again",
                    service.disabled_reason or "libvirt is connected")
