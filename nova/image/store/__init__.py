"""The embedded local image store: the Glance v2 calls clients make, served from files.

``serve()`` builds the store from ``[image_store]`` and serves it in a thread
(nova-all calls it); ``build_app()`` gives the bare WSGI application.
"""

import os

from oslo_log import log as logging
from oslo_service import service as oslo_service

import nova.conf
from nova.image.store.app import build_app  # noqa: F401
from nova import wsgi_server

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# The store this process serves, if any: the image client reaches it when
# [glance] backend = local and no endpoint_override is set.
_RUNNING = None


class RunningStore:
    def __init__(self, server, app):
        self.server = server
        self.app = app
        self.store = app.store

    @property
    def endpoint(self):
        host = self.server.host
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, self.server.port)

    def stop(self):
        global _RUNNING
        self.server.stop()
        self.store.close()
        if _RUNNING is self:
            _RUNNING = None


def serve(conf=None, host=None, port=None, data_dir=None):
    """Start the store on ``[image_store] listen``:``port`` in a thread; a RunningStore."""
    global _RUNNING
    conf = conf or CONF
    group = conf.image_store
    app = build_app(data_dir or group.data_dir, auth_strategy=group.auth_strategy,
                    conf=conf, default_user=conf.api.noauth2_default_user,
                    default_project=conf.api.noauth2_default_project,
                    limit_default=group.limit_param_default, limit_max=group.api_limit_max,
                    size_cap=group.image_size_cap)
    server = wsgi_server.Server("image_store", app,
                                host=host if host is not None else group.listen,
                                port=port if port is not None else group.port,
                                threads=group.threads)
    try:
        server.start()
    except Exception:
        app.store.close()
        raise
    running = RunningStore(server, app)
    _RUNNING = running
    LOG.info("Image store serving %s from %s", running.endpoint, app.store.data_dir)
    return running


def running_endpoint():
    """The URL of the store this process serves, or None."""
    return _RUNNING.endpoint if _RUNNING is not None else None


class ImageStoreService(oslo_service.ServiceBase):
    """The store as an oslo.service service (nova-all's bundle, ``python -m``)."""

    def __init__(self):
        self.running = None

    @property
    def endpoint(self):
        return self.running.endpoint if self.running else None

    def start(self):
        os.makedirs(CONF.image_store.data_dir, exist_ok=True)
        self.running = serve()

    def stop(self):
        if self.running is not None:
            self.running.stop()
            self.running = None

    def wait(self):
        pass

    def reset(self):
        pass
