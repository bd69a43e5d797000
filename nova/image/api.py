"""nova's image API: what the compute API, conductor and compute ask of the image service.

Every method takes the request context first (its token decides what the
image service lets it see) and an image id or an image href
(``http://host:9292/v2/images/<id>``). Images are nova's image dicts (see
``nova.image.glance.from_glance``); errors are nova exceptions.
"""

import io

from nova import exception
from nova.image import glance
from nova.objects import image_meta as image_meta_obj


def _image_id(image_ref):
    """The id of an image id or href."""
    if not image_ref:
        raise exception.ImageNotFound(image_id=image_ref)
    return str(image_ref).rstrip("/").rsplit("/", 1)[-1]


_FILTER_ALIASES = {"is_public": "visibility"}


def _list_params(filters, sort_key, sort_dir, limit, marker, page_size):
    params = []
    for key, value in (filters or {}).items():
        if key == "properties":
            params.extend((k, v) for k, v in value.items())
        elif key == "is_public":
            if value not in (None, "none"):
                params.append(("visibility", "public" if value else "private"))
        elif key == "tags":
            params.extend(("tag", tag) for tag in value)
        elif value is not None:
            params.append((_FILTER_ALIASES.get(key, key), value))
    if sort_key:
        params.append(("sort_key", sort_key))
    if sort_dir:
        params.append(("sort_dir", sort_dir))
    if marker:
        params.append(("marker", marker))
    if page_size or limit:
        params.append(("limit", page_size or limit))
    return params


class API:
    """The image service as nova uses it (Glance v2 or the embedded store)."""

    def _client(self, context):
        return glance.GlanceClient(context)

    def generate_image_url(self, context, image_id):
        """The image's URL as the createImage Location header gives it:
        ``<image service endpoint>/images/<id>``."""
        return self._client(context)._url("/images/%s" % _image_id(image_id))

    def get(self, context, image_id, include_locations=False, show_deleted=True):
        """One image as a dict; ImageNotFound / ImageNotAuthorized."""
        image_id = _image_id(image_id)
        return glance.from_glance(self._client(context).show(image_id))

    def get_image_meta(self, context, image_id):
        """One image as an ImageMeta object (what the scheduler and drivers read)."""
        return image_meta_obj.ImageMeta.from_dict(self.get(context, image_id))

    def get_all(self, context, filters=None, sort_key=None, sort_dir=None, limit=None,
                marker=None, page_size=None):
        """Images the context can see, filtered (``filters`` may hold ``properties``)."""
        params = _list_params(filters, sort_key, sort_dir, None, marker, page_size)
        images = [glance.from_glance(i) for i in self._client(context).list(params)]
        return images[:limit] if limit else images

    def create(self, context, image_meta, data=None):
        """A new image from ``image_meta`` (nova's dict); ``data`` (bytes, a file
        object or an iterator of bytes) is uploaded when given."""
        client = self._client(context)
        created = client.create(glance.to_glance(image_meta))
        if data is not None:
            self._upload(client, created, data)
            created = client.show(created["id"])
        return glance.from_glance(created)

    def update(self, context, image_id, image_meta, data=None, purge_props=True):
        """Change core attributes and properties (removing properties not given when
        ``purge_props``); upload ``data`` when given."""
        image_id = _image_id(image_id)
        client = self._client(context)
        current = client.show(image_id)
        wanted = glance.to_glance(image_meta)
        wanted.pop("id", None)
        operations = []
        for key, value in wanted.items():
            if current.get(key) != value:
                op = "replace" if key in current else "add"
                operations.append({"op": op, "path": "/%s" % key, "value": value})
        if purge_props and "properties" in (image_meta or {}):
            for key in current:
                if (key not in glance.CORE and key not in glance._GENERATED
                        and key not in wanted):
                    operations.append({"op": "remove", "path": "/%s" % key})
        updated = client.patch(image_id, operations) if operations else current
        if data is not None:
            self._upload(client, updated, data)
            updated = client.show(image_id)
        return glance.from_glance(updated)

    @staticmethod
    def _upload(client, image, data):
        size = None
        if isinstance(data, (bytes, bytearray)):
            size = len(data)
            data = io.BytesIO(bytes(data))
        client.upload(image["id"], data, size)

    def delete(self, context, image_id):
        """Delete an image; ImageNotFound, ImageNotAuthorized (e.g. protected)."""
        image_id = _image_id(image_id)
        self._client(context).delete(image_id)
        return True

    def download(self, context, image_id, dst_path=None, data=None):
        """The image's bytes: into ``dst_path`` (verified, written through a temporary
        file) or the file object ``data``; with neither, returned as bytes."""
        image_id = _image_id(image_id)
        client = self._client(context)
        image = client.show(image_id)
        if image.get("status") not in ("active", "deactivated"):
            raise exception.ImageNotActive(image_id=image_id)
        resp = client.open_data(image_id)
        if resp is None:
            raise exception.ImageUnacceptable(image_id=image_id,
                                              reason="Image has no associated data")
        if dst_path is not None:
            glance.download_to_path(resp, image, dst_path)
            return None
        if data is not None:
            glance.write_verified(resp, image, data)
            return None
        buffer = io.BytesIO()
        glance.write_verified(resp, image, buffer)
        return buffer.getvalue()
