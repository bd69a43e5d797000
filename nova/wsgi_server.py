"""A WSGI application served by cheroot, as an oslo.service service.

cheroot is a maintained, pure-Python HTTP/1.1 server with a thread pool; it
works with native threads and under eventlet's monkey patching alike.

Several worker processes share one listening socket: the parent calls
``listen()`` before forking, and each worker's ``start()`` serves that socket
(accepting without blocking, so a worker that loses the race for a new
connection goes straight back to its other clients).
"""

import socket
import threading

from cheroot import wsgi
from oslo_log import log as logging
from oslo_service import service

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Connections the kernel queues for a listening socket before accept().
BACKLOG = 128


class _CherootServer(wsgi.Server):
    """cheroot's WSGI server, serving ``listening_socket`` when one is given."""

    listening_socket = None

    def bind(self, family, type, proto=0):
        if self.listening_socket is None:
            return super().bind(family, type, proto)
        sock = self.socket = self.listening_socket
        self.bind_addr = self.resolve_real_bind_addr(sock)
        return sock


def _listening_socket(host, port):
    """A TCP socket bound to ``host``:``port`` and listening, as cheroot sets one up."""
    error = None
    for family, kind, proto, _name, addr in socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE):
        sock = wsgi.Server.prepare_socket(addr, family, kind, proto, nodelay=True,
                                          ssl_adapter=None)
        try:
            sock.bind(addr)
            sock.listen(BACKLOG)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError("cannot listen on %s:%s" % (host, port))


class Server(service.ServiceBase):
    """Serve ``app`` on ``host``:``port`` (port 0 picks a free one at start)."""

    def __init__(self, name, app, host="0.0.0.0", port=0, threads=16):
        self.name = name
        self.app = app
        self._requested = (host, port)
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self._listening = None
        self.threads = threads
        self.host = host
        self.port = port

    def listen(self):
        """Bind and listen now, so that processes forked later share the socket.

        Returns ``(host, port)``; a busy port raises OSError here.
        """
        with self._lock:
            if self._listening is None:
                self._listening = _listening_socket(*self._requested)
                self.host, self.port = self._listening.getsockname()[:2]
        return self.host, self.port

    def _make_server(self):
        server = _CherootServer(self._requested, self.app, numthreads=self.threads,
                                server_name="nova-%s" % self.name,
                                timeout=CONF.wsgi.client_socket_timeout or 10,
                                shutdown_timeout=2, request_queue_size=BACKLOG)
        server.listening_socket = self._listening
        server.prepare()  # binds now, so a busy port fails start() itself
        if self._listening is not None:
            # Shared with other workers: never wait in accept() for a
            # connection another worker took.
            server.socket.settimeout(0)
        return server

    def start(self):
        with self._lock:
            if self._server is not None:
                return
            self._server = self._make_server()
            self.host, self.port = self._server.bind_addr[:2]
            self._thread = threading.Thread(target=self._server.serve,
                                            name="wsgi-%s" % self.name, daemon=True)
            self._thread.start()
        LOG.info("%(name)s listening on %(host)s:%(port)s",
                 {"name": self.name, "host": self.host, "port": self.port})

    def stop(self):
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            LOG.info("Stopping WSGI server %s", self.name)
            server.stop()

    def wait(self):
        thread = self._thread
        if thread is not None:
            while thread.is_alive():
                thread.join(0.5)

    def reset(self):
        pass
