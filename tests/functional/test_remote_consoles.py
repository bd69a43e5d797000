"""Remote consoles through the whole control plane and the three console proxies.

The fake driver's guests have real console servers on 127.0.0.1 (an RFB 3.8
server, a SPICE stub answering REDQ, a line-echoing serial console); the
proxies run in this process on free ports, check tokens against the cell
database and ask the compute (over the in-process transport) to confirm the
port, exactly as the daemons do.
"""

import socket
import struct
import threading
import time
from urllib import parse as urlparse

import pytest
import sqlalchemy as sa

import nova.conf
from nova.console import websocketproxy
from nova.db.main import api as main_db
from nova.virt import fake_consoles
from tests import console_client as cc
from tests.functional import stack_fixture

CONF = nova.conf.CONF
HOST = "console1"


def _start_proxy(binary, types):
    svc = websocketproxy.ConsoleProxyService(binary, "127.0.0.1", 0, register=False,
                                             console_types=types)
    svc.start()
    return svc


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("remote-consoles")
    overrides = [("enabled", True, "spice"), ("enabled", True, "serial_console"),
                 ("handshake_timeout", 2, "console")]
    for name, value, group in overrides:
        CONF.set_override(name, value, group=group)
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=(HOST,))
    stops.append(lambda: [CONF.clear_override(n, group=g) for n, _v, g in overrides])
    try:
        cloud.tmp_path = tmp_path
        cloud.proxies = {}
        for binary, types, opt, group, url in (
                ("nova-novncproxy", ("novnc",), "novncproxy_base_url", "vnc",
                 "http://127.0.0.1:%d/vnc_auto.html"),
                ("nova-spicehtml5proxy", ("spice-html5",), "html5proxy_base_url", "spice",
                 "http://127.0.0.1:%d/spice_auto.html"),
                ("nova-serialproxy", ("serial",), "base_url", "serial_console",
                 "ws://127.0.0.1:%d/")):
            svc = _start_proxy(binary, types)
            stops.append(svc.stop)
            cloud.proxies[types[0]] = svc
            CONF.set_override(opt, url % svc.port, group=group)
            stops.append(lambda opt=opt, group=group: CONF.clear_override(opt, group=group))
        cloud.flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                           flavor_id="1")
        cloud.image = cloud.create_image()
        cloud.server = _boot(cloud, "console-me")
        yield cloud
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()


def _boot(stack, name):
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": name, "flavorRef": stack.flavor, "imageRef": stack.image}})
    assert status == 202, body
    return stack.wait_for_status(body["server"]["id"], "ACTIVE")["id"]


def _console(stack, server, protocol="vnc", console_type="novnc", version="2.6", **kw):
    return stack.request("POST", "/servers/%s/remote-consoles" % server,
                         {"remote_console": {"protocol": protocol, "type": console_type}},
                         version=version, **kw)


def _url(stack, server, protocol="vnc", console_type="novnc"):
    status, _h, body = _console(stack, server, protocol, console_type)
    assert status == 200, body
    return body["remote_console"]["url"]


def _token(url):
    query = urlparse.parse_qs(urlparse.urlparse(url).query)
    if "path" in query:
        query = urlparse.parse_qs(urlparse.urlparse(query["path"][0]).query)
    return query["token"][0]


def _ws_url(url, token=None):
    """The WebSocket URL a web client derives from the console URL."""
    parsed = urlparse.urlparse(url)
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    return "%s://%s/?token=%s" % (scheme, parsed.netloc, token or _token(url))


def _token_rows(instance_uuid):
    from nova import context
    engine = main_db.get_engine(context.get_admin_context())
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT token_hash, console_type, port FROM console_auth_tokens "
            "WHERE instance_uuid = :u"), {"u": instance_uuid}).fetchall()


def _guest(stack, server):
    return stack.driver(HOST).instances[server]


def _refusal(url, **headers):
    ws = cc.WebSocket(url, headers=headers)
    try:
        with pytest.raises(cc.Closed) as err:
            ws.recv_frame()
        return err.value
    finally:
        ws.close()


# -- the API -----------------------------------------------------------------------


def test_vnc_console_url_and_framebuffer_through_the_proxy(stack):
    status, _h, body = _console(stack, stack.server)
    assert status == 200, body
    console = body["remote_console"]
    assert (console["protocol"], console["type"]) == ("vnc", "novnc")
    url = urlparse.urlparse(console["url"])
    assert url.path == "/vnc_auto.html"
    assert url.netloc == "127.0.0.1:%d" % stack.proxies["novnc"].port
    token = _token(console["url"])
    rows = _token_rows(stack.server)
    assert any(r.console_type == "novnc" and r.port == _guest(stack, stack.server)
               .consoles.port("vnc") for r in rows)
    assert all(token not in r.token_hash for r in rows)

    ws = cc.WebSocket(_ws_url(console["url"]),
                      headers={"Origin": "http://127.0.0.1:%d" % stack.proxies["novnc"].port})
    try:
        width, height, name, stream = cc.rfb_connect(ws)
        assert (width, height) == (fake_consoles.WIDTH, fake_consoles.HEIGHT)
        assert name == _guest(stack, stack.server).name
        rects, pixels = cc.rfb_framebuffer(ws, stream, width, height)
        data = pixels[(0, 0, width, height)]
        red, green, blue = _guest(stack, stack.server).consoles.servers["vnc"].pixel
        assert data[:4] == bytes((blue, green, red, 0))
        assert len(set(data[i:i + 4] for i in range(0, len(data), 4))) == 1
    finally:
        ws.close()


def test_token_in_cookie_and_novnc_path(stack):
    url = _url(stack, stack.server)
    port = stack.proxies["novnc"].port
    for ws_url, headers in (
            ("ws://127.0.0.1:%d/websockify" % port, {"Cookie": "a=b; token=%s" % _token(url)}),
            ("ws://127.0.0.1:%d/?path=%s" % (port, urlparse.quote("?token=" + _token(url))),
             {})):
        ws = cc.WebSocket(ws_url, headers=headers)
        try:
            assert cc.rfb_connect(ws)[2] == _guest(stack, stack.server).name
        finally:
            ws.close()


def test_spice_and_serial_consoles_through_their_proxies(stack):
    status, _h, body = _console(stack, stack.server, "spice", "spice-html5")
    assert status == 200, body
    assert urlparse.urlparse(body["remote_console"]["url"]).path == "/spice_auto.html"
    ws = cc.WebSocket(_ws_url(body["remote_console"]["url"]))
    try:
        ws.send(b"REDQ" + struct.pack("<III", 2, 2, 4) + b"\0" * 4)
        assert cc.Stream(ws).recv(4) == b"REDQ"
    finally:
        ws.close()

    url = _url(stack, stack.server, "serial", "serial")
    assert url.startswith("ws://127.0.0.1:%d/?token=" % stack.proxies["serial"].port)
    ws = cc.WebSocket(url)
    try:
        stream = cc.Stream(ws)
        assert stream.read_until(b"$ ") == b"$ "
        ws.send(b"uname -a\r")
        assert stream.read_until(b"$ ").startswith(b"echo: uname -a")
    finally:
        ws.close()


def test_legacy_actions_up_to_2_5(stack):
    for action, console_type in (("os-getVNCConsole", "novnc"),
                                 ("os-getSPICEConsole", "spice-html5"),
                                 ("os-getSerialConsole", "serial")):
        status, _h, body = stack.request(
            "POST", "/servers/%s/action" % stack.server, {action: {"type": console_type}},
            version="2.5")
        assert status == 200, body
        assert body["console"]["type"] == console_type
        assert _token(body["console"]["url"])
        status, _h, body = stack.request(
            "POST", "/servers/%s/action" % stack.server, {action: {"type": console_type}},
            version="2.6")
        assert status == 400, body
    status, _h, body = stack.request("POST", "/servers/%s/action" % stack.server,
                                     {"os-getVNCConsole": {"type": "xvpvnc"}})
    assert status == 400 and "xvpvnc" in body["badRequest"]["message"]
    status, _h, body = stack.request("POST", "/servers/%s/action" % stack.server,
                                     {"os-getVNCConsole": {}})
    assert status == 400
    status, _h, body = stack.request("POST", "/servers/%s/remote-consoles" % stack.server,
                                     {"remote_console": {"protocol": "vnc",
                                                         "type": "novnc"}}, version="2.5")
    assert status == 404


def test_console_auth_tokens(stack):
    url = _url(stack, stack.server)
    token = _token(url)
    status, _h, body = stack.request("GET", "/os-console-auth-tokens/%s" % token,
                                     version="2.31")
    assert status == 200, body
    assert body["console"] == {
        "instance_uuid": stack.server, "host": "127.0.0.1",
        "port": _guest(stack, stack.server).consoles.port("vnc"),
        "internal_access_path": None}
    status, _h, body = stack.request("GET", "/os-console-auth-tokens/%s" % token,
                                     version="2.99")
    assert status == 200 and body["console"]["tls_port"] is None
    status, _h, body = stack.request("GET", "/os-console-auth-tokens/%s" % token,
                                     version="2.30")
    assert status == 401, body
    status, _h, body = stack.request("GET", "/os-console-auth-tokens/%s" % token,
                                     version="2.31", user="eve", project="admin2")
    assert status == 403, body
    status, _h, body = stack.request("GET", "/os-console-auth-tokens/nope", version="2.31")
    assert status == 404 and body["itemNotFound"]["message"] == "Token not found"


def test_refusals(stack, monkeypatch):
    server = stack.server
    # Wrong pairs and unknown types are 400s; mks is 501 from 2.8, unknown before.
    status, _h, body = _console(stack, server, "vnc", "spice-html5")
    assert status == 400 and "Invalid console type spice-html5" in body["badRequest"][
        "message"]
    status, _h, body = _console(stack, server, "mks", "webmks", version="2.8")
    assert status == 501, body
    status, _h, body = _console(stack, server, "mks", "webmks", version="2.7")
    assert status == 400, body
    status, _h, body = _console(stack, server, "rdp", "rdp-html5")
    assert status == 501, body
    status, _h, body = _console(stack, server, "spice", "spice-direct", version="2.98")
    assert status == 400, body
    status, _h, body = _console(stack, server, "spice", "spice-direct", version="2.99")
    assert status == 400 and "spice-direct" in body["badRequest"]["message"], body
    status, _h, body = _console(stack, server, "vnc", "novnc", version="2.6",
                                user="eve", project="other")
    assert status == 404, body
    # A disabled console type is a 400 naming it.
    CONF.set_override("enabled", False, group="vnc")
    try:
        status, _h, body = _console(stack, server)
        assert status == 400 and body["badRequest"]["message"] == (
            "Unavailable console type novnc.")
    finally:
        CONF.clear_override("enabled", group="vnc")
    # A hypervisor without such consoles: 501.
    from nova.virt import fake
    monkeypatch.setattr(fake.FakeDriver, "get_serial_console",
                        lambda self, context, instance: (_ for _ in ()).throw(
                            NotImplementedError()))
    status, _h, body = _console(stack, server, "serial", "serial")
    assert status == 501, body
    status, _h, body = stack.request("POST", "/servers/%s/action" % server,
                                     {"os-getSerialConsole": {"type": "serial"}})
    assert status == 501 and body["notImplemented"]["message"] == (
        "Unable to get serial console, functionality not implemented")


def test_stopped_server_is_409_and_its_old_tokens_die(stack):
    server = _boot(stack, "stop-me")
    url = _url(stack, server)
    stack.request("POST", "/servers/%s/action" % server, {"os-stop": None})
    stack.wait_for_status(server, "SHUTOFF")
    status, _h, body = _console(stack, server)
    assert status == 409, body
    assert "power state" in body["conflictingRequest"]["message"]
    stack.request("POST", "/servers/%s/action" % server, {"os-start": None})
    stack.wait_for_status(server, "ACTIVE")
    # The token still validates in the database, but the compute no longer
    # has a console at that port: the proxy refuses it (stale host:port).
    fresh = _url(stack, server)
    assert _token_rows(server)
    closed = _refusal(_ws_url(url))
    assert closed.code == 1008 and "no longer" in closed.reason
    ws = cc.WebSocket(_ws_url(fresh))
    try:
        assert cc.rfb_connect(ws)[2] == _guest(stack, server).name
    finally:
        ws.close()
    stack.request("DELETE", "/servers/%s" % server)
    stack.wait_for_gone(server)


def test_delete_revokes_tokens(stack):
    server = _boot(stack, "delete-me")
    url = _url(stack, server)
    _url(stack, server, "serial", "serial")
    assert len(_token_rows(server)) == 2
    stack.request("DELETE", "/servers/%s" % server)
    stack.wait_for_gone(server)
    assert _token_rows(server) == []
    closed = _refusal(_ws_url(url))
    assert closed.code == 1008 and "invalid or has expired" in closed.reason


def test_expired_tokens_are_purged_by_the_compute(stack):
    server = _boot(stack, "purge-me")
    CONF.set_override("token_ttl", 0, group="consoleauth")
    try:
        _url(stack, server)
        _url(stack, server, "serial", "serial")
    finally:
        CONF.clear_override("token_ttl", group="consoleauth")
    _url(stack, server)
    assert len(_token_rows(server)) == 3
    from nova import context
    manager = stack.computes[HOST].manager
    manager._cleanup_expired_console_auth_tokens(context.get_admin_context())
    rows = _token_rows(server)
    assert len(rows) == 1 and rows[0].console_type == "novnc"
    stack.request("DELETE", "/servers/%s" % server)
    stack.wait_for_gone(server)


def test_local_delete_revokes_tokens(stack):
    """A server whose compute is down is deleted by the API; its tokens go too."""
    server = _boot(stack, "local-delete")
    _url(stack, server)
    assert len(_token_rows(server)) == 1
    status, _h, body = stack.request("GET", "/os-services?binary=nova-compute",
                                     version="2.53")
    service_id = body["services"][0]["id"]
    status, _h, body = stack.request("PUT", "/os-services/%s" % service_id,
                                     {"forced_down": True}, version="2.53")
    assert status == 200, body
    try:
        status, _h, body = stack.request("DELETE", "/servers/%s" % server)
        assert status == 204, body
        stack.wait_for_gone(server)
        assert _token_rows(server) == []
        # Deleted by the API alone: the hypervisor still has the guest.
        assert server in stack.driver(HOST).instances
    finally:
        stack.driver(HOST).remove_instance(server)
        stack.request("PUT", "/os-services/%s" % service_id, {"forced_down": False},
                      version="2.53")


# -- the proxies' bad input ----------------------------------------------------------


def test_proxy_refuses_unknown_tokens_origins_and_wrong_types(stack, caplog):
    port = stack.proxies["novnc"].port
    url = _url(stack, stack.server)
    closed = _refusal("ws://127.0.0.1:%d/?token=made-up" % port)
    assert closed.code == 1008 and "invalid" in closed.reason
    closed = _refusal("ws://127.0.0.1:%d/" % port)
    assert closed.code == 1008 and "No console token" in closed.reason
    closed = _refusal(_ws_url(url), Origin="http://evil.example.com")
    assert closed.reason == "Origin header does not match this host."
    closed = _refusal(_ws_url(url), Origin="https://127.0.0.1:%d" % port)
    assert closed.reason == "Origin header protocol does not match this host."
    closed = _refusal(_ws_url(url), Origin="http://127.0.0.1:%d" % port,
                      **{"X-Forwarded-Proto": "https"})
    assert closed.reason == "Origin header protocol does not match this host."
    closed = _refusal(_ws_url(url), Origin="null")
    assert closed.reason == "Origin header not valid."
    CONF.set_override("allowed_origins", ["console.example.com"], group="console")
    try:
        ws = cc.WebSocket(_ws_url(url), headers={"Origin": "http://console.example.com"})
        try:
            assert cc.rfb_connect(ws)[2]
        finally:
            ws.close()
    finally:
        CONF.clear_override("allowed_origins", group="console")
    # A serial token on the VNC proxy.
    serial = _token(_url(stack, stack.server, "serial", "serial"))
    closed = _refusal("ws://127.0.0.1:%d/?token=%s" % (port, serial))
    assert closed.code == 1008 and "serial" in closed.reason
    # An expired token.
    CONF.set_override("token_ttl", 0, group="consoleauth")
    try:
        expired = _url(stack, stack.server)
    finally:
        CONF.clear_override("token_ttl", group="consoleauth")
    closed = _refusal(_ws_url(expired))
    assert "invalid or has expired" in closed.reason


def test_proxy_survives_silent_and_malformed_clients(stack):
    port = stack.proxies["novnc"].port
    url = _url(stack, stack.server)
    # Twenty sockets that never say anything, and one that stops mid-handshake.
    silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]
    half = socket.create_connection(("127.0.0.1", port), timeout=10)
    half.sendall(b"GET /?token=x HTTP/1.1\r\nHost: a\r\n")
    # Meanwhile another user's console works.
    ws = cc.WebSocket(_ws_url(url))
    try:
        assert cc.rfb_connect(ws)[2]
    finally:
        ws.close()
    # The proxy drops them after [console] handshake_timeout (2 s here).
    started = time.monotonic()
    for sock in silent + [half]:
        assert sock.recv(100) == b""
        sock.close()
    assert time.monotonic() - started < 10
    # A malformed upgrade: no key, bad version.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /?token=x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
    # Garbage instead of HTTP.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\x00\xff" * 100 + b"\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        assert b"Error code: 400" in answer
    # A client that upgrades and then never answers the RFB version.
    ws = cc.WebSocket(_ws_url(_url(stack, stack.server)))
    try:
        assert cc.Stream(ws).recv(12) == b"RFB 003.008\n"
        with pytest.raises(cc.Closed) as err:
            ws.recv_frame()
        assert err.value.code == 1008
    finally:
        ws.close()
    # Still serving.
    ws = cc.WebSocket(_ws_url(_url(stack, stack.server)))
    try:
        assert cc.rfb_connect(ws)[2]
    finally:
        ws.close()


def test_many_consoles_at_once(stack):
    urls = [_url(stack, stack.server) for _ in range(10)]
    results = []

    def one(url):
        ws = cc.WebSocket(_ws_url(url))
        try:
            width, height, _name, stream = cc.rfb_connect(ws)
            rects, _pixels = cc.rfb_framebuffer(ws, stream, width, height)
            results.append(len(rects))
        finally:
            ws.close()

    threads = [threading.Thread(target=one, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [1] * 10


def test_openstack_console_url_show(stack):
    for flag, path in (("--novnc", "/vnc_auto.html"), ("--spice", "/spice_auto.html"),
                       ("--serial", "/")):
        shown = stack.osc("console", "url", "show", flag, stack.server)
        assert urlparse.urlparse(shown["url"]).path == path, shown
        assert _token(shown["url"])
    ws = cc.WebSocket(_ws_url(stack.osc("console", "url", "show", "--novnc",
                                        stack.server)["url"]))
    try:
        assert cc.rfb_connect(ws)[2] == _guest(stack, stack.server).name
    finally:
        ws.close()


def _self_signed(tmp_path):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "proxy.crt", tmp_path / "proxy.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_tls_only_proxy(stack):
    cert, key = _self_signed(stack.tmp_path)
    for name, value in (("cert", cert), ("key", key), ("ssl_only", True)):
        CONF.set_override(name, value)
    try:
        svc = _start_proxy("nova-novncproxy", ("novnc",))
    finally:
        for name in ("cert", "key", "ssl_only"):
            CONF.clear_override(name)
    try:
        url = _url_on(stack, svc)
        assert url.startswith("https://127.0.0.1:%d/" % svc.port)
        ws = cc.WebSocket(_ws_url(url), headers={"Origin": "https://127.0.0.1:%d" % svc.port})
        try:
            assert ws.status_line.startswith("HTTP/1.1 101")
            assert cc.rfb_connect(ws)[2] == _guest(stack, stack.server).name
        finally:
            ws.close()
        # Plain WebSocket or an http Origin: refused.
        with pytest.raises((cc.HandshakeRefused, OSError)):
            cc.WebSocket("ws://127.0.0.1:%d/?token=%s" % (svc.port, _token(url)))
        closed = _refusal(_ws_url(_url_on(stack, svc)),
                          Origin="http://127.0.0.1:%d" % svc.port)
        assert closed.reason == "Origin header protocol does not match this host."
    finally:
        svc.stop()


def _url_on(stack, svc):
    """A console URL on the given (TLS) proxy."""
    CONF.set_override("novncproxy_base_url",
                      "https://127.0.0.1:%d/vnc_auto.html" % svc.port, group="vnc")
    try:
        return _url(stack, stack.server)
    finally:
        CONF.set_override("novncproxy_base_url", "http://127.0.0.1:%d/vnc_auto.html"
                          % stack.proxies["novnc"].port, group="vnc")
