"""The compute manager's pending lifecycle events end with the service."""

import threading

from nova.compute import lifecycle_events
from nova.virt import event as virtevent


class _Driver:
    def __init__(self):
        self.listener = None

    def register_event_listener(self, listener):
        self.listener = listener


class _Manager(lifecycle_events.LifecycleEventOperations):
    def __init__(self):
        self.driver = _Driver()
        self.handled = []
        self.init_lifecycle_events()

    def handle_lifecycle_event(self, event):
        self.handled.append(event)


def _stopped(uuid="u1"):
    return virtevent.LifecycleEvent(uuid, virtevent.EVENT_LIFECYCLE_STOPPED)


def _timers():
    return [t for t in threading.enumerate() if isinstance(t, threading.Timer)]


def test_a_stop_waits_and_the_service_stop_cancels_it():
    manager = _Manager()
    manager.register_lifecycle_events()
    before = len(_timers())
    manager.driver.listener(_stopped())
    assert len(_timers()) == before + 1
    manager.cancel_lifecycle_events()
    for timer in _timers():
        timer.join(1)
    assert len(_timers()) == before and manager.handled == []


def test_an_event_after_the_service_stopped_starts_no_timer():
    manager = _Manager()
    manager.register_lifecycle_events()
    manager.cancel_lifecycle_events()
    before = len(_timers())
    manager.driver.listener(_stopped())
    assert len(_timers()) == before and manager.handled == []


def test_a_started_event_is_handled_at_once_until_the_stop():
    manager = _Manager()
    manager.stopped_event_delay = 0
    manager.register_lifecycle_events()
    manager.driver.listener(virtevent.LifecycleEvent("u2",
                                                     virtevent.EVENT_LIFECYCLE_STARTED))
    deadline = threading.Event()
    for _ in range(100):
        if manager.handled:
            break
        deadline.wait(0.02)
    assert [e.uuid for e in manager.handled] == ["u2"]
