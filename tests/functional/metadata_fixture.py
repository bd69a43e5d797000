"""The metadata API served for real next to the in-process cloud, and cloud-init's readers.

``serve_metadata()`` runs ``nova.api.metadata.wsgi_app.application`` on a free
127.0.0.1 port with cheroot (as nova-api-metadata does). ``proxy_headers()``
are the headers the Neutron metadata proxy adds. ``cloudinit()`` imports
cloud-init's own modules from the Debian package: they are skipped when it
is missing locally, and fail under CI=true.
"""

import base64
import hashlib
import hmac
import os
import sys
import urllib.error
import urllib.request

import pytest

import nova.conf
from nova.api.metadata import lookup
from nova.api.metadata import wsgi_app
from nova import wsgi_server

CONF = nova.conf.CONF
SECRET = "s3cr3t-shared-with-the-proxy"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"


class MetadataServer:
    def __init__(self, server):
        self.server = server
        self.url = "http://127.0.0.1:%d" % server.port

    def request(self, path, method="GET", headers=None, data=None):
        """(status, headers, body bytes) of one HTTP request."""
        req = urllib.request.Request(self.url + path, method=method, data=data,
                                     headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()


def serve_metadata():
    """Start the metadata API; returns (MetadataServer, stop)."""
    lookup.reset_cache()
    server = wsgi_server.Server("metadata", wsgi_app.init_application(), host="127.0.0.1",
                                port=0, threads=8)
    server.start()

    def stop():
        server.stop()
        lookup.reset_cache()
    return MetadataServer(server), stop


def sign(value, secret=SECRET):
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def proxy_headers(instance_id, project_id, secret=SECRET, address="10.0.0.3"):
    return {"X-Instance-ID": instance_id, "X-Tenant-ID": project_id,
            "X-Instance-ID-Signature": sign(instance_id, secret),
            "X-Forwarded-For": address}


def set_conf(values):
    """Override options ``{(group, name): value}``; returns the undo function."""
    for (group, name), value in values.items():
        CONF.set_override(name, value, group=None if group == "DEFAULT" else group)

    def undo():
        for (group, name) in values:
            CONF.clear_override(name, group=None if group == "DEFAULT" else group)
    return undo


def cloudinit():
    """cloud-init's ``openstack`` and ``ec2`` helper modules and ``url_helper``."""
    # The Debian package's modules are found through its directory for this import
    # only: sys.path is restored after, so other tests see the venv alone.
    saved = list(sys.path)
    if DIST_PACKAGES not in sys.path and os.path.isdir(DIST_PACKAGES):
        sys.path.append(DIST_PACKAGES)
    try:
        from cloudinit import net  # noqa: F401  (convert_net_json uses it)
        from cloudinit import url_helper
        from cloudinit.sources.helpers import ec2
        from cloudinit.sources.helpers import openstack
    except ImportError as exc:
        message = "cloud-init (Debian package cloud-init) is not installed: %s" % exc
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        sys.path[:] = saved
    return openstack, ec2, url_helper


def proxied_reader(base_url, headers):
    """cloud-init's MetadataReader, sending the Neutron proxy's headers on every request
    and reading the EC2 tree from ``base_url`` (not the link-local address)."""
    openstack, ec2, url_helper = cloudinit()

    class ProxiedReader(openstack.MetadataReader):
        def _path_read(self, path, decode=False):
            response = url_helper.readurl(path, retries=0, timeout=self.timeout,
                                          headers=headers)
            return response.contents.decode() if decode else response.contents

        def _read_ec2_metadata(self):
            return ec2.get_instance_metadata(metadata_address=base_url, timeout=self.timeout,
                                             retries=0, headers_cb=lambda url: headers)

    return ProxiedReader(base_url, timeout=10, retries=0)


def b64(text):
    return base64.b64encode(text.encode()).decode()
