"""Console servers of the fake hypervisor's guests, real sockets on 127.0.0.1.

Each fake guest can have a VNC server speaking just enough RFB 3.8 for a
client or proxy to connect (security type None, a ServerInit, raw
framebuffer updates of a solid colour), a SPICE stub that answers the link
handshake's ``REDQ`` magic, and a serial console that echoes the lines it
is sent after a ``$ `` prompt. Tests and the all-in-one reach them through
the console proxies exactly as they would reach QEMU's.
"""

import os
import socket
import struct
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# The screen's size; NOVA_FAKE_CONSOLE_SIZE=WxH changes it (benchmarks/console.py
# sets it for the nova-compute processes it starts).
WIDTH, HEIGHT = (int(v) for v in os.environ.get("NOVA_FAKE_CONSOLE_SIZE", "64x48").split("x"))
# ServerInit pixel format: 32 bpp, depth 24, little endian, true colour.
PIXEL_FORMAT = struct.pack("!BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)


def _recv_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("peer closed")
        data += chunk
    return data


class ConsoleServer:
    """A listening socket on 127.0.0.1 with one thread per client."""

    kind = None

    def __init__(self, name, host="127.0.0.1", port=0):
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.host, self.port = self.sock.getsockname()[:2]
        self.clients = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True,
                         name="fake-%s-%s" % (self.kind, name)).start()

    def _accept(self):
        while not self._closed:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.clients += 1
            threading.Thread(target=self._serve_safely, args=(conn,), daemon=True).start()

    def _serve_safely(self, conn):
        try:
            with conn:
                self.serve(conn)
        except (OSError, ConnectionError, struct.error):
            pass

    def serve(self, conn):
        raise NotImplementedError()

    def close(self):
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class RFBServer(ConsoleServer):
    """RFB 3.8, security None, a WIDTH x HEIGHT screen of one colour (``pixel``)."""

    kind = "vnc"

    def __init__(self, name, pixel=(0x20, 0x80, 0xe0), **kwargs):
        self.pixel = pixel
        super().__init__(name, **kwargs)

    def _frame(self, big_endian, red_shift, green_shift, blue_shift):
        red, green, blue = self.pixel
        value = (red << red_shift) | (green << green_shift) | (blue << blue_shift)
        return struct.pack(">I" if big_endian else "<I", value) * (WIDTH * HEIGHT)

    def serve(self, conn):
        conn.sendall(b"RFB 003.008\n")
        _recv_exact(conn, 12)
        conn.sendall(b"\x01\x01")                  # one security type: None
        if _recv_exact(conn, 1) != b"\x01":
            conn.sendall(struct.pack("!I", 1))
            return
        conn.sendall(struct.pack("!I", 0))          # SecurityResult OK
        _recv_exact(conn, 1)                        # ClientInit
        name = self.name.encode()
        conn.sendall(struct.pack("!HH", WIDTH, HEIGHT) + PIXEL_FORMAT +
                     struct.pack("!I", len(name)) + name)
        frame = self._frame(False, 16, 8, 0)
        while True:
            kind = _recv_exact(conn, 1)[0]
            if kind == 0:                             # SetPixelFormat (32 bpp only)
                fmt = _recv_exact(conn, 19)[3:]
                big_endian = bool(fmt[2])
                red_shift, green_shift, blue_shift = fmt[10], fmt[11], fmt[12]
                frame = self._frame(big_endian, red_shift, green_shift, blue_shift)
            elif kind == 2:                           # SetEncodings
                count = struct.unpack("!xH", _recv_exact(conn, 3))[0]
                _recv_exact(conn, 4 * count)
            elif kind == 3:                           # FramebufferUpdateRequest
                _recv_exact(conn, 9)
                conn.sendall(struct.pack("!BxH", 0, 1) +
                             struct.pack("!HHHHi", 0, 0, WIDTH, HEIGHT, 0) + frame)
            elif kind == 4:                           # KeyEvent
                _recv_exact(conn, 7)
            elif kind == 5:                           # PointerEvent
                _recv_exact(conn, 5)
            elif kind == 6:                           # ClientCutText
                length = struct.unpack("!3xI", _recv_exact(conn, 7))[0]
                _recv_exact(conn, length)
            else:
                return


class SpiceStub(ConsoleServer):
    """Answers a SPICE link message with a link reply header (``REDQ``, 2.2)."""

    kind = "spice"

    def serve(self, conn):
        header = _recv_exact(conn, 16)
        if header[:4] != b"REDQ":
            return
        size = struct.unpack("<I", header[12:16])[0]
        _recv_exact(conn, size)
        # SpiceLinkHeader of the reply with a SPICE_LINK_ERR_NOT_SUPPORTED body:
        # enough for a client to know a SPICE server answered.
        body = struct.pack("<I", 6)
        conn.sendall(b"REDQ" + struct.pack("<III", 2, 2, len(body)) + body)


class SerialEcho(ConsoleServer):
    """A line-based "shell": prompt, then ``echo: <line>`` for each line."""

    kind = "serial"

    def serve(self, conn):
        conn.sendall(b"$ ")
        buffer = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return
            buffer += data
            while b"\n" in buffer or b"\r" in buffer:
                cut = min(i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0)
                line, buffer = buffer[:cut], buffer[cut + 1:]
                if line:
                    conn.sendall(b"echo: " + line + b"\r\n$ ")


class GuestConsoles:
    """The console servers of one fake guest, started on first use."""

    def __init__(self, name):
        self.name = name
        self.servers = {}
        self._lock = threading.Lock()

    def get(self, kind):
        factory = {"vnc": RFBServer, "spice": SpiceStub, "serial": SerialEcho}[kind]
        with self._lock:
            if kind not in self.servers:
                self.servers[kind] = factory(self.name)
                LOG.debug("Fake %s console of %s on port %s", kind, self.name,
                          self.servers[kind].port)
            return self.servers[kind]

    def port(self, kind):
        server = self.servers.get(kind)
        return server.port if server is not None else None

    def restart(self, kind):
        """Move the console to another port (as a guest that moved or restarted)."""
        with self._lock:
            old = self.servers.pop(kind, None)
        if old is not None:
            old.close()
        return self.get(kind)

    def close(self):
        with self._lock:
            servers, self.servers = list(self.servers.values()), {}
        for server in servers:
            server.close()
