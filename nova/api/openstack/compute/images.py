"""The image proxy: /images and /images/{id}/metadata, read through the image service.

Deprecated upstream and kept for older clients: the images calls answer up
to microversion 2.35 and the metadata calls up to 2.38; after that they are
404. Images come from the image API client (Glance v2 or the embedded
store) with the caller's token: the image service decides what each caller
may see and change (as upstream, no policy rule of nova's applies).
Metadata are the image's properties.
"""

import webob.exc

from nova.api.openstack import common
from nova.api.openstack import wsgi
from nova import exception
from nova.image import api as image_api
from nova import quota

IMAGES = image_api.API()

# Glance status -> (the compute API's status, progress)
STATUS = {"active": ("ACTIVE", 100), "queued": ("SAVING", 25), "saving": ("SAVING", 50),
          "importing": ("SAVING", 50), "uploading": ("SAVING", 50),
          "deleted": ("DELETED", 0), "pending_delete": ("DELETED", 0),
          "killed": ("ERROR", 0)}
# GET /images filters -> the image service's names
FILTERS = {"name": "name", "status": "status", "changes-since": "changes-since",
           "minDisk": "min_disk", "minRam": "min_ram", "type": "image_type",
           "server": "instance_uuid"}


def _links(req, image_id):
    links = common.resource_links(req, "images", image_id)
    try:
        links.append({"rel": "alternate", "type": "application/vnd.openstack.image",
                      "href": IMAGES.generate_image_url(req.context, image_id)})
    except exception.NovaException:
        pass
    return links


def _time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _basic(req, image):
    return {"id": image["id"], "name": image.get("name"), "links": _links(req, image["id"])}


def _detail(req, image):
    status, progress = STATUS.get(image.get("status"), ("UNKNOWN", 0))
    view = dict(_basic(req, image), created=_time(image.get("created_at")),
                updated=_time(image.get("updated_at")), status=status, progress=progress,
                minDisk=image.get("min_disk") or 0, minRam=image.get("min_ram") or 0,
                metadata={k: _text(v) for k, v in (image.get("properties") or {}).items()})
    view["OS-EXT-IMG-SIZE:size"] = image.get("size")
    server = (image.get("properties") or {}).get("instance_uuid")
    if server:
        view["server"] = {"id": server, "links": common.resource_links(req, "servers",
                                                                       server)}
    return view


def _text(value):
    from nova.image import glance
    return glance._property_text(value)


def _get(req, image_id):
    try:
        return IMAGES.get(req.context, image_id)
    except (exception.ImageNotFound, exception.ImageNotAuthorized):
        raise webob.exc.HTTPNotFound(explanation="Image not found.")


def _list(req, detail):
    filters = {FILTERS[k]: v for k, v in req.GET.items() if k in FILTERS}
    limit, marker = common.get_limit_and_marker(req)
    try:
        images = IMAGES.get_all(req.context, filters=filters, limit=limit, marker=marker,
                                page_size=limit)
    except exception.Invalid as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    build = _detail if detail else _basic
    body = {"images": [build(req, i) for i in images]}
    links = common.collection_links(req, body["images"], "images")
    if links:
        body["images_links"] = links
    return body


@wsgi.expected_errors(400)
@wsgi.api_version("2.1", "2.35")
def index(req):
    return _list(req, False)


@wsgi.expected_errors(400)
@wsgi.api_version("2.1", "2.35")
def detail(req):
    return _list(req, True)


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.35")
def show(req, id):
    return {"image": _detail(req, _get(req, id))}


@wsgi.expected_errors((403, 404))
@wsgi.response(204)
@wsgi.api_version("2.1", "2.35")
def delete(req, id):
    try:
        IMAGES.delete(req.context, id)
    except exception.ImageNotFound:
        raise webob.exc.HTTPNotFound(explanation="Image not found.")
    except exception.ImageNotAuthorized:
        raise webob.exc.HTTPForbidden(
            explanation="You are not allowed to delete the image.")


# -- /images/{image_id}/metadata (up to 2.38) ----------------------------------------

def _metadata_body(req, key):
    body = req.get_json()
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise webob.exc.HTTPBadRequest(explanation="Malformed request body")
    for name, value in body[key].items():
        if not isinstance(name, str) or not name or len(name) > 255 or \
                not isinstance(value, str) or len(value) > 255:
            raise webob.exc.HTTPBadRequest(
                explanation="Invalid input for field/attribute %s." % key)
    return body[key]


def _save_properties(req, image, properties):
    try:
        quota.QUOTAS.limit_check(req.context, metadata_items=len(properties))
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(explanation="Quota exceeded for metadata items.")
    try:
        IMAGES.update(req.context, image["id"], {"properties": properties},
                      purge_props=True)
    except exception.ImageNotAuthorized as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())
    return {k: _text(v) for k, v in properties.items()}


@wsgi.expected_errors((403, 404))
@wsgi.api_version("2.1", "2.38")
def metadata_index(req, image_id):
    image = _get(req, image_id)
    return {"metadata": {k: _text(v) for k, v in (image.get("properties") or {}).items()}}


@wsgi.expected_errors((400, 403, 404))
@wsgi.api_version("2.1", "2.38")
def metadata_update_all(req, image_id):
    """POST: merge the given items into the image's metadata."""
    items = _metadata_body(req, "metadata")
    image = _get(req, image_id)
    properties = dict(image.get("properties") or {})
    properties.update(items)
    return {"metadata": _save_properties(req, image, properties)}


@wsgi.expected_errors((400, 403, 404))
@wsgi.api_version("2.1", "2.38")
def metadata_replace(req, image_id):
    """PUT: the given items become the image's whole metadata."""
    items = _metadata_body(req, "metadata")
    image = _get(req, image_id)
    return {"metadata": _save_properties(req, image, dict(items))}


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.38")
def metadata_show(req, image_id, id):
    properties = _get(req, image_id).get("properties") or {}
    if id not in properties:
        raise webob.exc.HTTPNotFound(explanation="Invalid metadata key")
    return {"meta": {id: _text(properties[id])}}


@wsgi.expected_errors((400, 403, 404))
@wsgi.api_version("2.1", "2.38")
def metadata_update(req, image_id, id):
    items = _metadata_body(req, "meta")
    if id not in items:
        raise webob.exc.HTTPBadRequest(explanation="Request body and URI mismatch")
    if len(items) > 1:
        raise webob.exc.HTTPBadRequest(explanation="Request body contains too many items")
    image = _get(req, image_id)
    properties = dict(image.get("properties") or {})
    properties[id] = items[id]
    _save_properties(req, image, properties)
    return {"meta": {id: items[id]}}


@wsgi.expected_errors((403, 404))
@wsgi.response(204)
@wsgi.api_version("2.1", "2.38")
def metadata_delete(req, image_id, id):
    image = _get(req, image_id)
    properties = dict(image.get("properties") or {})
    if id not in properties:
        raise webob.exc.HTTPNotFound(explanation="Invalid metadata key")
    del properties[id]
    _save_properties(req, image, properties)


ROUTES = [
    ("/images", {"GET": index}),
    ("/images/detail", {"GET": detail}),
    ("/images/{id}", {"GET": show, "DELETE": delete}),
    ("/images/{image_id}/metadata", {"GET": metadata_index, "POST": metadata_update_all,
                                     "PUT": metadata_replace}),
    ("/images/{image_id}/metadata/{id}", {"GET": metadata_show, "PUT": metadata_update,
                                          "DELETE": metadata_delete}),
]
