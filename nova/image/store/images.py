"""Handlers of /v2/images: create, list, show, update (JSON patch), delete, upload,
download, deactivate/reactivate, tags and members."""

import uuid

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import webob
import webob.exc

from nova.image.store import files
from nova.image.store import listing
from nova.image.store import schema
from nova.image.store import views

LOG = logging.getLogger(__name__)


def json_response(body, status=200):
    resp = webob.Response(status=status, content_type="application/json", charset=None)
    resp.body = jsonutils.dump_as_bytes(body)
    return resp


def _json_body(req):
    try:
        return jsonutils.loads(req.body.decode("utf-8")) if req.body else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise webob.exc.HTTPBadRequest(explanation="Malformed JSON in request body: %s" % exc)


def _forbidden(action):
    raise webob.exc.HTTPForbidden(
        explanation="You are not authorized to complete %s action." % action)


class ImagesController:
    def __init__(self, store):
        self.store = store
        self.repo = store.repo

    # -- helpers -------------------------------------------------------------------------
    def _visible(self, ctx, image):
        if ctx.is_admin or image["owner"] == ctx.project_id:
            return True
        if image["visibility"] in ("public", "community"):
            return True
        return (image["visibility"] == "shared"
                and self.repo.get_member(image["id"], ctx.project_id) is not None)

    def get_visible(self, ctx, image_id):
        image = self.repo.get(image_id) if uuidutils.is_uuid_like(image_id) else None
        if image is None or not self._visible(ctx, image):
            raise webob.exc.HTTPNotFound(explanation="No image found with ID %s" % image_id)
        return image

    def get_owned(self, ctx, image_id, action="modify_image"):
        image = self.get_visible(ctx, image_id)
        if not ctx.is_admin and image["owner"] != ctx.project_id:
            _forbidden(action)
        return image

    @staticmethod
    def _check_publicize(ctx, old, new):
        if new.get("visibility") == "public" and old.get("visibility") != "public" \
                and not ctx.is_admin:
            _forbidden("publicize_image")
        if "owner" in new and new["owner"] != old.get("owner") and not ctx.is_admin:
            raise webob.exc.HTTPForbidden(explanation="Owner can't be updated by non admin.")

    # -- images ----------------------------------------------------------------------------
    def create(self, req, ctx):
        body = _json_body(req)
        if not isinstance(body, dict):
            raise webob.exc.HTTPBadRequest(explanation="Request body must be a JSON object.")
        for key in body:
            schema.check_settable(key)
        schema.validate(body)
        self._check_publicize(ctx, {"owner": ctx.project_id}, body)
        now = timeutils.utcnow()
        core, props = views.split(body)
        image = {"id": core.pop("id", None) or str(uuid.uuid4()), "name": None,
                 "status": "queued", "visibility": "shared", "protected": False,
                 "os_hidden": False, "owner": ctx.project_id, "min_ram": 0, "min_disk": 0,
                 "created_at": now, "updated_at": now}
        image.update(core)
        image["properties"] = props
        image["tags"] = list(dict.fromkeys(body.get("tags") or []))
        if self.repo.get(image["id"]) is not None:
            raise webob.exc.HTTPConflict(
                explanation="Image with identifier %s already exists!" % image["id"])
        self.repo.create(image)
        resp = json_response(views.show(image), 201)
        resp.headers["Location"] = req.host_url + "/v2/images/" + image["id"]
        return resp

    def index(self, req, ctx):
        params = req.GET
        where = listing.conditions(ctx, params)
        sort = listing.sorting(params)
        limit = listing.limit(params, self.store.limit_default, self.store.limit_max)
        marker_row = None
        if params.get("marker"):
            try:
                marker_row = self.get_visible(ctx, params["marker"])
            except webob.exc.HTTPNotFound:
                raise webob.exc.HTTPBadRequest(
                    explanation="Invalid marker. Image %s could not be found."
                                % params["marker"])
        rows = self.repo.query(where, sort, marker_row, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        body = {"images": [views.show(r) for r in rows], "schema": "/v2/schemas/images"}
        body.update(listing.page_links(params, rows[-1]["id"] if rows else None, more))
        return json_response(body)

    def show(self, req, ctx, image_id):
        return json_response(views.show(self.get_visible(ctx, image_id)))

    def update(self, req, ctx, image_id):
        media_type = (req.content_type or "").lower()
        if media_type not in schema.PATCH_MEDIA_TYPES:
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation="Unsupported Content-Type %r; use %s" % (
                    req.content_type, schema.PATCH_MEDIA_TYPES[0]))
        image = self.get_owned(ctx, image_id)
        old = views.flat(image)
        new = schema.apply_patch(old, _json_body(req), media_type)
        schema.validate(new)
        self._check_publicize(ctx, old, new)
        core, props = views.split(new)
        image.update(core)
        image["properties"] = props
        image["tags"] = list(dict.fromkeys(new.get("tags") or []))
        if not self.repo.save(image):
            raise webob.exc.HTTPNotFound(explanation="No image found with ID %s" % image_id)
        return json_response(views.show(image))

    def delete(self, req, ctx, image_id):
        image = self.get_owned(ctx, image_id, "delete_image")
        if image["protected"]:
            raise webob.exc.HTTPForbidden(
                explanation="Image %s is protected and cannot be deleted." % image_id)
        if image["status"] in ("saving", "uploading", "importing"):
            LOG.info("Deleting image %s while its data is being written", image_id)
        self.repo.delete(image_id)
        self.store.data.delete(image_id)
        return webob.Response(status=204)

    # -- data ------------------------------------------------------------------------------
    def upload(self, req, ctx, image_id):
        image = self.get_owned(ctx, image_id, "upload_image")
        if not image["disk_format"] or not image["container_format"]:
            raise webob.exc.HTTPBadRequest(
                explanation="Properties disk_format, container_format must be set prior "
                            "to saving data.")
        if not self.repo.transition(image_id, "queued", "saving"):
            current = self.repo.get(image_id)
            raise webob.exc.HTTPConflict(
                explanation="Image status transition from %s to saving is not allowed" % (
                    current["status"] if current else "deleted"))
        try:
            written = self.store.data.write(
                image_id, req.environ["wsgi.input"], req.content_length,
                self.store.size_cap, image["disk_format"])
        except files.UploadTooLarge:
            self.repo.transition(image_id, "saving", "queued")
            raise webob.exc.HTTPRequestEntityTooLarge(
                explanation="Image exceeds the storage quota: the limit is %d bytes."
                            % self.store.size_cap)
        except files.UploadIncomplete as exc:
            self.repo.transition(image_id, "saving", "queued")
            raise webob.exc.HTTPBadRequest(explanation="Incomplete image data: %s" % exc)
        except BaseException:
            self.repo.transition(image_id, "saving", "queued")
            raise
        done = self.repo.transition(
            image_id, "saving", "active", size=written.size, checksum=written.checksum,
            os_hash_algo=written.os_hash_algo, os_hash_value=written.os_hash_value,
            virtual_size=written.virtual_size)
        if not done:
            self.store.data.delete(image_id)
            raise webob.exc.HTTPGone(
                explanation="Image %s could not be found after upload. The image may have "
                            "been deleted during the upload." % image_id)
        return webob.Response(status=204)

    def download(self, req, ctx, image_id):
        image = self.get_visible(ctx, image_id)
        if image["status"] == "deactivated" and not ctx.is_admin:
            raise webob.exc.HTTPForbidden(
                explanation="The requested image has been deactivated. Image data download "
                            "is forbidden.")
        if image["status"] not in ("active", "deactivated"):
            return webob.Response(status=204)
        try:
            chunks = self.store.data.read(image_id)
        except FileNotFoundError:
            raise webob.exc.HTTPNoContent()
        resp = webob.Response(status=200, content_type="application/octet-stream",
                              charset=None, app_iter=chunks)
        resp.content_length = image["size"]
        if image["checksum"]:
            resp.headers["Content-MD5"] = image["checksum"]
        return resp

    def deactivate(self, req, ctx, image_id):
        image = self.get_visible(ctx, image_id)
        if not ctx.is_admin:
            _forbidden("deactivate")
        if image["status"] not in ("active", "deactivated"):
            raise webob.exc.HTTPForbidden(
                explanation="Not allowed to deactivate image in status '%s'"
                            % image["status"])
        self.repo.transition(image_id, "active", "deactivated")
        return webob.Response(status=204)

    def reactivate(self, req, ctx, image_id):
        image = self.get_visible(ctx, image_id)
        if not ctx.is_admin:
            _forbidden("reactivate")
        if image["status"] not in ("active", "deactivated"):
            raise webob.exc.HTTPForbidden(
                explanation="Not allowed to reactivate image in status '%s'"
                            % image["status"])
        self.repo.transition(image_id, "deactivated", "active")
        return webob.Response(status=204)

    # -- tags ----------------------------------------------------------------------------
    def add_tag(self, req, ctx, image_id, tag):
        image = self.get_owned(ctx, image_id)
        if tag not in image["tags"]:
            image["tags"].append(tag)
            schema.validate(views.flat(image))
            self.repo.save(image)
        return webob.Response(status=204)

    def delete_tag(self, req, ctx, image_id, tag):
        image = self.get_owned(ctx, image_id)
        if tag not in image["tags"]:
            raise webob.exc.HTTPNotFound(explanation="Tag %s not found." % tag)
        image["tags"].remove(tag)
        self.repo.save(image)
        return webob.Response(status=204)
