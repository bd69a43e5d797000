"""A service on a fixed loopback port that a test can take down, slow down or break.

``FlakyService(app)`` serves a WSGI app (the Neutron stand-in, the image
store, the embedded Placement) on a port of its own. ``down()`` closes the
listening socket (clients get "connection refused"), ``up()`` listens again
on the same port; ``slow(seconds)`` delays answers; ``fail(status)`` answers
with that HTTP status (both optionally only for the requests a ``when(method,
path)`` picks); ``ok()`` restores service.
"""

import threading
import time
from wsgiref import simple_server

from tests.functional import neutron_standin
from tests import private_server


def _free_port():
    return private_server.free_port()


class FlakyService:
    def __init__(self, app=None):
        self.app = app
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.delay = 0
        self.status = None
        self.when = None
        self.requests = 0
        self._server = None
        self._thread = None
        self.up()

    # -- what clients see ---------------------------------------------------------
    def ok(self):
        self.delay, self.status, self.when = 0, None, None
        self.up()

    def slow(self, seconds, when=None):
        """Delay answers (those for which ``when(method, path)`` is true, if given)."""
        self.delay, self.when = seconds, when

    def fail(self, status=503, when=None):
        """Answer ``status`` (to the requests ``when(method, path)`` picks, if given)."""
        self.status, self.when = status, when

    def down(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def up(self):
        if self._server is not None:
            return
        for _attempt in range(50):
            try:
                server = simple_server.make_server(
                    "127.0.0.1", self.port, self, server_class=neutron_standin._Server,
                    handler_class=neutron_standin._QuietHandler)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("port %d did not come free" % self.port)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(neutron_standin.STOP_POLL,), daemon=True)
        self._thread.start()

    def stop(self):
        self.down()

    def __call__(self, environ, start_response):
        self.requests += 1
        if self.when is not None and not self.when(environ["REQUEST_METHOD"],
                                                   environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        if self.delay:
            time.sleep(self.delay)
        if self.status:
            body = b'{"message": "injected failure"}'
            start_response("%d Injected" % self.status,
                           [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)
