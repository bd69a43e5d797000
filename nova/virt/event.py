"""Events a virt driver emits about its guests (power state changes).

A driver calls ``emit_event(LifecycleEvent(uuid, EVENT_LIFECYCLE_STOPPED))``;
the compute manager registered itself with ``register_event_listener`` and
corrects the instance's power state from it (nova/compute/lifecycle_events.py).
"""

import time

EVENT_LIFECYCLE_STARTED = 0
EVENT_LIFECYCLE_STOPPED = 1
EVENT_LIFECYCLE_PAUSED = 2
EVENT_LIFECYCLE_RESUMED = 3
EVENT_LIFECYCLE_SUSPENDED = 4
EVENT_LIFECYCLE_CRASHED = 5

NAMES = {
    EVENT_LIFECYCLE_STARTED: "Started",
    EVENT_LIFECYCLE_STOPPED: "Stopped",
    EVENT_LIFECYCLE_PAUSED: "Paused",
    EVENT_LIFECYCLE_RESUMED: "Resumed",
    EVENT_LIFECYCLE_SUSPENDED: "Suspended",
    EVENT_LIFECYCLE_CRASHED: "Crashed",
}


class Event:
    def __init__(self, timestamp=None):
        self.timestamp = timestamp or time.time()


class LifecycleEvent(Event):
    """A guest's power state changed: ``uuid`` of the instance, ``transition``."""

    def __init__(self, uuid, transition, timestamp=None):
        super().__init__(timestamp)
        self.uuid = uuid
        self.transition = transition

    @property
    def name(self):
        return NAMES.get(self.transition, "Unknown")

    def __repr__(self):
        return "<LifecycleEvent %s %s>" % (self.uuid, self.name)
