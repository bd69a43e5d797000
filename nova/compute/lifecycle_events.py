"""What the hypervisor says about power states, fed back into the database.

The virt driver emits a ``nova.virt.event.LifecycleEvent`` when a guest starts,
stops, pauses or resumes on its own (a guest that powers itself off, a QEMU
that crashed); ``handle_events`` syncs the instance from it. A periodic task
(``sync_power_states``, every [DEFAULT] sync_power_state_interval seconds)
does the same for every instance of the host, for events that were missed.

The rules follow upstream: nothing changes while an operation runs on the
instance (task_state set); the power_state column follows the hypervisor;
an ACTIVE (or PAUSED) instance whose guest is off becomes STOPPED; a STOPPED
instance whose guest runs is powered off again. A guest the hypervisor no
longer has (power state NOSTATE) is logged and its instance keeps its
vm_state, as upstream's sync does: a restarting hypervisor may list no
guests for a while.
"""

import threading

from oslo_log import log as logging

import nova.conf

from nova.compute import power_state
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.virt import event as virtevent

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# A stop is often half of a reboot: wait this long and look again before acting.
STOPPED_EVENT_DELAY = 15.0


class LifecycleEventOperations:
    """The compute manager's side of hypervisor lifecycle events (a mixin)."""

    stopped_event_delay = STOPPED_EVENT_DELAY

    def init_lifecycle_events(self):
        """Set up the pending-event bookkeeping (from the manager's __init__)."""
        self._lifecycle_lock = threading.Lock()
        self._lifecycle_timers = set()
        self._lifecycle_closed = False

    def register_lifecycle_events(self):
        """Ask the driver for its events (from init_host)."""
        with self._lifecycle_lock:
            self._lifecycle_closed = False
        self.driver.register_event_listener(self.handle_events)

    def handle_events(self, event):
        """Called by the driver (on its event thread): act on it in another thread."""
        if not isinstance(event, virtevent.LifecycleEvent):
            LOG.debug("Ignoring event %s", event)
            return
        delay = (self.stopped_event_delay
                 if event.transition == virtevent.EVENT_LIFECYCLE_STOPPED else 0)
        timer = threading.Timer(delay, self._run_lifecycle_event, (event,))
        timer.daemon = True
        with self._lifecycle_lock:
            if self._lifecycle_closed:
                # The service stopped; a driver still finishing work emits on.
                LOG.debug("Ignoring event %s: the service has stopped", event)
                return
            self._lifecycle_timers.add(timer)
            timer.start()

    def cancel_lifecycle_events(self):
        """Drop the events still waiting (the service stops): no thread outlives it."""
        with self._lifecycle_lock:
            self._lifecycle_closed = True
            timers, self._lifecycle_timers = self._lifecycle_timers, set()
        for timer in timers:
            timer.cancel()

    def _run_lifecycle_event(self, event):
        with self._lifecycle_lock:
            self._lifecycle_timers.discard(threading.current_thread())
        try:
            self.handle_lifecycle_event(event)
        except Exception:
            LOG.exception("Handling lifecycle event %s failed", event)

    def handle_lifecycle_event(self, event):
        context = nova_context.get_admin_context()
        try:
            instance = objects.Instance.get_by_uuid(context, event.uuid, expected_attrs=[])
        except exception.InstanceNotFound:
            LOG.debug("Lifecycle event %s for an instance we do not know", event)
            return
        if instance.host != self.host:
            return
        LOG.info("VM %s (Lifecycle Event) for instance %s", event.name, instance.uuid)
        self._sync_instance_power_state(context, instance, self._driver_power_state(instance))

    def _driver_power_state(self, instance):
        try:
            return self.driver.get_info(instance).state
        except exception.InstanceNotFound:
            return power_state.NOSTATE

    def resume_guests_state(self, context):
        """[DEFAULT] resume_guests_state_on_host_boot: start again the guests of the
        ACTIVE instances that are off (the host rebooted under them); their uuids."""
        if not CONF.resume_guests_state_on_host_boot:
            return []
        resumed = []
        for instance in objects.InstanceList.get_by_host(context, self.host,
                                                         expected_attrs=["info_cache"]):
            if instance.vm_state != vm_states.ACTIVE or instance.task_state is not None:
                continue
            if self._driver_power_state(instance) != power_state.SHUTDOWN:
                continue
            LOG.info("Starting instance %s again after the host rebooted", instance.uuid)
            try:
                network_info = instance.info_cache.network_info \
                    if instance.info_cache is not None else None
                self.driver.power_on(context, instance, network_info or [])
            except Exception:
                LOG.exception("Could not start instance %s again", instance.uuid)
                continue
            instance.power_state = self._driver_power_state(instance)
            instance.save()
            resumed.append(instance.uuid)
        return resumed

    def sync_power_states(self, context):
        """Sync every instance of this host with its guest's power state."""
        instances = objects.InstanceList.get_by_host(context, self.host, expected_attrs=[])
        for instance in instances:
            try:
                vm_power_state = self._driver_power_state(instance)
                if not self._needs_sync(instance, vm_power_state):
                    continue   # what the listing read already agrees: no second read
                self._sync_instance_power_state(context, instance, vm_power_state)
            except exception.HypervisorUnavailable as exc:
                # Nothing to compare with until the hypervisor is back; the
                # database is left as it is.
                LOG.warning("Power states of %s not synced: %s", self.host, exc)
                return
            except Exception:
                LOG.exception("Syncing the power state of %s failed", instance.uuid)

    @staticmethod
    def _needs_sync(instance, vm_power_state):
        """Whether the sync could change anything, judged on a possibly stale copy
        (the sync itself reads the instance again before it writes)."""
        if instance.task_state is not None:
            return False
        if instance.power_state != vm_power_state:
            return True
        off = vm_power_state in (power_state.SHUTDOWN, power_state.CRASHED,
                                 power_state.NOSTATE)
        if instance.vm_state in (vm_states.ACTIVE, vm_states.PAUSED):
            return off and vm_power_state != power_state.NOSTATE
        return instance.vm_state == vm_states.STOPPED and not off

    def _sync_instance_power_state(self, context, instance, vm_power_state):
        instance.refresh()
        if instance.task_state is not None:
            LOG.debug("Instance %s is busy (%s): power state not synced", instance.uuid,
                      instance.task_state)
            return
        if instance.host != self.host:
            return
        if instance.power_state != vm_power_state:
            if vm_power_state == power_state.NOSTATE and instance.vm_state not in (
                    vm_states.STOPPED, vm_states.SOFT_DELETED, vm_states.DELETED,
                    vm_states.SHELVED_OFFLOADED, vm_states.ERROR):
                # As upstream: a hypervisor that restarts may not list a guest
                # for a while; the instance is not stopped for it.
                LOG.warning("Instance %s (%s) is unexpectedly not found on the "
                            "hypervisor of %s: power state NOSTATE, vm_state left as "
                            "it is.", instance.uuid, instance.vm_state, self.host)
            instance.power_state = vm_power_state
            instance.save()
        vm_state = instance.vm_state
        off = vm_power_state in (power_state.SHUTDOWN, power_state.CRASHED,
                                 power_state.NOSTATE)
        if vm_state in (vm_states.ACTIVE, vm_states.PAUSED) and off \
                and vm_power_state != power_state.NOSTATE:
            LOG.warning("Instance %s is %s on the hypervisor: now STOPPED",
                        instance.uuid, power_state.STATE_MAP[vm_power_state])
            if vm_power_state == power_state.CRASHED:
                self.driver.power_off(instance)
            instance.vm_state = vm_states.STOPPED
            instance.power_state = power_state.SHUTDOWN
            instance.save(expected_task_state=[None])
        elif vm_state == vm_states.STOPPED and not off:
            LOG.warning("Instance %s is %s though STOPPED: powering it off",
                        instance.uuid, power_state.STATE_MAP.get(vm_power_state))
            self.driver.power_off(instance)
            instance.power_state = self._driver_power_state(instance)
            instance.save()
