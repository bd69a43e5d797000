"""Request schemas of /servers/{server_id}/tags (microversion 2.26)."""

from nova.objects import tag as tag_obj

# A tag: 1-60 characters, neither "/" nor ",".
tag = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}

update_all = {
    "type": "object",
    "properties": {
        "tags": {"type": "array", "items": tag, "maxItems": tag_obj.MAX_TAG_COUNT},
    },
    "required": ["tags"],
    "additionalProperties": False,
}
