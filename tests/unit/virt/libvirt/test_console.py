"""The libvirt driver's consoles against libvirt's test:///default (the real library)."""

import socket
from xml.etree import ElementTree

import pytest

import nova.conf
from nova import exception
from nova.objects import image_meta as image_meta_obj
from nova.virt.libvirt import console as libvirt_console
from tests.unit.virt.libvirt import fixtures

CONF = nova.conf.CONF
NO_IMAGE_META = image_meta_obj.ImageMeta.from_dict({})


@pytest.fixture(autouse=True)
def serial_conf():
    yield
    for opt in ("enabled", "port_range"):
        CONF.clear_override(opt, "serial_console")
    CONF.clear_override("server_proxyclient_address", "vnc")


@pytest.fixture
def spawned(drv):
    """Spawn guests (the test driver is shared by the process); destroy them after."""
    guests = []

    def spawn(images):
        instance = fixtures.make_instance(instance_id=900 + len(guests),
                                          image_ref=images.add_disk())
        drv.spawn(None, instance, NO_IMAGE_META, [], None, {}, [], power_on=True)
        guests.append(instance)
        return instance

    yield spawn
    for instance in guests:
        drv.destroy(None, instance, [])


def _xml(drv, instance):
    return ElementTree.fromstring(drv.host.get_guest(instance).get_xml_desc())


def test_serial_console_is_tcp_in_the_port_range_when_enabled(drv, images, conf, spawned):
    conf.set_override("enabled", True, "serial_console")
    conf.set_override("port_range", "23000:23009", "serial_console")
    first, second = spawned(images), spawned(images)
    ports = []
    for instance in (first, second):
        serial = _xml(drv, instance).find("devices/serial")
        assert serial.get("type") == "tcp"
        source = serial.find("source")
        assert (source.get("mode"), source.get("host")) == ("bind", "127.0.0.1")
        assert serial.find("protocol").get("type") == "raw"
        assert serial.find("log").get("file").endswith("console.log")
        console = drv.get_serial_console(None, instance)
        assert console.host == "127.0.0.1"
        assert console.port == int(source.get("service"))
        assert 23000 <= console.port <= 23009
        ports.append(console.port)
    assert ports[0] != ports[1]


def test_serial_console_unavailable_when_disabled(drv, images, conf, spawned):
    instance = spawned(images)
    assert _xml(drv, instance).find("devices/serial").get("type") == "pty"
    with pytest.raises(exception.ConsoleTypeUnavailable):
        drv.get_serial_console(None, instance)


def test_acquire_port_skips_ports_in_use_and_reports_exhaustion(conf):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        conf.set_override("port_range", "%d:%d" % (port, port), "serial_console")
        with pytest.raises(exception.SocketPortRangeExhaustedException):
            libvirt_console.acquire_port("127.0.0.1")
    conf.set_override("port_range", "%d:%d" % (port, port + 1), "serial_console")
    got = {libvirt_console.acquire_port("127.0.0.1"),
           libvirt_console.acquire_port("127.0.0.1")}
    assert got == {port, port + 1}          # a port just handed out is not given twice


class _Guest:
    """A domain whose live XML is given (what QEMU's autoport filled in)."""

    def __init__(self, xml):
        self.xml = ElementTree.fromstring(xml)

    def get_xml(self):
        return self.xml


def test_graphics_ports_from_the_live_xml(conf):
    conf.set_override("server_proxyclient_address", "127.0.0.2", "vnc")
    live = _Guest("<domain><devices>"
                  "<graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'/>"
                  "<graphics type='spice' port='5902' tlsPort='5903' autoport='yes'/>"
                  "</devices></domain>")
    vnc = libvirt_console.vnc_console(live)
    assert (vnc.host, vnc.port) == ("127.0.0.2", 5901)
    spice = libvirt_console.spice_console(live)
    assert (spice.port, spice.tls_port) == (5902, 5903)
    inactive = _Guest("<domain><devices><graphics type='vnc' port='-1' autoport='yes'/>"
                      "</devices></domain>")
    with pytest.raises(exception.ConsoleTypeUnavailable):
        libvirt_console.vnc_console(inactive)
    with pytest.raises(exception.ConsoleTypeUnavailable):
        libvirt_console.spice_console(inactive)
