"""What an image may look like: the JSON schema, read-only and reserved names, and
the JSON-patch (application/openstack-images-v2.1-json-patch) an update sends."""

import copy

import jsonschema
import webob.exc

DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop"]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
VISIBILITIES = ["public", "private", "shared", "community"]
STATUSES = ["queued", "saving", "active", "killed", "deleted", "pending_delete",
            "deactivated", "uploading", "importing"]

# Set by the store, never by a client.
READ_ONLY = ("status", "checksum", "os_hash_algo", "os_hash_value", "size",
             "virtual_size", "created_at", "updated_at", "file", "self", "schema",
             "direct_url", "locations", "stores")
RESERVED = ("deleted", "deleted_at", "location")
# Core attributes a client may set.
WRITABLE = ("id", "name", "visibility", "protected", "os_hidden", "min_ram", "min_disk",
            "disk_format", "container_format", "tags", "owner")
CORE = WRITABLE + READ_ONLY

MAX_PROPERTIES = 128
MAX_TAGS = 128

IMAGE_SCHEMA = {
    "name": "image",
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-"
               "([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$",
               "description": "An identifier for the image"},
        "name": {"type": ["null", "string"], "maxLength": 255,
                 "description": "Descriptive name for the image"},
        "status": {"type": "string", "readOnly": True, "enum": STATUSES},
        "visibility": {"type": "string", "enum": VISIBILITIES},
        "protected": {"type": "boolean"},
        "os_hidden": {"type": "boolean"},
        "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32},
        "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64},
        "os_hash_value": {"type": ["null", "string"], "readOnly": True, "maxLength": 128},
        "owner": {"type": ["null", "string"], "maxLength": 255},
        "size": {"type": ["null", "integer"], "readOnly": True},
        "virtual_size": {"type": ["null", "integer"], "readOnly": True},
        "container_format": {"type": ["null", "string"],
                             "enum": [None] + CONTAINER_FORMATS},
        "disk_format": {"type": ["null", "string"], "enum": [None] + DISK_FORMATS},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
        "min_ram": {"type": "integer", "minimum": 0, "maximum": 2 ** 31 - 1},
        "min_disk": {"type": "integer", "minimum": 0, "maximum": 2 ** 31 - 1},
        "self": {"type": "string", "readOnly": True},
        "file": {"type": "string", "readOnly": True},
        "schema": {"type": "string", "readOnly": True},
    },
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

IMAGES_SCHEMA = {
    "name": "images",
    "properties": {
        "images": {"type": "array", "items": IMAGE_SCHEMA},
        "schema": {"type": "string"}, "first": {"type": "string"},
        "next": {"type": "string"},
    },
    "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
              {"rel": "describedby", "href": "{schema}"}],
}

MEMBER_SCHEMA = {
    "name": "member",
    "properties": {
        "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "image_id": {"type": "string"}, "member_id": {"type": "string"},
        "schema": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
    },
}

MEMBERS_SCHEMA = {
    "name": "members",
    "properties": {"members": {"type": "array", "items": MEMBER_SCHEMA},
                   "schema": {"type": "string"}},
}

_VALIDATOR = jsonschema.Draft4Validator(
    {k: v for k, v in IMAGE_SCHEMA.items() if k not in ("name", "links")})


def validate(image):
    """400 when ``image`` (a flat image document) does not match the schema."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(image))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise webob.exc.HTTPBadRequest(
            explanation="Provided object does not match schema 'image': %s%s" % (
                error.message, " (at %s)" % where if where else ""))
    extra = [k for k in image if k not in CORE]
    if len(extra) > MAX_PROPERTIES:
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation="Maximum number of image properties (%d) exceeded." % MAX_PROPERTIES)
    for key in extra:
        if len(key) > 255:
            raise webob.exc.HTTPBadRequest(
                explanation="Property name %s... is longer than 255 characters." % key[:20])
    if len(image.get("tags") or []) > MAX_TAGS:
        raise webob.exc.HTTPRequestEntityTooLarge(
            explanation="Maximum number of image tags (%d) exceeded." % MAX_TAGS)


def check_settable(name):
    """403 for an attribute a client may not set, as the image service answers."""
    if name in READ_ONLY:
        raise webob.exc.HTTPForbidden(explanation="Attribute '%s' is read-only." % name)
    if name in RESERVED:
        raise webob.exc.HTTPForbidden(explanation="Attribute '%s' is reserved." % name)


# -- JSON patch -------------------------------------------------------------------------
PATCH_MEDIA_TYPES = ("application/openstack-images-v2.1-json-patch",
                     "application/openstack-images-v2.0-json-patch")


def _decode_path(path, version):
    if not isinstance(path, str) or (version == "2.1" and not path.startswith("/")):
        raise webob.exc.HTTPBadRequest(
            explanation="Json path should start with a '/', got %r." % (path,))
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    if not parts or not parts[0]:
        raise webob.exc.HTTPBadRequest(explanation="Invalid JSON pointer %r." % (path,))
    return parts


def _operations(body, media_type):
    version = "2.0" if media_type.endswith("v2.0-json-patch") else "2.1"
    if not isinstance(body, list):
        raise webob.exc.HTTPBadRequest(
            explanation="Request body must be a JSON array of operation objects.")
    for raw in body:
        if not isinstance(raw, dict):
            raise webob.exc.HTTPBadRequest(
                explanation="Operations must be JSON objects.")
        if version == "2.1":
            op, path = raw.get("op"), raw.get("path")
            if op not in ("add", "replace", "remove"):
                raise webob.exc.HTTPBadRequest(
                    explanation="Operation objects must contain exactly one member named "
                                "'op' with one of 'add', 'remove', 'replace' (got %r)." % (op,))
        else:
            found = [k for k in ("add", "replace", "remove") if k in raw]
            if len(found) != 1:
                raise webob.exc.HTTPBadRequest(
                    explanation="Operation objects must contain exactly one of "
                                "'add', 'remove', 'replace'.")
            op, path = found[0], raw[found[0]]
        if op != "remove" and "value" not in raw:
            raise webob.exc.HTTPBadRequest(
                explanation="Operation object requires a member named 'value'.")
        yield op, _decode_path(path, version), raw.get("value")


def apply_patch(document, body, media_type):
    """The flat image document after the patch; raises the 4xx the service answers."""
    result = copy.deepcopy(document)
    for op, parts, value in _operations(body, media_type):
        name = parts[0]
        check_settable(name)
        if name == "id":
            raise webob.exc.HTTPForbidden(explanation="Attribute 'id' is read-only.")
        if len(parts) > 1:
            if name != "tags" or len(parts) != 2:
                raise webob.exc.HTTPBadRequest(
                    explanation="Nested paths are not allowed: /%s." % "/".join(parts))
            _patch_tag(result, op, parts[1], value)
            continue
        if op == "remove":
            if name in CORE:
                raise webob.exc.HTTPForbidden(
                    explanation="Attribute '%s' is a core attribute and cannot be removed."
                                % name)
            if name not in result:
                raise webob.exc.HTTPConflict(explanation="Property %s does not exist." % name)
            del result[name]
        elif op == "replace" and name not in CORE and name not in result:
            raise webob.exc.HTTPConflict(explanation="Property %s does not exist." % name)
        else:
            result[name] = value
    return result


def _patch_tag(document, op, index, value):
    tag_list = list(document.get("tags") or [])
    if op == "remove":
        if index in tag_list:
            tag_list.remove(index)
        elif index.isdigit() and int(index) < len(tag_list):
            del tag_list[int(index)]
        else:
            raise webob.exc.HTTPConflict(explanation="Tag %s does not exist." % index)
    elif op == "add":
        if index == "-" or (index.isdigit() and int(index) <= len(tag_list)):
            if value not in tag_list:
                tag_list.insert(len(tag_list) if index == "-" else int(index), value)
        else:
            raise webob.exc.HTTPBadRequest(explanation="Invalid tag index %s." % index)
    else:
        if not index.isdigit() or int(index) >= len(tag_list):
            raise webob.exc.HTTPConflict(explanation="Tag index %s does not exist." % index)
        tag_list[int(index)] = value
    document["tags"] = tag_list
