"""The console proxies' server: websockify's WebSocket handling, one thread per client.

A browser loads the console client (noVNC or spice-html5) as static files
from the proxy, then opens a WebSocket carrying a console token (in the
query string, the ``token`` cookie, or noVNC's ``?path=`` with the token in
it). Before anything is relayed the proxy

1. finds the token's row in the cell database (unknown, expired, or its
   instance deleted: refused),
2. checks the token is of a console type this proxy serves,
3. checks the browser's Origin header against the Host it asked for and
   [console] allowed_origins, and its scheme against the console URL's
   (or X-Forwarded-Proto's),
4. asks the instance's compute host whether the port is still the
   instance's console (validate_console_port),

then connects to the console server and relays bytes both ways; for VNC it
first runs the RFB security handshake itself (nova.console.rfb). Every
refusal closes the WebSocket with code 1008 and a reason, and logs a line;
clients that stay silent are dropped after [console] handshake_timeout.
"""

import http.server
import os
import socket
import socketserver
import ssl
import threading
from urllib import parse as urlparse

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import service
from websockify import websocketproxy

import nova.conf
from nova.console import rfb
from nova import context
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

NOVNC_WEB = "/usr/share/novnc"
SPICE_WEB = "/usr/share/spice-html5"

# WebSocket close code for a refused console (RFC 6455: policy violation).
CLOSE_REFUSED = 1008
CLOSE_INVALID_TOKEN = CLOSE_REFUSED

# The console URL's page ([vnc] novncproxy_base_url defaults to vnc_auto.html,
# which noVNC 1.x no longer has or links to vnc.html, a page waiting for a
# click): the page that connects at once.
_ALIASES = {"/vnc_auto.html": "/vnc_lite.html"}


class Refused(Exception):
    """A console connection the proxy will not relay; the message says why."""


def token_from_request(path, headers):
    """The console token of a request: ?token=..., noVNC's ?path=...?token=...,
    the 'token' cookie, or a path whose last segment is the token."""
    url = urlparse.urlparse(path)
    query = urlparse.parse_qs(url.query)
    token = (query.get("token") or [""])[0]
    if not token:
        # noVNC carries the WebSocket path, with the token, in ?path=...
        inner = urlparse.urlparse((query.get("path") or [""])[0])
        token = (urlparse.parse_qs(inner.query).get("token") or [""])[0]
    if not token:
        for cookie in headers.get_all("Cookie") or []:
            for part in cookie.split(";"):
                name, _, value = part.strip().partition("=")
                if name == "token":
                    token = value
    if not token:
        segments = [s for s in url.path.split("/") if s]
        if segments and segments[-1] not in ("websockify",) and "." not in segments[-1]:
            token = segments[-1]
    return token


def _expected_schemes(access_url_base):
    scheme = urlparse.urlparse(access_url_base or "").scheme
    return {"http": {"http"}, "https": {"https"}, "ws": {"ws", "http"},
            "wss": {"wss", "https"}}.get(scheme, {scheme})


class TenantSock:
    """The browser's WebSocket as a byte stream (for the RFB handshake)."""

    def __init__(self, handler):
        self.handler = handler
        self.buffer = b""
        self.closed = None

    def recv(self, count):
        while len(self.buffer) < count and not self.closed:
            bufs, closed = self.handler.recv_frames()
            self.buffer += b"".join(bufs)
            if closed:
                self.closed = closed
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def sendall(self, data):
        self.handler.send_frames([data])


class NovaProxyRequestHandler(websocketproxy.ProxyRequestHandler):
    """Static files over HTTP; WebSocket clients are checked, then relayed."""

    def setup(self):
        # A client gets this long for its request and the console handshakes.
        self.timeout = CONF.console.handshake_timeout
        super().setup()
        # Serve the client's files without changing the process's directory.
        if self.server.web:
            self.directory = self.server.web

    def translate_path(self, path):
        bare = urlparse.urlparse(path).path
        if bare in _ALIASES and self.server.web and os.path.exists(
                os.path.join(self.server.web, _ALIASES[bare].lstrip("/"))):
            path = _ALIASES[bare]
        return super().translate_path(path)

    def _check_origin(self, connect_info):
        origin_url = self.headers.get("Origin")
        if origin_url is None:
            return  # not a browser: nothing to protect against
        host = urlparse.urlparse("//" + (self.headers.get("Host") or "")).hostname
        expected = {h for h in [host] + list(CONF.console.allowed_origins) if h}
        origin = urlparse.urlparse(origin_url)
        if not origin.hostname or not origin.scheme:
            raise Refused("Origin header not valid.")
        if origin.hostname not in expected:
            raise Refused("Origin header does not match this host.")
        scheme = self.headers.get("X-Forwarded-Proto") or origin.scheme
        if scheme not in _expected_schemes(connect_info.access_url_base):
            raise Refused("Origin header protocol does not match this host.")

    def _connect_info(self):
        token = token_from_request(self.path, self.headers)
        if not token:
            raise Refused("No console token was given.")
        connect_info = self.server.check_token(token)
        if connect_info.console_type not in self.server.console_types:
            raise Refused("The token is for a %s console, not one this proxy serves."
                          % connect_info.console_type)
        self._check_origin(connect_info)
        self.server.check_port(connect_info)
        return connect_info

    def _open_console(self, connect_info):
        sock = socket.create_connection((connect_info.host, int(connect_info.port)),
                                        timeout=CONF.console.handshake_timeout)
        if connect_info.internal_access_path:
            sock.sendall(("CONNECT %s HTTP/1.1\r\n\r\n"
                          % connect_info.internal_access_path).encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            if answer.split(b"\r\n", 1)[0].split()[1:2] != [b"200"]:
                sock.close()
                raise Refused("The console server refused the access path.")
        return sock

    def new_websocket_client(self):
        client = self.client_address[0]
        try:
            connect_info = self._connect_info()
        except (Refused, exception.InvalidToken) as exc:
            reason = (exc.format_message() if isinstance(exc, exception.NovaException)
                      else str(exc))
            LOG.info("Refused console connection from %s: %s", client, reason)
            raise self.CClose(CLOSE_REFUSED, reason)
        instance_uuid = connect_info.instance_uuid
        try:
            tsock = self._open_console(connect_info)
        except (OSError, Refused) as exc:
            LOG.warning("Console of instance %s at %s:%s cannot be reached for %s: %s",
                        instance_uuid, connect_info.host, connect_info.port, client, exc)
            raise self.CClose(1011, "The console server cannot be reached.")
        try:
            if connect_info.console_type == "novnc":
                tenant = TenantSock(self)
                try:
                    rfb.connect(tenant, tsock)
                except (rfb.SecurityProxyError, OSError) as exc:
                    LOG.info("RFB handshake with %s for instance %s failed: %s", client,
                             instance_uuid, exc)
                    raise self.CClose(CLOSE_REFUSED, "RFB handshake failed")
                if tenant.buffer:
                    tsock.sendall(tenant.buffer)
                if tenant.closed:
                    raise self.CClose(tenant.closed["code"], tenant.closed["reason"])
            # Connected: an idle console stays open as long as both sides do.
            self.connection.settimeout(None)
            tsock.settimeout(None)
            LOG.info("%s connected to the %s console of instance %s (%s:%s)", client,
                     connect_info.console_type, instance_uuid, connect_info.host,
                     connect_info.port)
            self.server.connections_opened += 1
            try:
                self.do_proxy(tsock)
            except self.CClose:
                raise
            except OSError as exc:
                LOG.info("Console of instance %s for %s ended: %s", instance_uuid, client,
                         exc)
        finally:
            try:
                tsock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tsock.close()
            LOG.info("%s closed the %s console of instance %s", client,
                     connect_info.console_type, instance_uuid)

    def handle(self):
        try:
            super().handle()
        except OSError as exc:
            # A client that went silent or away: never the proxy's problem.
            LOG.info("Console client %s dropped: %s", self.client_address[0], exc)

    def log_message(self, fmt, *args):
        LOG.info("%s - %s", self.address_string(), fmt % args)


class ProxyServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded HTTP server with the attributes websockify's handler reads."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host, port, web=None, console_types=("novnc",),
                 handler=NovaProxyRequestHandler, ssl_context=None, ssl_only=False):
        self.web = web if web and os.path.isdir(web) else None
        self.console_types = tuple(console_types)
        self.ssl_context = ssl_context
        self.ssl_only = ssl_only
        self.connections_opened = 0
        # Read by websockify's request handler.
        self.only_upgrade = self.web is None
        self.file_only = True
        self.verbose = False
        self.daemon = False
        self.record = None
        self.run_once = False
        self.handler_id = 0
        self.traffic = False
        self.web_auth = False
        self.host_token = False
        self.logger = None
        self.token_plugin = None
        self.auth_plugin = None
        self.target_host = self.target_port = None
        self.wrap_cmd = self.unix_target = self.ssl_target = None
        self.heartbeat = None
        self._compute_rpcapi = None
        super().__init__((host, port), handler)

    # -- the checks ----------------------------------------------------------------

    def check_token(self, token):
        """The token's ConsoleAuthToken; InvalidToken when it opens nothing."""
        return objects.ConsoleAuthToken.validate(context.get_admin_context(), token)

    @property
    def compute_rpcapi(self):
        if self._compute_rpcapi is None:
            from nova.compute import rpcapi as compute_rpcapi
            self._compute_rpcapi = compute_rpcapi.ComputeAPI()
        return self._compute_rpcapi

    def check_port(self, connect_info):
        """Refused unless the instance's host says the port is still its console."""
        ctxt = context.get_admin_context()
        try:
            instance = objects.Instance.get_by_uuid(ctxt, connect_info.instance_uuid)
        except exception.InstanceNotFound:
            raise Refused("The instance is gone.")
        if not instance.host:
            raise Refused("The instance has no host.")
        try:
            valid = self.compute_rpcapi.validate_console_port(
                ctxt, instance, str(connect_info.port), connect_info.console_type)
        except messaging.MessagingException as exc:
            LOG.warning("Compute %s could not confirm the console port of %s: %s",
                        instance.host, instance.uuid, exc)
            raise Refused("The instance's compute host did not confirm the console.")
        if not valid:
            raise Refused("The console port %s is no longer the instance's."
                          % connect_info.port)

    # -- TLS and threads -----------------------------------------------------------------

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            request.settimeout(CONF.console.handshake_timeout)
            try:
                first = request.recv(1, socket.MSG_PEEK)
                if first[:1] == b"\x16":
                    request = self.ssl_context.wrap_socket(request, server_side=True)
                    client_address = (client_address[0], client_address[1], True)
                elif self.ssl_only:
                    LOG.info("Refused a plain connection from %s: [DEFAULT] ssl_only",
                             client_address[0])
                    return
            except (OSError, ssl.SSLError) as exc:
                LOG.info("TLS handshake with %s failed: %s", client_address[0], exc)
                return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        LOG.exception("Unexpected error serving console client %s", client_address[0])

    def process_request(self, request, client_address):
        self.handler_id += 1
        super().process_request(request, client_address)


def ssl_context_from_conf():
    """The proxies' TLS context from [DEFAULT] cert/key, or None without a cert."""
    cert = CONF.cert
    if not cert or not os.path.exists(cert):
        if CONF.ssl_only:
            raise exception.NovaException(
                message="[DEFAULT] ssl_only is set but the certificate %s does not exist"
                % cert)
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, CONF.key or None)
    return ctx


class ConsoleProxyService(service.Service):
    """A console proxy daemon: the proxy server plus its services-table row."""

    def __init__(self, binary, host, port, web=None, register=True,
                 console_types=("novnc",)):
        super().__init__()
        self.binary = binary
        self.topic = None
        self.host = CONF.host
        self.listen = (host, port)
        self.web = CONF.web or web
        self.register = register
        self.console_types = console_types
        self.server = None
        self.service_ref = None
        self._thread = None

    @property
    def port(self):
        return self.server.server_address[1] if self.server else None

    def start(self):
        if self.register:
            from nova import service as nova_service
            self.service_ref = nova_service.register_service_record(
                context.get_admin_context(), self.host, self.binary, self.topic)
        self.server = ProxyServer(self.listen[0], self.listen[1], web=self.web,
                                  console_types=self.console_types,
                                  ssl_context=ssl_context_from_conf(),
                                  ssl_only=CONF.ssl_only)
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name=self.binary, daemon=True)
        self._thread.start()
        LOG.info("%(binary)s listening on %(host)s:%(port)s (%(tls)s), serving %(web)s",
                 {"binary": self.binary, "host": self.listen[0], "port": self.port,
                  "tls": "TLS only" if CONF.ssl_only else (
                      "TLS or plain" if self.server.ssl_context else "plain"),
                  "web": self.server.web or "no static files"})

    def stop(self, graceful=True):
        server = self.server
        if server is not None:
            server.shutdown()
            server.server_close()
        super().stop(graceful=False)

    def wait(self):
        thread = self._thread
        if thread is not None:
            while thread.is_alive():
                thread.join(0.5)

    def reset(self):
        pass
