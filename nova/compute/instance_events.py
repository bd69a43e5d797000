"""External instance events on the compute host: waiting for them, and acting on them.

A spawn that plugs a VIF asks Neutron to tell it when the port is wired:

    with virtapi.wait_for_instance_event(instance, [("network-vif-plugged", port_id)],
                                         deadline=300):
        ...plug and start the guest...

The block runs first; the wait happens when it leaves. The event arrives as
POST /os-server-external-events -> compute RPC external_instance_event ->
``ExternalEventOperations.external_instance_event`` -> the waiter wakes.
"""

import contextlib
import threading
import time

from oslo_log import log as logging

from nova import exception
from nova.objects import external_event

LOG = logging.getLogger(__name__)


class _Waiter:
    def __init__(self, name, tag):
        self.name, self.tag = name, tag
        self._done = threading.Event()
        self.event = None

    def deliver(self, event):
        self.event = event
        self._done.set()

    def wait(self, timeout):
        """The delivered event, or None after ``timeout`` seconds."""
        return self.event if self._done.wait(timeout) else None


class InstanceEvents:
    """The events this host's operations are waiting for, by instance."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters = {}   # instance uuid -> {event key: _Waiter}

    def prepare_for_instance_event(self, instance, name, tag=None):
        key = external_event.InstanceExternalEvent.make_key(name, tag)
        with self._lock:
            return self._waiters.setdefault(instance.uuid, {}).setdefault(key, _Waiter(name, tag))

    def pop_instance_event(self, instance, event):
        """The waiter ``event`` answers (removed from the registry), or None."""
        with self._lock:
            waiters = self._waiters.get(instance.uuid, {})
            waiter = waiters.pop(event.key, None)
            if not waiters:
                self._waiters.pop(instance.uuid, None)
            return waiter

    def clear_events_for_instance(self, instance):
        with self._lock:
            return self._waiters.pop(instance.uuid, {})

    def cancel_all_events(self):
        """Wake every waiter with a failed event (the service is stopping)."""
        with self._lock:
            pending, self._waiters = self._waiters, {}
        for instance_uuid, waiters in pending.items():
            for waiter in waiters.values():
                waiter.deliver(external_event.InstanceExternalEvent(
                    instance_uuid=instance_uuid, name=waiter.name, status="failed",
                    tag=waiter.tag, data={}))


def _default_error_callback(event_name, instance):
    raise exception.InstanceEventFailed(event=event_name, instance_uuid=instance.uuid)


class ComputeVirtAPI:
    """What a virt driver may ask of its compute manager."""

    def __init__(self, compute):
        self._compute = compute

    @contextlib.contextmanager
    def wait_for_instance_event(self, instance, event_names, deadline=300,
                                error_callback=None):
        """Wait, after the block, for every event of ``event_names``.

        Each is a name or a (name, tag) pair. InstanceEventTimeout if one does
        not come within ``deadline`` seconds; an event with status 'failed'
        calls ``error_callback(event_name, instance)`` (default: raise
        InstanceEventFailed).
        """
        events = self._compute.instance_events
        error_callback = error_callback or _default_error_callback
        waiters = {}
        for item in event_names:
            name, tag = item if isinstance(item, tuple) else (item, None)
            waiters[(name, tag)] = events.prepare_for_instance_event(instance, name, tag)
        try:
            yield
        except Exception:
            events.clear_events_for_instance(instance)
            raise
        end = time.monotonic() + deadline
        for (name, tag), waiter in waiters.items():
            event = waiter.wait(max(0.0, end - time.monotonic()))
            if event is None:
                events.clear_events_for_instance(instance)
                missing = [external_event.InstanceExternalEvent.make_key(n, t)
                           for (n, t), w in waiters.items() if w.event is None]
                raise exception.InstanceEventTimeout(events=", ".join(missing),
                                                     instance_uuid=instance.uuid)
            if event.status != "completed":
                error_callback(name, instance)


class ExternalEventOperations:
    """The compute manager's side of external events (a mixin)."""

    @property
    def instance_events(self):
        if getattr(self, "_instance_events", None) is None:
            self._instance_events = InstanceEvents()
        return self._instance_events

    def external_instance_event(self, context, instances, events):
        """Act on each event: refresh network info or wake the waiter."""
        by_uuid = {instance.uuid: instance for instance in instances}
        for event in events:
            instance = by_uuid.get(event.instance_uuid)
            if instance is None:
                LOG.debug("Event %s for instance %s not on this host", event.key,
                          event.instance_uuid)
                continue
            if event.name in ("network-changed", "network-vif-deleted"):
                try:
                    self.network_api.get_instance_nw_info(context, instance)
                except exception.NovaException as exc:
                    LOG.warning("Refreshing the network info of %s after %s failed: %s",
                                instance.uuid, event.name, exc)
                continue
            waiter = self.instance_events.pop_instance_event(instance, event)
            if waiter is None:
                # A duplicate, or an event that came after its wait ended.
                LOG.warning("Received unexpected event %s for instance %s (vm_state %s, "
                            "task_state %s): nobody waits for it, ignored.", event.key,
                            instance.uuid, instance.vm_state, instance.task_state)
                continue
            LOG.info("Received event %s (%s) for instance %s", event.key, event.status,
                     instance.uuid)
            waiter.deliver(event)
