"""nova-api-metadata: the metadata API instances read (cloud-init).

Run as a daemon (``main``, the console script) it serves
``nova.api.metadata.wsgi_app.application`` on ``[DEFAULT] metadata_listen``:
``metadata_listen_port`` with ``metadata_workers`` processes.

In a WSGI container (uwsgi, gunicorn, mod_wsgi) point it at
``nova.cmd.metadata:application``: the first access reads the configuration
files named by ``OS_NOVA_CONFIG_FILES`` (separated by ``;``, default
``/etc/nova/nova.conf``) and sets up logging and messaging once.
"""

import os
import sys
import threading

from nova.cmd import common
from nova import service

BINARY = "nova-api-metadata"
_lock = threading.Lock()
_application = None


def main():
    common.parse_args(sys.argv, BINARY)
    return common.run(service.WSGIService("metadata"))


def init_application():
    """The configured WSGI application, for WSGI containers."""
    global _application
    with _lock:
        if _application is None:
            files = os.environ.get("OS_NOVA_CONFIG_FILES", "/etc/nova/nova.conf")
            argv = [BINARY]
            for path in [f for f in files.split(";") if f.strip()]:
                argv += ["--config-file", path.strip()]
            common.parse_args(argv, BINARY)
            from nova.api.metadata import wsgi_app
            _application = wsgi_app.init_application()
        return _application


def __getattr__(name):
    if name == "application":
        return init_application()
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
