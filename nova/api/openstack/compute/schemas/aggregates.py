"""Request schemas of os-aggregates."""

from nova.api.validation import parameter_types

_name = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?! )[\S ]*(?<! )$"}
_az = {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
       "pattern": r"^(?! )[\S ]*(?<! )$"}
_host = {"type": "string", "minLength": 1, "maxLength": 255}

create = {
    "type": "object",
    "properties": {
        "aggregate": {
            "type": "object",
            "properties": {"name": _name, "availability_zone": _az},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["aggregate"],
    "additionalProperties": False,
}

update = {
    "type": "object",
    "properties": {
        "aggregate": {
            "type": "object",
            "properties": {"name": _name, "availability_zone": _az},
            "additionalProperties": False,
            "anyOf": [{"required": ["name"]}, {"required": ["availability_zone"]}],
        },
    },
    "required": ["aggregate"],
    "additionalProperties": False,
}

_host_body = {
    "type": "object",
    "properties": {"host": _host},
    "required": ["host"],
    "additionalProperties": False,
}

set_metadata_body = {
    "type": "object",
    "properties": {
        "metadata": {
            "type": "object",
            "patternProperties": {
                r"^[a-zA-Z0-9-_:. ]{1,255}$": {
                    "type": ["string", "null"], "maxLength": 255,
                },
            },
            "additionalProperties": False,
        },
    },
    "required": ["metadata"],
    "additionalProperties": False,
}

# POST /os-aggregates/{id}/action: exactly one action.
action = {
    "type": "object",
    "properties": {
        "add_host": _host_body,
        "remove_host": _host_body,
        "set_metadata": set_metadata_body,
    },
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}

# POST /os-aggregates/{id}/images (2.81): the images to pre-cache on its hosts.
images_v281 = {
    "type": "object",
    "properties": {
        "cache": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"id": parameter_types.image_id},
                "required": ["id"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["cache"],
    "additionalProperties": False,
}
