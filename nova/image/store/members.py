"""Handlers of /v2/images/{id}/members: sharing an image with other projects.

The owner adds and removes members of a ``shared`` image; a member accepts or
rejects it (only accepted shared images appear in the member's default list).
"""

import webob
import webob.exc

from nova.image.store import images as images_handlers
from nova.image.store import views

_STATUSES = ("pending", "accepted", "rejected")


class MembersController:
    def __init__(self, store, images):
        self.repo = store.repo
        self.images = images

    def _member_or_404(self, image_id, member_id):
        row = self.repo.get_member(image_id, member_id)
        if row is None:
            raise webob.exc.HTTPNotFound(
                explanation="%s is not a member of image %s" % (member_id, image_id))
        return row

    def index(self, req, ctx, image_id):
        image = self.images.get_visible(ctx, image_id)
        if image["visibility"] != "shared":
            raise webob.exc.HTTPForbidden(explanation="Only shared images have members.")
        rows = self.repo.list_members(image_id)
        if not ctx.is_admin and image["owner"] != ctx.project_id:
            rows = [r for r in rows if r["member"] == ctx.project_id]
        return images_handlers.json_response(
            {"members": [views.member(r) for r in rows], "schema": "/v2/schemas/members"})

    def create(self, req, ctx, image_id):
        image = self.images.get_owned(ctx, image_id, "add_member")
        if image["visibility"] != "shared":
            raise webob.exc.HTTPForbidden(explanation="Only shared images have members.")
        body = images_handlers._json_body(req)
        member_id = body.get("member") if isinstance(body, dict) else None
        if not isinstance(member_id, str) or not member_id or len(member_id) > 255:
            raise webob.exc.HTTPBadRequest(
                explanation="Member to be added not specified: give {\"member\": "
                            "\"<project id>\"}.")
        row = self.repo.add_member(image_id, member_id)
        if row is None:
            raise webob.exc.HTTPConflict(
                explanation="Member %s already exists for image %s" % (member_id, image_id))
        return images_handlers.json_response(views.member(row))

    def show(self, req, ctx, image_id, member_id):
        image = self.images.get_visible(ctx, image_id)
        if not ctx.is_admin and ctx.project_id not in (image["owner"], member_id):
            raise webob.exc.HTTPNotFound(
                explanation="%s is not a member of image %s" % (member_id, image_id))
        return images_handlers.json_response(views.member(
            self._member_or_404(image_id, member_id)))

    def update(self, req, ctx, image_id, member_id):
        self.images.get_visible(ctx, image_id)
        self._member_or_404(image_id, member_id)
        if ctx.project_id != member_id and not ctx.is_admin:
            raise webob.exc.HTTPForbidden(
                explanation="You are not permitted to modify 'status' on this image member.")
        body = images_handlers._json_body(req)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in _STATUSES:
            raise webob.exc.HTTPBadRequest(
                explanation="Invalid status: %r; one of %s" % (status, ", ".join(_STATUSES)))
        row = self.repo.set_member_status(image_id, member_id, status)
        return images_handlers.json_response(views.member(row))

    def delete(self, req, ctx, image_id, member_id):
        self.images.get_owned(ctx, image_id, "delete_member")
        if not self.repo.delete_member(image_id, member_id):
            raise webob.exc.HTTPNotFound(
                explanation="%s is not a member of image %s" % (member_id, image_id))
        return webob.Response(status=204)
