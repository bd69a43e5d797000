"""WSGI application of the compute API, as nova-api and WSGI containers load it.

The application is the PasteDeploy composite ``osapi_compute`` of the file
named by ``[wsgi] api_paste_config`` (searched in the configuration
directories, then the copy in this source tree's etc/nova/).
"""

import os

from oslo_config import cfg
from oslo_log import log as logging
from paste import deploy

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

APP_NAME = "osapi_compute"
_SOURCE_COPY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                            "..", "etc", "nova", "api-paste.ini"))


def find_paste_config():
    name = CONF.wsgi.api_paste_config
    if os.path.isabs(name) and os.path.exists(name):
        return name
    try:
        found = CONF.find_file(name)
    except cfg.NoSuchOptError:
        found = None
    except Exception:  # the configuration is not parsed yet
        found = None
    if found:
        return os.path.abspath(found)
    if os.path.exists(name):
        return os.path.abspath(name)
    if os.path.basename(name) == "api-paste.ini" and os.path.exists(_SOURCE_COPY):
        return _SOURCE_COPY
    raise exception.ConfigNotFound(path=name)


def load_app(name=APP_NAME, config_path=None):
    """The named application of the paste configuration."""
    path = config_path or find_paste_config()
    LOG.debug("Loading %s from %s", name, path)
    return deploy.loadapp("config:%s" % path, name=name)


def init_application():
    """The WSGI callable (the entry point WSGI containers use)."""
    return load_app()
