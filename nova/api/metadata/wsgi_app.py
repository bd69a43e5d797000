"""WSGI application of the metadata API (nova-api-metadata).

``application`` serves what instances read about themselves (see
``nova.api.metadata.base``). The root lists the EC2 versions without
looking anything up; every other path first finds the requesting instance:

* behind the Neutron metadata proxy (``[neutron] service_metadata_proxy``)
  from ``X-Instance-ID``, ``X-Tenant-ID`` and ``X-Instance-ID-Signature``
  (hex HMAC-SHA256 of the id with ``[neutron] metadata_proxy_shared_secret``),
  or, for the load-balancer variant, ``X-Metadata-Provider`` (+ its
  ``-Signature``) and ``X-Forwarded-For``;
* otherwise by the requester's fixed address (the REMOTE_ADDR, or
  ``X-Forwarded-For`` when ``[api] use_forwarded_for``).

Answers: 400 for missing proxy headers or a bad password body, 403 for a
forged signature (one warning in the log), 404 for an unknown instance,
tenant or path, 405 for a method the path does not take, 409 for a second
password.
"""

import hashlib
import hmac

from oslo_log import log as logging
import webob
import webob.dec

import nova.conf
from nova.api.metadata import base
from nova.api.metadata import lookup
from nova.api.metadata import password
from nova.api.metadata import vendordata
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Kept for callers of the first version of this module.
VERSIONS = base.EC2_VERSIONS


class _Error(Exception):
    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _text(status, body, headers=None):
    response = webob.Response(status=status, content_type="text/plain", charset="UTF-8")
    response.text = body
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_TITLES = {400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found",
           405: "405 Method Not Allowed", 409: "409 Conflict", 500: "500 Internal Server Error",
           503: "503 Service Unavailable"}


def _error_response(exc):
    title = _TITLES.get(exc.status, str(exc.status))
    return _text(exc.status, "%s\n\n%s\n" % (title, exc.message), exc.headers)


def sign(value):
    """The hex HMAC-SHA256 of ``value`` with the shared secret (what the proxy sends)."""
    secret = CONF.neutron.metadata_proxy_shared_secret or ""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def _single_header(req, name):
    values = req.headers.getall(name) if hasattr(req.headers, "getall") else None
    if values is None:
        value = req.headers.get(name)
        if value is not None and "," in value:
            raise _Error(400, "Multiple %s headers found in the request." % name)
        return value
    if len(values) > 1:
        raise _Error(400, "Multiple %s headers found in the request." % name)
    return values[0] if values else None


def _check_signature(value, signature, header, remote):
    expected = sign(value)
    if not hmac.compare_digest(expected.encode(), (signature or "").encode()):
        if value is not None:
            LOG.warning("%s for %s does not match the expected signature; request "
                        "from %s refused", header, value, remote)
        raise _Error(403, "Invalid proxy request signature.")


def _remote_address(req):
    address = req.remote_addr
    if CONF.api.use_forwarded_for:
        forwarded = req.headers.get("X-Forwarded-For")
        if forwarded:
            address = forwarded.split(",")[0].strip()
    return address


def _by_instance_id(req):
    instance_id = _single_header(req, "X-Instance-ID")
    tenant_id = _single_header(req, "X-Tenant-ID")
    signature = _single_header(req, "X-Instance-ID-Signature")
    remote = req.headers.get("X-Forwarded-For") or req.remote_addr
    if instance_id is None:
        raise _Error(400, "X-Instance-ID header is missing from request.")
    if signature is None:
        raise _Error(400, "X-Instance-ID-Signature header is missing from request.")
    if tenant_id is None:
        raise _Error(400, "X-Tenant-ID header is missing from request.")
    _check_signature(instance_id, signature, "X-Instance-ID-Signature", remote)
    return _for_instance(instance_id, tenant_id, remote)


def _for_instance(instance_id, tenant_id, remote):
    md = lookup.get_metadata_by_instance_id(instance_id, remote)
    if md is None:
        raise _Error(404, "Instance %s could not be found." % instance_id)
    if md.project_id != tenant_id:
        LOG.warning("Tenant %s does not own instance %s; metadata request from %s refused",
                    tenant_id, instance_id, remote)
        raise _Error(404, "Instance %s could not be found." % instance_id)
    return md


def _by_provider(req):
    provider_id = _single_header(req, "X-Metadata-Provider")
    signature = _single_header(req, "X-Metadata-Provider-Signature")
    forwarded = req.headers.get("X-Forwarded-For")
    remote = forwarded.split(",")[0].strip() if forwarded else None
    if not remote:
        raise _Error(400, "X-Forwarded-For is missing from request.")
    if provider_id is None:
        raise _Error(400, "X-Metadata-Provider is missing from request.")
    if CONF.neutron.metadata_proxy_shared_secret:
        if signature is None:
            raise _Error(400, "X-Metadata-Provider-Signature header is missing from "
                              "request.")
        _check_signature(provider_id, signature, "X-Metadata-Provider-Signature", remote)
    try:
        instance_id, tenant_id = lookup.get_instance_id_by_provider(provider_id, remote)
    except exception.NovaException as exc:
        LOG.warning("Finding the instance of %s behind provider %s failed: %s",
                    remote, provider_id, exc)
        raise _Error(404, "Instance with address %s could not be found." % remote)
    if instance_id is None:
        raise _Error(404, "Instance with address %s could not be found." % remote)
    return _for_instance(instance_id, tenant_id, remote)


def _by_address(req):
    address = _remote_address(req)
    try:
        md = lookup.get_metadata_by_address(address)
    except exception.NovaException as exc:
        LOG.warning("Finding the instance of address %s failed: %s", address, exc)
        md = None
    if md is None:
        raise _Error(404, "No instance holds address %s." % address)
    return md


def find_metadata(req):
    if CONF.neutron.service_metadata_proxy:
        if req.headers.get("X-Metadata-Provider") is not None:
            return _by_provider(req)
        return _by_instance_id(req)
    return _by_address(req)


def _password_post(req, md, path):
    parts = [p for p in path.split("/") if p]
    is_password = (len(parts) == 3 and parts[0] == "openstack" and parts[2] == base.PASS_NAME
                   and (parts[1] in base.OPENSTACK_VERSIONS or parts[1] == base.LATEST)
                   and base.PASS_NAME in md.openstack_files(parts[1]))
    if not is_password:
        raise _Error(405, "The method POST is not allowed for this resource.",
                     {"Allow": "GET, HEAD"})
    if req.content_length is not None and req.content_length > password.MAX_SIZE:
        raise _Error(400, "Request is too large.")
    body = req.body
    if len(body) > password.MAX_SIZE:
        raise _Error(400, "Request is too large.")
    try:
        value = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Error(400, "The password must be UTF-8 text.")
    from nova import context as nova_context
    try:
        instance = lookup.get_instance(nova_context.get_admin_context(), md.uuid)
        password.set_password(instance, value)
    except exception.NotFound:
        raise _Error(404, "Instance %s could not be found." % md.uuid)
    except password.PasswordTooLong as exc:
        raise _Error(400, str(exc))
    except password.PasswordAlreadySet as exc:
        raise _Error(409, str(exc))
    lookup.invalidate(md)
    return _text(200, "")


def _serve(req):
    path = req.path_info or "/"
    if req.method not in ("GET", "HEAD", "POST"):
        raise _Error(405, "The method %s is not allowed for this resource." % req.method,
                     {"Allow": "GET, HEAD, POST"})
    if path.strip("/") == "":
        if req.method == "POST":
            raise _Error(405, "The method POST is not allowed for this resource.",
                         {"Allow": "GET, HEAD"})
        return _text(200, "\n".join(base.EC2_VERSIONS + (base.LATEST,)))
    md = find_metadata(req)
    if req.method == "POST":
        return _password_post(req, md, path)
    try:
        data = md.lookup(path)
    except base.InvalidMetadataPath:
        raise _Error(404, "The resource could not be found.")
    except vendordata.DynamicVendorDataFailed as exc:
        raise _Error(503, str(exc))
    if isinstance(data, bytes):
        response = webob.Response(content_type="text/plain", charset=None)
        response.body = data
        return response
    if path.rstrip("/").endswith(".json"):
        response = webob.Response(content_type="application/json", charset="UTF-8")
        response.text = data
        return response
    return _text(200, data)


@webob.dec.wsgify
def application(req):
    try:
        return _serve(req)
    except _Error as exc:
        return _error_response(exc)
    except Exception:  # never a traceback to an instance
        LOG.exception("Metadata request %s %s failed", req.method, req.path_info)
        return _text(500, "500 Internal Server Error\n\nAn unknown error has occurred. "
                          "Please try your request again.\n")


def init_application():
    return application
