"""The libvirt Host: shared connection, reconnects, lifecycle events (test:///default)."""

import threading
import time
import uuid as uuidlib

import pytest

from nova.virt import event as virtevent
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import host as libvirt_host

DOMAIN = """<domain type="test"><name>%s</name><uuid>%s</uuid>
<memory>65536</memory><os><type>hvm</type></os></domain>"""


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_default_uri_follows_virt_type(conf):
    conf.clear_override("connection_uri", "libvirt")
    assert libvirt_host.default_uri() == "qemu:///system"
    conf.set_override("virt_type", "kvm", "libvirt")
    assert libvirt_host.default_uri() == "qemu:///system"
    conf.set_override("virt_type", "lxc", "libvirt")
    assert libvirt_host.default_uri() == "lxc:///"
    conf.set_override("connection_uri", "test:///default", "libvirt")
    assert libvirt_host.default_uri() == "test:///default"


def test_one_connection_is_shared_by_threads(conf):
    host = libvirt_host.Host("test:///default")
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(host.get_connection()))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1
    host.close()


def test_a_dead_connection_is_replaced_and_availability_reported(conf):
    changes = []
    host = libvirt_host.Host("test:///default",
                             connection_callback=lambda up, why: changes.append(up))
    first = host.get_connection()
    assert host.is_available and changes == [True]
    first.close()                           # as if libvirtd went away
    second = host.get_connection()
    assert second is not first
    assert second.getType() == "TEST"
    host.close()


def test_unreachable_libvirt_is_unavailable_not_fatal(conf, tmp_path):
    changes = []
    uri = "qemu+unix:///system?socket=%s" % (tmp_path / "no-such-socket")
    host = libvirt_host.Host(uri, connection_callback=lambda up, why: changes.append((up, why)))
    host.initialize()                       # logs, does not raise
    assert host.is_available is False
    assert changes and changes[0][0] is False and "no-such-socket" in changes[0][1]
    with pytest.raises(lv_exc.HypervisorUnavailable):
        host.get_connection()


def test_lifecycle_events_reach_the_callback(conf):
    events = []
    host = libvirt_host.Host("test:///default", lifecycle_callback=events.append)
    host.initialize()
    uuid = str(uuidlib.uuid4())
    guest = host.write_instance_config(DOMAIN % ("events-" + uuid[:8], uuid))
    try:
        guest.launch()
        guest.pause()
        guest.resume()
        guest.poweroff()
        expected = [virtevent.EVENT_LIFECYCLE_STARTED, virtevent.EVENT_LIFECYCLE_PAUSED,
                    virtevent.EVENT_LIFECYCLE_RESUMED, virtevent.EVENT_LIFECYCLE_STOPPED]
        assert wait_for(lambda: [e.transition for e in events
                                 if e.uuid == uuid] == expected), events
        assert events[0].name == "Started"
    finally:
        guest.delete_configuration()
        host.close()


def test_driver_emits_lifecycle_events_to_its_listener(drv, images, conf):
    from nova.compute import power_state
    from nova.objects import image_meta as image_meta_obj
    from tests.unit.virt.libvirt import fixtures
    received = []
    drv.register_event_listener(received.append)
    instance = fixtures.make_instance(image_ref=images.add_disk("8M"))
    drv.spawn(None, instance, image_meta_obj.ImageMeta.from_dict({}), [], None, {}, [])
    # The guest powers itself off: nobody called the driver.
    drv.host.get_guest(instance).domain.destroy()
    assert wait_for(lambda: any(e.uuid == instance.uuid
                                and e.transition == virtevent.EVENT_LIFECYCLE_STOPPED
                                for e in received)), received
    assert drv.get_info(instance).state == power_state.SHUTDOWN


def test_driver_survives_an_unreachable_libvirt_at_start(conf, tmp_path):
    from nova.virt.libvirt import driver
    conf.set_override("connection_uri",
                      "qemu+unix:///system?socket=%s" % (tmp_path / "gone"), "libvirt")
    drv = driver.LibvirtDriver()
    drv.init_host("testhost")                    # logs, does not raise
    assert drv.get_available_nodes(refresh=True) == []
    assert drv.node_is_available("testhost") is False
    with pytest.raises(lv_exc.HypervisorUnavailable):
        drv.list_instance_uuids()
    # libvirt comes back (here: the test hypervisor): the node is reported again.
    drv.host._uri = "test:///default"
    assert drv.get_available_nodes(refresh=True) == ["testhost"]
    assert drv.node_is_available("testhost")


def _libvirt_error(code, domain, message="client socket is closed"):
    exc = libvirt_host.libvirt.libvirtError(message)
    exc.err = (code, domain, message, 2, None, None, None, -1, -1)
    return exc


def test_connection_errors_are_told_from_failed_operations():
    lv = libvirt_host.libvirt
    assert libvirt_host.is_connection_error(_libvirt_error(lv.VIR_ERR_SYSTEM_ERROR,
                                                           lv.VIR_FROM_RPC))
    assert libvirt_host.is_connection_error(_libvirt_error(lv.VIR_ERR_INTERNAL_ERROR,
                                                           lv.VIR_FROM_REMOTE))
    assert libvirt_host.is_connection_error(_libvirt_error(lv.VIR_ERR_INVALID_CONN,
                                                           lv.VIR_FROM_NONE))
    assert not libvirt_host.is_connection_error(_libvirt_error(lv.VIR_ERR_INTERNAL_ERROR,
                                                               lv.VIR_FROM_QEMU))
    assert not libvirt_host.is_connection_error(_libvirt_error(lv.VIR_ERR_NO_DOMAIN,
                                                               lv.VIR_FROM_DOMAIN))
    assert not libvirt_host.is_connection_error(ValueError("x"))


def test_the_host_reconnects_by_itself_when_libvirt_comes_back(conf, tmp_path):
    conf.set_override("reconnect_interval", 1, "libvirt")
    changes = []
    host = libvirt_host.Host("qemu+unix:///system?socket=%s" % (tmp_path / "none"),
                             connection_callback=lambda up, why: changes.append((up, why)))
    try:
        host.initialize()
        assert changes[0][0] is False
        assert changes[0][1].startswith("Connection to libvirt failed: ")
        host._uri = "test:///default"       # libvirtd answers again
        # Nobody calls the host: the background retry notices.
        assert wait_for(lambda: len(changes) == 2, timeout=10), changes
        assert changes[1] == (True, None)
    finally:
        host.close()
        conf.clear_override("reconnect_interval", "libvirt")


def test_an_operation_cut_by_a_lost_connection_is_retried_once_reconnected(
        drv, images, conf, monkeypatch):
    from nova.compute import power_state
    from nova.objects import image_meta as image_meta_obj
    from nova.virt.libvirt import guest as libvirt_guest
    from tests.unit.virt.libvirt import fixtures
    lv = libvirt_host.libvirt
    instance = fixtures.make_instance(image_ref=images.add_disk("8M"))
    drv.spawn(None, instance, image_meta_obj.ImageMeta.from_dict({}), [], None, {}, [])
    changes = []
    drv.host._connection_callback = lambda up, why: changes.append((up, why))
    first = drv.host.get_connection()
    real_pause = libvirt_guest.Guest.pause
    calls = []

    def pause(self):
        calls.append(self)
        if len(calls) == 1:        # libvirtd restarted under the first call
            raise _libvirt_error(lv.VIR_ERR_SYSTEM_ERROR, lv.VIR_FROM_RPC)
        return real_pause(self)

    monkeypatch.setattr(libvirt_guest.Guest, "pause", pause)
    drv.pause(instance)
    assert len(calls) == 2
    assert drv.get_info(instance).state == power_state.PAUSED
    assert drv.host.get_connection() is not first     # a new connection
    assert [up for up, _why in changes] == [False, True]
    assert changes[0][1].startswith("Connection to libvirt lost: ")

    # An operation that is not repeated (it may have happened) fails clearly.
    def nmi(self):
        raise _libvirt_error(lv.VIR_ERR_SYSTEM_ERROR, lv.VIR_FROM_RPC)

    monkeypatch.setattr(libvirt_guest.Guest, "inject_nmi", nmi)
    with pytest.raises(lv_exc.HypervisorUnavailable, match="Connection to the hypervisor"):
        drv.trigger_crash_dump(instance)
