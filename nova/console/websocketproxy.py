"""The console proxies' server: websockify's WebSocket handling, one thread per client.

A browser loads the console client (noVNC or spice-html5) as static files
from the proxy, then opens a WebSocket carrying a console token. The token
names the instance console to connect to; until console tokens are issued
(nova-api's remote-consoles), every token is unknown and the WebSocket is
closed with an invalid-token reason.
"""

import http.server
import os
import socketserver
import threading
from urllib import parse as urlparse

from oslo_log import log as logging
from oslo_service import service
from websockify import websocketproxy

import nova.conf
from nova import context

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

NOVNC_WEB = "/usr/share/novnc"
SPICE_WEB = "/usr/share/spice-html5"

# WebSocket close code for a refused console token (RFC 6455: policy violation).
CLOSE_INVALID_TOKEN = 1008


def token_from_request(path, headers):
    """The console token of a request: ?token=..., else the 'token' cookie."""
    query = urlparse.parse_qs(urlparse.urlparse(path).query)
    token = (query.get("token") or [""])[0]
    if not token:
        # noVNC may carry the target path, with the token, in ?path=...
        inner = (query.get("path") or [""])[0]
        token = (urlparse.parse_qs(urlparse.urlparse(inner).query).get("token") or [""])[0]
    if not token:
        for cookie in headers.get_all("Cookie") or []:
            for part in cookie.split(";"):
                name, _, value = part.strip().partition("=")
                if name == "token":
                    token = value
    return token


class NovaProxyRequestHandler(websocketproxy.ProxyRequestHandler):
    """Static files over HTTP; WebSocket clients are checked for a console token."""

    def setup(self):
        super().setup()
        # Serve the client's files without changing the process's directory.
        if self.server.web:
            self.directory = self.server.web

    def new_websocket_client(self):
        token = token_from_request(self.path, self.headers)
        connect_info = self.server.lookup_token(token)
        if connect_info is None:
            LOG.info("Rejected console connection from %s: invalid token",
                     self.client_address[0])
            raise self.CClose(CLOSE_INVALID_TOKEN,
                              "The token '%s' is invalid or has expired" % token[:64])
        raise self.CClose(CLOSE_INVALID_TOKEN, "Console connections are not available")

    def log_message(self, fmt, *args):
        LOG.info("%s - %s", self.address_string(), fmt % args)


class ProxyServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded HTTP server with the attributes websockify's handler reads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host, port, web=None, handler=NovaProxyRequestHandler):
        self.web = web if web and os.path.isdir(web) else None
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
        super().__init__((host, port), handler)

    def lookup_token(self, token):
        """Connection details for ``token``; no console tokens exist yet."""
        return None

    def process_request(self, request, client_address):
        self.handler_id += 1
        super().process_request(request, client_address)


class ConsoleProxyService(service.Service):
    """A console proxy daemon: the proxy server plus its services-table row."""

    def __init__(self, binary, host, port, web=None, register=True):
        super().__init__()
        self.binary = binary
        self.topic = None
        self.host = CONF.host
        self.listen = (host, port)
        self.web = web
        self.register = register
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
        self.server = ProxyServer(self.listen[0], self.listen[1], web=self.web)
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name=self.binary, daemon=True)
        self._thread.start()
        LOG.info("%(binary)s listening on %(host)s:%(port)s, serving %(web)s",
                 {"binary": self.binary, "host": self.listen[0], "port": self.port,
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
