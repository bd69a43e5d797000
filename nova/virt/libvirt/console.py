"""The libvirt driver's remote consoles, read from the live domain XML.

VNC and SPICE: the ``<graphics>`` element's port (and SPICE's tlsPort) that
QEMU got when the domain started (autoport), reached by the proxies at the
host's [vnc]/[spice] server_proxyclient_address.

Serial: with [serial_console] enabled the guest's first serial port is a
TCP server (``<serial type='tcp'>``, source mode 'bind') on
[serial_console] proxyclient_address, at a port of [serial_console]
port_range that is free on this host, and still logs to the console log.

Console output: the last 100 KiB of that log (``console.log`` in the
instance's directory), which every guest's first serial port writes.
"""

import os
import random
import socket
import threading
import time
from xml.etree import ElementTree

from oslo_log import log as logging
from oslo_utils import units

import nova.conf
from nova.console import types as console_types
from nova import exception
from nova.virt.libvirt import imagebackend

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# port -> when it was handed out; a port stays reserved this long (QEMU binds
# it when the domain starts) so two spawns at once never get the same one.
_RESERVED = {}
_RESERVE_SECONDS = 120
_LOCK = threading.Lock()

CONSOLE_LOG = "console.log"
MAX_CONSOLE_BYTES = 100 * units.Ki


def console_log_path(instance):
    """Where the guest's first serial port logs to."""
    return os.path.join(imagebackend.instance_dir(instance), CONSOLE_LOG)


def console_output(instance):
    """The serial console log (its last MAX_CONSOLE_BYTES) as text; "" before any."""
    path = console_log_path(instance)
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - MAX_CONSOLE_BYTES))
        data = f.read()
    return data.decode("utf-8", "replace")


class GuestSerialTCP:
    """<serial type='tcp'>: a raw TCP server on ``host``:``service``, logged to ``log_path``."""

    def __init__(self, host, service, log_path=None, port=0):
        self.host, self.service, self.log_path, self.port = host, service, log_path, port

    def format_dom(self):
        serial = ElementTree.Element("serial", type="tcp")
        ElementTree.SubElement(serial, "source", mode="bind", host=self.host,
                               service=str(self.service))
        ElementTree.SubElement(serial, "protocol", type="raw")
        if self.log_path:
            ElementTree.SubElement(serial, "log", file=self.log_path, append="on")
        ElementTree.SubElement(serial, "target", port=str(self.port))
        return serial


def _port_range():
    low, _, high = CONF.serial_console.port_range.partition(":")
    low, high = int(low), int(high)
    if low > high or low < 1 or high > 65535:
        raise exception.NovaException(
            message="[serial_console] port_range %s is not min:max within 1-65535"
            % CONF.serial_console.port_range)
    return low, high


def _free(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def acquire_port(host):
    """A port of [serial_console] port_range free on ``host`` and not just handed out."""
    low, high = _port_range()
    now = time.monotonic()
    with _LOCK:
        for port, since in list(_RESERVED.items()):
            if now - since > _RESERVE_SECONDS:
                del _RESERVED[port]
        start = random.randint(low, high)
        for offset in range(high - low + 1):
            port = low + (start - low + offset) % (high - low + 1)
            if port not in _RESERVED and _free(host, port):
                _RESERVED[port] = now
                return port
    raise exception.SocketPortRangeExhaustedException(host=host)


def serial_device(log_path):
    """The guest's serial console device: TCP when [serial_console] enabled, else None."""
    if not CONF.serial_console.enabled:
        return None
    host = CONF.serial_console.proxyclient_address
    return GuestSerialTCP(host, acquire_port(host), log_path=log_path)


def _graphics(xml, kind):
    for graphics in xml.findall("devices/graphics"):
        if graphics.get("type") != kind:
            continue
        port = graphics.get("port")
        tls_port = graphics.get("tlsPort")
        port = int(port) if port and int(port) > 0 else None
        tls_port = int(tls_port) if tls_port and int(tls_port) > 0 else None
        if port or tls_port:
            return port, tls_port
    return None


def vnc_console(guest):
    """ConsoleVNC of the running guest; ConsoleTypeUnavailable without a VNC server."""
    found = _graphics(guest.get_xml(), "vnc")
    if found is None or found[0] is None:
        raise exception.ConsoleTypeUnavailable(console_type="vnc")
    return console_types.ConsoleVNC(host=CONF.vnc.server_proxyclient_address,
                                    port=found[0])


def spice_console(guest):
    """ConsoleSpice (port, and tlsPort when SPICE listens with TLS too)."""
    found = _graphics(guest.get_xml(), "spice")
    if found is None:
        raise exception.ConsoleTypeUnavailable(console_type="spice")
    return console_types.ConsoleSpice(host=CONF.spice.server_proxyclient_address,
                                      port=found[0], tls_port=found[1])


def serial_console(guest):
    """ConsoleSerial of the first TCP serial port (bind mode) of the guest."""
    for serial in guest.get_xml().findall("devices/serial"):
        source = serial.find("source")
        if serial.get("type") != "tcp" or source is None or source.get("mode") != "bind":
            continue
        return console_types.ConsoleSerial(host=source.get("host"),
                                           port=int(source.get("service")))
    raise exception.ConsoleTypeUnavailable(console_type="serial")
