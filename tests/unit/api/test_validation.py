"""nova.api.validation: schemas per microversion and Nova's error messages."""

import json

import pytest
import webob

from nova.api.openstack import api_version
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import parameter_types

SCHEMA = {
    "type": "object",
    "properties": {"thing": {"type": "object", "properties": {
        "name": parameter_types.name, "size": parameter_types.positive_integer,
        "flag": parameter_types.boolean},
        "required": ["name"], "additionalProperties": False}},
    "required": ["thing"], "additionalProperties": False,
}
SCHEMA_NEW = {"type": "object", "properties": {"thing": {"type": "object"}},
              "required": ["thing"]}


@validation.schema(SCHEMA, "2.1", "2.9")
@validation.schema(SCHEMA_NEW, "2.10")
def handler(req):
    return req.get_json()


def _req(body, version="2.1"):
    req = wsgi.Request.blank("/", method="POST", body=json.dumps(body).encode(),
                             content_type="application/json")
    req.api_version_request = api_version.APIVersionRequest(version)
    return req


def test_valid_body_passes():
    body = {"thing": {"name": "a b", "size": "3", "flag": "yes"}}
    assert handler(_req(body)) == body


@pytest.mark.parametrize("body, needle", [
    ({"thing": {"name": " padded"}}, "thing/name"),
    ({"thing": {"name": "a", "size": 0}}, "thing/size"),
    ({"thing": {"name": "a", "size": "x1"}}, "thing/size"),
    ({"thing": {"name": "a", "flag": "perhaps"}}, "thing/flag"),
    ({"thing": {"name": "a", "extra": 1}}, "'extra' was unexpected"),
    ({"thing": {}}, "'name' is a required property"),
    ({}, "'thing' is a required property"),
])
def test_invalid_bodies_name_the_field(body, needle):
    with pytest.raises(validation.ValidationError) as info:
        handler(_req(body))
    assert info.value.code == 400
    assert needle in info.value.format_message()


def test_each_schema_applies_to_its_versions_only():
    body = {"thing": {"anything": True}}
    with pytest.raises(validation.ValidationError):
        handler(_req(body, "2.9"))
    assert handler(_req(body, "2.10")) == body


def test_query_schema_sees_lists_of_values():
    schema = {"type": "object", "properties": {
        "limit": parameter_types.multi_params({"type": "string", "pattern": "^[0-9]+$"})},
        "additionalProperties": False}

    @validation.query_schema(schema)
    def listing(req):
        return validation.query_params(req)

    req = wsgi.Request.blank("/?limit=5&limit=6")
    assert listing(req) == {"limit": ["5", "6"]}
    with pytest.raises(validation.ValidationError):
        listing(wsgi.Request.blank("/?limit=five"))
    with pytest.raises(validation.ValidationError):
        listing(wsgi.Request.blank("/?other=1"))


def test_malformed_json_and_media_type():
    req = wsgi.Request.blank("/", method="POST", body=b"{", content_type="application/json")
    with pytest.raises(webob.exc.HTTPBadRequest):
        req.get_json()
    req = wsgi.Request.blank("/", method="POST", body=b"x", content_type="text/plain")
    with pytest.raises(webob.exc.HTTPUnsupportedMediaType):
        req.get_json()
