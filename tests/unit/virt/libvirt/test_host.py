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
