"""A WSGI application served by cheroot, as an oslo.service service.

cheroot is a maintained, pure-Python HTTP/1.1 server with a thread pool; it
works with native threads and under eventlet's monkey patching alike.
"""

import threading

from cheroot import wsgi
from oslo_log import log as logging
from oslo_service import service

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class Server(service.ServiceBase):
    """Serve ``app`` on ``host``:``port`` (port 0 picks a free one at start)."""

    def __init__(self, name, app, host="0.0.0.0", port=0, threads=16):
        self.name = name
        self.app = app
        self._requested = (host, port)
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self.threads = threads
        self.host = host
        self.port = port

    def _make_server(self):
        server = wsgi.Server(self._requested, self.app, numthreads=self.threads,
                             server_name="nova-%s" % self.name,
                             timeout=CONF.wsgi.client_socket_timeout or 10,
                             shutdown_timeout=2)
        server.prepare()  # binds now, so a busy port fails start() itself
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
