"""A small WebSocket client of the console proxies, and an RFB client on top of it.

It speaks RFC 6455 itself (masked binary frames out, unmasked in) so that a
test can send exactly the headers it wants (Origin, Cookie, X-Forwarded-Proto)
or a broken handshake.
"""

import base64
import os
import socket
import ssl
import struct
from urllib import parse as urlparse


class Closed(Exception):
    """The proxy closed the WebSocket: ``code`` and ``reason``."""

    def __init__(self, code, reason):
        super().__init__("%s %s" % (code, reason))
        self.code = code
        self.reason = reason


class HandshakeRefused(Exception):
    """The proxy answered the upgrade request with something else than 101."""


class WebSocket:
    def __init__(self, url, headers=None, timeout=10, subprotocol="binary"):
        """Connect to ``url`` (ws/wss/http/https); ``headers`` added to the upgrade."""
        parsed = urlparse.urlparse(url)
        secure = parsed.scheme in ("wss", "https")
        port = parsed.port or (443 if secure else 80)
        sock = socket.create_connection((parsed.hostname, port), timeout=timeout)
        if secure:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=parsed.hostname)
        self.sock = sock
        self.buffer = b""
        path = parsed.path or "/"
        if parsed.query:
            path += "?" + parsed.query
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (parsed.hostname, port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: %s" % key, "Sec-WebSocket-Version: 13"]
        if subprotocol:
            lines.append("Sec-WebSocket-Protocol: %s" % subprotocol)
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise HandshakeRefused(head.decode("latin-1"))
            head += chunk
        head, _, self.buffer = head.partition(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if " 101 " not in self.status_line + " ":
            raise HandshakeRefused(self.status_line)

    def send(self, data, text=False):
        mask = os.urandom(4)
        length = len(data)
        first = 0x81 if text else 0x82
        if length < 126:
            header = struct.pack("!BB", first, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", first, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", first, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _fill(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None, "connection closed")
            self.buffer += chunk

    def recv_frame(self):
        """The payload of the next data frame; Closed on a close frame."""
        while True:
            self._fill(2)
            opcode = self.buffer[0] & 0x0F
            length = self.buffer[1] & 0x7F
            offset = 2
            if length == 126:
                self._fill(4)
                length = struct.unpack("!H", self.buffer[2:4])[0]
                offset = 4
            elif length == 127:
                self._fill(10)
                length = struct.unpack("!Q", self.buffer[2:10])[0]
                offset = 10
            self._fill(offset + length)
            payload = self.buffer[offset:offset + length]
            self.buffer = self.buffer[offset + length:]
            if opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code, payload[2:].decode("utf-8", "replace"))
            if opcode in (0, 1, 2):
                return payload

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Stream:
    """Bytes over a WebSocket: recv(n) returns exactly n bytes."""

    def __init__(self, ws):
        self.ws = ws
        self.data = b""

    def recv(self, count):
        while len(self.data) < count:
            self.data += self.ws.recv_frame()
        out, self.data = self.data[:count], self.data[count:]
        return out

    def read_until(self, marker, limit=65536):
        while marker not in self.data:
            if len(self.data) > limit:
                raise AssertionError("no %r in %r" % (marker, self.data[-200:]))
            self.data += self.ws.recv_frame()
        cut = self.data.index(marker) + len(marker)
        out, self.data = self.data[:cut], self.data[cut:]
        return out


def rfb_connect(ws, stream=None):
    """RFB 3.8 over the proxy's None security: (width, height, name, stream)."""
    stream = stream or Stream(ws)
    version = stream.recv(12)
    assert version == b"RFB 003.008\n", version
    ws.send(b"RFB 003.008\n")
    count = stream.recv(1)[0]
    if count == 0:
        length = struct.unpack("!I", stream.recv(4))[0]
        raise AssertionError("no security types: %r" % stream.recv(length))
    types = stream.recv(count)
    assert 1 in types, types
    ws.send(b"\x01")
    result = struct.unpack("!I", stream.recv(4))[0]
    assert result == 0, result
    ws.send(b"\x01")                                  # ClientInit: shared
    width, height = struct.unpack("!HH", stream.recv(4))
    pixel_format = stream.recv(16)
    name_length = struct.unpack("!I", stream.recv(4))[0]
    name = stream.recv(name_length).decode("utf-8", "replace")
    stream.pixel_format = pixel_format
    return width, height, name, stream


def rfb_framebuffer(ws, stream, width, height):
    """Ask for the whole screen in Raw encoding; (first rectangle header, bytes)."""
    # 32 bpp little-endian true colour, Raw encoding only.
    ws.send(struct.pack("!B3x", 0) + struct.pack("!BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255,
                                                 255, 16, 8, 0))
    ws.send(struct.pack("!BxHi", 2, 1, 0))
    ws.send(struct.pack("!BBHHHH", 3, 0, 0, 0, width, height))
    pixels = {}
    while True:
        kind = stream.recv(1)[0]
        if kind == 0:
            break
        if kind == 2:           # Bell
            continue
        if kind == 1:           # SetColourMapEntries
            _pad, _first, n = struct.unpack("!BHH", stream.recv(5))
            stream.recv(6 * n)
            continue
        if kind == 3:           # ServerCutText
            length = struct.unpack("!3xI", stream.recv(7))[0]
            stream.recv(length)
            continue
        raise AssertionError("unexpected RFB message %d" % kind)
    count = struct.unpack("!xH", stream.recv(3))[0]
    rects = []
    for _ in range(count):
        x, y, w, h, encoding = struct.unpack("!HHHHi", stream.recv(12))
        if encoding == 0:
            pixels[(x, y, w, h)] = stream.recv(w * h * 4)
        elif encoding == -223:      # DesktopSize pseudo-encoding
            pass
        else:
            raise AssertionError("unexpected encoding %d" % encoding)
        rects.append((x, y, w, h, encoding))
    return rects, pixels
