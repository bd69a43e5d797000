"""A libvirt domain as the driver handles it (a thin wrapper of virDomain)."""

import time
from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging

from nova.compute import power_state

LOG = logging.getLogger(__name__)

# virDomainState -> nova power state.
POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}


def _ignore_errors(*codes):
    """Call ``fn`` and ignore libvirtErrors with one of ``codes``."""
    def call(fn, *args):
        try:
            return fn(*args)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() not in codes:
                raise
            LOG.debug("Ignored libvirt error %s: %s", exc.get_error_code(), exc)
    return call


class Guest:
    def __init__(self, domain):
        self._domain = domain

    @property
    def domain(self):
        return self._domain

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def name(self):
        return self._domain.name()

    @property
    def id(self):
        return self._domain.ID()

    # -- state ----------------------------------------------------------------------

    def get_power_state(self):
        """The nova power state; a managed-saved, shut off domain is SUSPENDED."""
        state = self._domain.state()[0]
        if state == libvirt.VIR_DOMAIN_SHUTOFF and self.has_managed_save():
            return power_state.SUSPENDED
        return POWER_STATES.get(state, power_state.NOSTATE)

    def is_active(self):
        return self._domain.isActive() == 1

    def has_managed_save(self):
        try:
            return self._domain.hasManagedSaveImage(0) == 1
        except libvirt.libvirtError:
            return False

    def get_memory_mb(self):
        return self._domain.info()[2] // 1024

    def get_xml_desc(self, dump_inactive=False):
        flags = libvirt.VIR_DOMAIN_XML_INACTIVE if dump_inactive else 0
        return self._domain.XMLDesc(flags)

    def get_xml(self):
        return ElementTree.fromstring(self.get_xml_desc())

    # -- power --------------------------------------------------------------------

    def launch(self, pause=False):
        flags = libvirt.VIR_DOMAIN_START_PAUSED if pause else 0
        self._domain.createWithFlags(flags)

    def poweroff(self):
        """Pull the plug (no error if already off)."""
        _ignore_errors(libvirt.VIR_ERR_OPERATION_INVALID)(self._domain.destroy)

    def shutdown(self):
        """Ask the guest to shut down (ACPI power button)."""
        self._domain.shutdown()

    def reboot_acpi(self):
        self._domain.reboot(libvirt.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN)

    def pause(self):
        self._domain.suspend()

    def resume(self):
        self._domain.resume()

    def managed_save(self):
        self._domain.managedSave(0)

    def inject_nmi(self):
        self._domain.injectNMI(0)

    def wait_for_state(self, states, timeout, interval=0.5):
        """Whether the power state reached one of ``states`` within ``timeout`` s."""
        end = time.monotonic() + timeout
        while True:
            try:
                if self.get_power_state() in states:
                    return True
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return power_state.SHUTDOWN in states
                raise
            if time.monotonic() >= end:
                return False
            time.sleep(interval)

    def wait_until_off(self, timeout, interval=0.5):
        """Whether the domain stopped running (shut off, or gone) within
        ``timeout`` s. libvirt's "being shut down" is the SHUTDOWN power state
        too, but such a domain still runs and cannot be started yet."""
        end = time.monotonic() + timeout
        while True:
            try:
                if not self.is_active():
                    return True
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return True
                raise
            if time.monotonic() >= end:
                return False
            time.sleep(interval)

    def delete_configuration(self):
        """Undefine the domain with its managed save image (no error if gone)."""
        flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                 | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        try:
            flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        except AttributeError:
            pass
        try:
            self._domain.undefineFlags(flags)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return
            if exc.get_error_code() in (libvirt.VIR_ERR_NO_SUPPORT,
                                        libvirt.VIR_ERR_INVALID_ARG):
                if self.has_managed_save():
                    self._domain.managedSaveRemove(0)
                self._domain.undefine()
            else:
                raise

    # -- devices ------------------------------------------------------------------

    def get_disks(self):
        """[(target dev, source file, driver type)] of the file-backed disks."""
        result = []
        for disk in self.get_xml().findall("devices/disk"):
            source = disk.find("source")
            driver = disk.find("driver")
            result.append((disk.find("target").get("dev"),
                           source.get("file") if source is not None else None,
                           driver.get("type") if driver is not None else None))
        return result

    def get_interfaces(self):
        """[(target dev, mac address)] of the interfaces."""
        result = []
        for iface in self.get_xml().findall("devices/interface"):
            target = iface.find("target")
            mac = iface.find("mac")
            result.append((target.get("dev") if target is not None else None,
                           mac.get("address") if mac is not None else None))
        return result

    def get_graphics(self, kind):
        """(listen address, port) of the ``kind`` ('vnc'/'spice') console, or None."""
        for graphics in self.get_xml().findall("devices/graphics"):
            if graphics.get("type") == kind and graphics.get("port") not in (None, "-1"):
                return graphics.get("listen"), int(graphics.get("port"))
        return None
