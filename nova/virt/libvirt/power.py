"""Power operations of a libvirt guest: stop, start, reboot, suspend, crash dump.

A clean stop is an ACPI shutdown, asked again every ``retry_interval``
seconds until ``timeout``; past it the plug is pulled. A soft reboot is a
clean stop and a start; a guest that is not running, or does not stop in
time, is rebooted hard (powered off, its managed save dropped, started
again). Starting, resuming and a hard reboot plug the VIFs first (the host
may have rebooted since). Suspend is libvirt's managed save.
"""

import time

import libvirt
from oslo_log import log as logging

import nova.conf
from nova.compute import power_state
from nova import exception
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def shutdown_cleanly(guest, timeout, retry_interval):
    """ACPI shutdown, repeated every ``retry_interval`` s; whether it worked."""
    if guest.get_power_state() != power_state.RUNNING:
        return (guest.get_power_state() == power_state.SHUTDOWN
                and guest.wait_until_off(timeout))
    end = time.monotonic() + timeout
    retry_interval = retry_interval or timeout
    while time.monotonic() < end:
        try:
            guest.shutdown()
        except libvirt.libvirtError as exc:
            LOG.debug("ACPI shutdown of %s failed: %s", guest.uuid, exc)
        wait = min(retry_interval, max(0.0, end - time.monotonic()))
        if guest.wait_until_off(wait):
            return True
    return False


def power_off(host, instance, timeout=0, retry_interval=0):
    guest = host.get_guest(instance)
    if timeout and shutdown_cleanly(guest, timeout, retry_interval):
        LOG.info("Instance %s shut down cleanly", instance.uuid)
        return
    guest.poweroff()


def power_on(host, instance, network_info):
    guest = host.get_guest(instance)
    libvirt_vif.plug_all(instance, network_info)
    if not guest.is_active():
        guest.launch()
    elif guest.get_power_state() == power_state.PAUSED:
        guest.resume()


def reboot(host, instance, network_info, reboot_type):
    guest = host.get_guest(instance)
    if reboot_type == "SOFT":
        state = guest.get_power_state()
        timeout = CONF.reboot_timeout or CONF.libvirt.wait_soft_reboot_seconds
        # As upstream: a guest that is not running cannot be asked to shut
        # down, so a soft reboot of it is a hard one.
        if state != power_state.RUNNING:
            LOG.info("Instance %s is %s, not running: rebooting hard", instance.uuid,
                     power_state.STATE_MAP.get(state))
        elif shutdown_cleanly(guest, timeout, 0):
            guest.launch()
            LOG.info("Instance %s soft rebooted", instance.uuid)
            return
        else:
            LOG.warning("Instance %s did not shut down within %s s; rebooting hard",
                        instance.uuid, timeout)
    hard_reboot(instance, network_info, guest)


def hard_reboot(instance, network_info, guest):
    guest.poweroff()
    if guest.has_managed_save():
        guest.domain.managedSaveRemove(0)
    libvirt_vif.plug_all(instance, network_info)
    guest.launch()
    if not guest.wait_for_state((power_state.RUNNING,), 30, 0.2):
        raise lv_exc.InstanceRebootFailure(reason="the guest did not start")
    LOG.info("Instance %s hard rebooted", instance.uuid)


def suspend(host, instance):
    guest = host.get_guest(instance)
    if guest.get_power_state() not in (power_state.RUNNING, power_state.PAUSED):
        raise exception.InstanceInvalidState(
            instance_uuid=instance.uuid, attr="power_state",
            state=power_state.STATE_MAP.get(guest.get_power_state()),
            method="suspend")
    guest.managed_save()


def resume(host, instance, network_info):
    guest = host.get_guest(instance)
    libvirt_vif.plug_all(instance, network_info)
    guest.launch()


def trigger_crash_dump(host, instance):
    guest = host.get_guest(instance)
    try:
        guest.inject_nmi()
    except libvirt.libvirtError as exc:
        code = exc.get_error_code()
        if code == libvirt.VIR_ERR_NO_SUPPORT:
            raise NotImplementedError(str(exc)) from exc
        if code == libvirt.VIR_ERR_OPERATION_INVALID:
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr="power_state",
                state=power_state.STATE_MAP.get(guest.get_power_state()),
                method="trigger_crash_dump") from exc
        raise
