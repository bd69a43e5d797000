"""The RFB security proxy: nova-novncproxy does the VNC security handshake.

The proxy, not the browser, negotiates security with the guest's VNC server
(from [vnc] auth_schemes, only "none" today), and offers the browser a
single security type, None. The server's SecurityResult then flows to the
browser through the ordinary relay, so a failed server negotiation is seen
by the client as a failed one. Both sides must speak RFB 3.8.
"""

import struct

from oslo_log import log as logging

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

VERSION_38 = b"RFB 003.008\n"
SECURITY_NONE = 1
SCHEMES = {"none": SECURITY_NONE}


class SecurityProxyError(Exception):
    """The RFB handshake with either side failed; the message says which and why."""


def _recv(sock, count, side):
    data = sock.recv(count)
    if len(data) != count:
        raise SecurityProxyError("the %s closed the connection during the RFB handshake"
                                 % side)
    return data


def _fail_client(tenant, reason):
    # RFB 3.8: zero security types, then a reason string.
    reason = reason.encode("utf-8", "replace")
    try:
        tenant.sendall(b"\x00" + struct.pack("!I", len(reason)) + reason)
    except OSError:
        pass
    raise SecurityProxyError(reason.decode())


def connect(tenant, compute):
    """Run the RFB version and security handshakes between the two sockets.

    ``tenant`` (the browser side) and ``compute`` (the VNC server) need
    ``recv(n)`` returning exactly n bytes or fewer at EOF, and ``sendall``.
    On return the server has been sent its chosen security type; what
    follows (SecurityResult, ClientInit, ...) is relayed as is.
    """
    server_version = _recv(compute, 12, "VNC server")
    if server_version != VERSION_38:
        raise SecurityProxyError("the VNC server speaks %r; security proxying needs "
                                 "RFB 3.8" % server_version[:12])
    tenant.sendall(server_version)
    client_version = _recv(tenant, 12, "client")
    if client_version != VERSION_38:
        _fail_client(tenant, "Security proxying requires RFB protocol version 3.8")
    compute.sendall(client_version)

    count = _recv(compute, 1, "VNC server")[0]
    if count == 0:
        length = struct.unpack("!I", _recv(compute, 4, "VNC server"))[0]
        reason = _recv(compute, length, "VNC server").decode("utf-8", "replace")
        _fail_client(tenant, "The VNC server refused: %s" % reason)
    offered = set(_recv(compute, count, "VNC server"))

    # The browser is offered None only; the proxy is its authentication.
    tenant.sendall(bytes((1, SECURITY_NONE)))
    chosen = _recv(tenant, 1, "client")[0]
    if chosen != SECURITY_NONE:
        _fail_client(tenant, "Only the None security type is offered (got %d)" % chosen)

    for name in CONF.vnc.auth_schemes:
        kind = SCHEMES.get(name.strip().lower())
        if kind is not None and kind in offered:
            break
    else:
        _fail_client(tenant, "No VNC authentication scheme of [vnc] auth_schemes (%s) is "
                             "offered by the server (types %s)"
                     % (",".join(CONF.vnc.auth_schemes), sorted(offered)))
    compute.sendall(bytes((kind,)))
    LOG.debug("RFB security handshake done (server security type %d)", kind)
