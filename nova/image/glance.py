"""The Glance v2 client nova uses, over a keystoneauth1 adapter from ``[glance]``.

Where the image service is:

* ``[glance] endpoint_override`` when set (a real Glance or the embedded store);
* else, with ``[glance] backend = local``, the embedded store this process
  serves (``nova.image.store.serve``) or ``[image_store] listen``:``port``;
* else the service catalog (``service_type = image``).

Who calls: the request context's token (the user's own rights, as Glance
checks them), else the service credentials of ``[glance]`` (``auth_type``),
else under the embedded store's noauth2 a ``user:project`` token made from the
context (an admin context acts as ``admin:admin``).

Glance errors become nova exceptions (ImageNotFound, ImageNotAuthorized, ...);
images become the dicts nova passes around: core attributes plus
``properties`` (the extra properties), dates as naive UTC datetimes.
"""

import hashlib
import os
import time

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import timeutils

import nova.conf
from nova import service_auth
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

CHUNK = 64 * 1024
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
# Core attributes of a Glance v2 image; everything else is an extra property.
CORE = ("id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
        "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size", "min_ram",
        "min_disk", "disk_format", "container_format", "created_at", "updated_at", "tags",
        "direct_url", "locations")
_WRITABLE = ("name", "visibility", "protected", "os_hidden", "min_ram", "min_disk",
             "disk_format", "container_format", "tags", "owner")
_GENERATED = ("self", "file", "schema", "stores")
# Properties nova stores as JSON text.
_JSON_PROPERTIES = ("block_device_mapping", "mappings")


def _noauth_token(context):
    if context is None or (context.is_admin and not context.user_id):
        return "admin:admin"
    return "%s:%s" % (context.user_id or "admin", context.project_id or "admin")


def _endpoint_override():
    if CONF.glance.endpoint_override:
        return CONF.glance.endpoint_override
    if CONF.glance.backend == "local":
        from nova.image import store
        running = store.running_endpoint()
        if running:
            return running
        host = CONF.image_store.listen
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        return "http://%s:%d" % ("[%s]" % host if ":" in host else host,
                                  CONF.image_store.port)
    return None


def _auth_for(context):
    """The caller's token (a new plugin per request); without one nova's [glance]
    credentials (one plugin per process), else a noauth token; wrapped with the
    [service_user] token when that is configured."""
    auth = service_auth.user_auth(context)
    if auth is None:
        auth = service_auth.conf_auth("glance")
    if auth is None:
        auth = service_auth.UserTokenAuth(_noauth_token(context), None)
    return service_auth.with_service_token(auth)


def _message(response):
    """The human part of a Glance error body (JSON, text or HTML)."""
    if response is None:
        return ""
    text = response.text or ""
    try:
        body = jsonutils.loads(text)
        text = body.get("message") or body.get("error", {}).get("message") or text
    except (ValueError, AttributeError):
        pass
    for junk in ("<br />", "<br/>"):
        text = text.replace(junk, " ")
    return " ".join(text.split())


def _translate_error(exc, image_id, on_conflict=None):
    """The nova exception for a keystoneauth error of a request about ``image_id``."""
    status = getattr(exc, "http_status", None)
    message = _message(getattr(exc, "response", None)) or str(exc)
    if status == 404:
        return exception.ImageNotFound(image_id=image_id)
    if status in (401, 403):
        return exception.ImageNotAuthorized(image_id=image_id)
    if status == 400:
        return exception.ImageBadRequest(image_id=image_id, response=message)
    if status == 409:
        return (on_conflict or exception.ImageConflict)(image_id=image_id, reason=message)
    if status == 413:
        return exception.ImageQuotaExceeded(image_id=image_id)
    server = _endpoint_override() or "catalog"
    if isinstance(exc, ks_exc.ConnectTimeout):
        return exception.ImageServiceTimeout(
            server=server, reason="no answer within [glance] timeout (%ss)"
            % CONF.glance.timeout)
    if isinstance(exc, (ks_exc.ConnectionError, ks_exc.EndpointNotFound,
                        ks_exc.DiscoveryFailure)) or (status or 0) >= 500:
        return exception.GlanceConnectionFailed(server=server, reason=message)
    return exception.NovaException("Image service error for %s: %s" % (image_id, message))


def _parse_date(value):
    if not value or not isinstance(value, str):
        return value
    return timeutils.parse_isotime(value).replace(tzinfo=None)


def from_glance(image):
    """A Glance v2 image document as nova's image dict (``properties`` split out)."""
    result = {key: image.get(key) for key in CORE if key in image}
    result["created_at"] = _parse_date(image.get("created_at"))
    result["updated_at"] = _parse_date(image.get("updated_at"))
    result["deleted"] = image.get("status") == "deleted"
    result["deleted_at"] = None
    result["is_public"] = image.get("visibility") == "public"
    properties = {}
    for key, value in image.items():
        if key in CORE or key in _GENERATED:
            continue
        if key in _JSON_PROPERTIES and isinstance(value, str):
            try:
                value = jsonutils.loads(value)
            except ValueError:
                pass
        properties[key] = value
    result["properties"] = properties
    return result


def _property_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return jsonutils.dumps(value)
    return str(value)


def to_glance(image_meta):
    """Nova's image dict as a flat Glance v2 document (only what a client may set)."""
    image_meta = dict(image_meta or {})
    if "is_public" in image_meta and "visibility" not in image_meta:
        image_meta["visibility"] = "public" if image_meta["is_public"] else "private"
    doc = {k: image_meta[k] for k in _WRITABLE + ("id",)
           if image_meta.get(k) is not None}
    for key, value in (image_meta.get("properties") or {}).items():
        if value is not None and key not in CORE and key not in _GENERATED:
            doc[key] = _property_text(value)
    return doc


class GlanceClient:
    """Glance v2 calls for one request context."""

    def __init__(self, context):
        self.context = context
        self.adapter = service_auth.adapter("glance", _auth_for(context),
                                            endpoint_override=_endpoint_override())

    def _url(self, path):
        base = self.adapter.get_endpoint()
        if not base:
            raise exception.GlanceConnectionFailed(
                server="catalog", reason="no image endpoint in the service catalog")
        base = base.rstrip("/")
        if base.endswith("/v2"):
            base = base[:-3]
        return base + path

    def request(self, method, path, image_id=None, on_conflict=None, retry=False, **kwargs):
        headers = kwargs.pop("headers", {})
        attempts = 1 + (max(CONF.glance.num_retries, 0) if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                return self.adapter.request(self._url(path), method, headers=headers,
                                            raise_exc=True, **kwargs)
            except (ks_exc.ConnectionError, ks_exc.ServiceUnavailable) as exc:
                if attempt >= attempts or isinstance(exc, ks_exc.ConnectTimeout):
                    raise _translate_error(exc, image_id, on_conflict) from exc
                LOG.warning("Image service %s %s failed (attempt %d of %d): %s",
                            method, path, attempt, attempts, exc)
                time.sleep(min(2 ** (attempt - 1), 5))
            except ks_exc.ClientException as exc:
                raise _translate_error(exc, image_id, on_conflict) from exc

    # -- metadata ----------------------------------------------------------------------
    def show(self, image_id):
        return self.request("GET", "/v2/images/%s" % image_id, image_id, retry=True).json()

    def list(self, params):
        """Every image matching ``params`` (a list of pairs), following ``next`` links."""
        images = []
        path = "/v2/images"
        query = list(params)
        while path:
            resp = self.request("GET", path, retry=True, params=query).json()
            images.extend(resp.get("images", []))
            path, query = resp.get("next"), None
        return images

    def create(self, doc):
        return self.request("POST", "/v2/images", doc.get("id"), json=doc).json()

    def patch(self, image_id, operations):
        return self.request("PATCH", "/v2/images/%s" % image_id, image_id,
                            data=jsonutils.dump_as_bytes(operations),
                            headers={"Content-Type": PATCH_TYPE}).json()

    def delete(self, image_id):
        self.request("DELETE", "/v2/images/%s" % image_id, image_id,
                     on_conflict=exception.ImageDeleteConflict)

    # -- data --------------------------------------------------------------------------
    def upload(self, image_id, data, size=None):
        headers = {"Content-Type": "application/octet-stream"}
        if size is not None:
            headers["Content-Length"] = str(size)
        self.request("PUT", "/v2/images/%s/file" % image_id, image_id, data=data,
                     headers=headers)

    def open_data(self, image_id):
        """The streamed response of GET .../file, or None when the image has no data."""
        resp = self.request("GET", "/v2/images/%s/file" % image_id, image_id, retry=True,
                            stream=True)
        if resp.status_code == 204:
            resp.close()
            return None
        return resp


def write_verified(resp, image, out):
    """Copy the image data of ``resp`` into the file object ``out``, checking its hash."""
    algo, expected = image.get("os_hash_algo"), image.get("os_hash_value")
    if not (algo and expected):
        algo, expected = "md5", image.get("checksum")
    digest = hashlib.new(algo, usedforsecurity=False) if expected else None
    try:
        for chunk in resp.iter_content(CHUNK):
            if digest is not None:
                digest.update(chunk)
            out.write(chunk)
    finally:
        resp.close()
    if digest is not None and digest.hexdigest() != expected:
        raise exception.ImageDownloadFailed(
            image_href=image.get("id"),
            reason="the %s of the data read does not match the image's" % algo)


def download_to_path(resp, image, dst_path):
    """Stream into ``dst_path`` through a temporary file; nothing partial is left."""
    tmp = "%s.part" % dst_path
    try:
        with open(tmp, "wb") as out:
            write_verified(resp, image, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
