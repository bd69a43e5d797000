"""The RFB security proxy between two real socket pairs (client side, server side)."""

import socket
import struct
import threading

import pytest

import nova.conf
from nova.console import rfb

CONF = nova.conf.CONF


class Side:
    """One end of a socketpair, read with exact counts (as the proxy's sockets)."""

    def __init__(self, sock):
        self.sock = sock
        sock.settimeout(5)

    def recv(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def sendall(self, data):
        self.sock.sendall(data)


@pytest.fixture
def sides():
    tenant_proxy, tenant = socket.socketpair()
    compute_proxy, compute = socket.socketpair()
    yield Side(tenant_proxy), Side(tenant), Side(compute_proxy), Side(compute)
    for s in (tenant_proxy, tenant, compute_proxy, compute):
        s.close()


def _run(tenant_proxy, compute_proxy):
    result = {}

    def target():
        try:
            rfb.connect(tenant_proxy, compute_proxy)
            result["ok"] = True
        except rfb.SecurityProxyError as exc:
            result["error"] = str(exc)
    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def test_server_security_is_done_by_the_proxy_and_client_gets_none(sides):
    tenant_proxy, tenant, compute_proxy, compute = sides
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.008\n")
    assert tenant.recv(12) == b"RFB 003.008\n"
    tenant.sendall(b"RFB 003.008\n")
    assert compute.recv(12) == b"RFB 003.008\n"
    compute.sendall(bytes((3, 2, 19, 1)))        # VNC auth, VeNCrypt, None
    assert tenant.recv(2) == b"\x01\x01"          # the client is offered None only
    tenant.sendall(b"\x01")
    assert compute.recv(1) == b"\x01"             # the proxy chose None with the server
    thread.join(5)
    assert result == {"ok": True}


def test_server_without_an_allowed_scheme_fails_the_client_with_a_reason(sides):
    tenant_proxy, tenant, compute_proxy, compute = sides
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.008\n")
    tenant.recv(12)
    tenant.sendall(b"RFB 003.008\n")
    compute.recv(12)
    compute.sendall(bytes((1, 2)))                # VNC password auth only
    assert tenant.recv(2) == b"\x01\x01"
    tenant.sendall(b"\x01")
    assert tenant.recv(1) == b"\x00"              # zero types: failure, then why
    length = struct.unpack("!I", tenant.recv(4))[0]
    assert b"auth_schemes" in tenant.recv(length)
    thread.join(5)
    assert "auth_schemes" in result["error"]


def test_old_protocol_versions_are_refused(sides):
    tenant_proxy, tenant, compute_proxy, compute = sides
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.008\n")
    tenant.recv(12)
    tenant.sendall(b"RFB 003.003\n")
    assert tenant.recv(1) == b"\x00"
    thread.join(5)
    assert "3.8" in result["error"]

    tenant_proxy, tenant, compute_proxy, compute = (Side(s) for s in
                                                    socket.socketpair() + socket.socketpair())
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.003\n")
    thread.join(5)
    assert "RFB 3.8" in result["error"]


def test_server_refusing_with_a_reason(sides):
    tenant_proxy, tenant, compute_proxy, compute = sides
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.008\n")
    tenant.recv(12)
    tenant.sendall(b"RFB 003.008\n")
    compute.recv(12)
    compute.sendall(b"\x00" + struct.pack("!I", 9) + b"too many!")
    assert tenant.recv(1) == b"\x00"
    length = struct.unpack("!I", tenant.recv(4))[0]
    assert b"too many!" in tenant.recv(length)
    thread.join(5)
    assert "too many!" in result["error"]


def test_client_closing_midway(sides):
    tenant_proxy, tenant, compute_proxy, compute = sides
    thread, result = _run(tenant_proxy, compute_proxy)
    compute.sendall(b"RFB 003.008\n")
    tenant.recv(12)
    tenant.sock.close()
    thread.join(5)
    assert "client closed" in result["error"]
