"""Translation between Glance v2 documents and nova's image dicts; client auth choice."""

import datetime

from keystoneauth1 import exceptions as ks_exc

from nova import context as nova_context
from nova import exception
from nova.image import api as image_api
from nova.image import glance


def test_from_glance_splits_properties_and_parses_dates():
    image = glance.from_glance({
        "id": "i1", "name": "n", "status": "active", "visibility": "public",
        "created_at": "2024-05-01T10:00:00Z", "updated_at": None, "size": 3,
        "hw_disk_bus": "virtio", "block_device_mapping": '[{"boot_index": 0}]',
        "self": "/v2/images/i1", "file": "/v2/images/i1/file", "schema": "/v2/schemas/image"})
    assert image["created_at"] == datetime.datetime(2024, 5, 1, 10, 0)
    assert image["is_public"] is True
    assert image["properties"] == {"hw_disk_bus": "virtio",
                                   "block_device_mapping": [{"boot_index": 0}]}


def test_to_glance_flattens_and_stringifies():
    doc = glance.to_glance({"name": "n", "is_public": False, "size": 10, "status": "x",
                            "properties": {"a": 1, "b": True, "c": None, "d": [1]}})
    assert doc == {"name": "n", "visibility": "private", "a": "1", "b": "true",
                   "d": "[1]"}


def test_auth_uses_the_callers_token_and_catalog():
    catalog = [{"type": "image", "name": "glance", "endpoints": [
        {"interface": "public", "region": "RegionOne", "url": "http://glance.example:9292"}]}]
    ctx = nova_context.RequestContext(user_id="u", project_id="p", auth_token="tok",
                                      service_catalog=catalog)
    auth = glance._auth_for(ctx)
    assert auth.get_token(None) == "tok"
    assert auth.get_endpoint(None, service_type="image", interface="public",
                             region_name="RegionOne") == "http://glance.example:9292"
    assert auth.get_endpoint(None, service_type="volume") is None


def test_noauth_token_for_contexts_without_one():
    assert glance._noauth_token(nova_context.get_admin_context()) == "admin:admin"
    ctx = nova_context.RequestContext(user_id="u", project_id="p")
    assert glance._noauth_token(ctx) == "u:p"


class _Response:
    def __init__(self, text):
        self.text = text


def _http_error(status, text):
    exc = ks_exc.from_response(type("R", (), {
        "status_code": status, "headers": {"Content-Type": "application/json"},
        "json": lambda self: {}, "text": text, "reason": "x"})(), "GET", "http://x/")
    exc.response = _Response(text)
    return exc


def test_errors_become_nova_exceptions():
    body = '{"message": "Attribute \'x\' is read-only.<br /><br />\\n", "code": "403"}'
    for status, expected in ((404, exception.ImageNotFound),
                             (403, exception.ImageNotAuthorized),
                             (401, exception.ImageNotAuthorized),
                             (400, exception.ImageBadRequest),
                             (409, exception.ImageConflict),
                             (413, exception.ImageQuotaExceeded),
                             (503, exception.GlanceConnectionFailed)):
        assert isinstance(glance._translate_error(_http_error(status, body), "i"), expected)
    bad = glance._translate_error(_http_error(400, body), "i")
    assert "read-only." in bad.format_message() and "<br" not in bad.format_message()


def test_image_ids_from_hrefs():
    assert image_api._image_id("http://h:9292/v2/images/abc") == "abc"
    assert image_api._image_id("abc") == "abc"
