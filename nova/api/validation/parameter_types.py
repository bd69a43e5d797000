"""Reusable JSON-Schema fragments for request bodies and query strings."""

import copy

# Characters Nova refuses in names: control characters.
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"

boolean = {
    "type": ["boolean", "string"],
    "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
             "y", "t", False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO",
             "No", "no", "n", "f"],
}

none = {"enum": ["None", None, {}]}

positive_integer = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$", "minimum": 1, "minLength": 1,
}

non_negative_integer = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$", "minimum": 0, "minLength": 1,
}

# Integers written as JSON numbers or strings, with an optional sign.
integer = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$"}

# A display name: 1-255 characters, no leading or trailing whitespace.
name = {
    "type": "string", "minLength": 1, "maxLength": 255,
    "pattern": r"^(?! )[^\x00-\x1f\x7f]*(?<! )$",
}

# Names that tolerate surrounding spaces (older resources).
name_with_leading_trailing_spaces = {
    "type": "string", "minLength": 1, "maxLength": 255,
    "pattern": _NO_CONTROL,
}

description = {
    "type": ["string", "null"], "minLength": 0, "maxLength": 65535,
    "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
}

uuid = {"type": "string", "format": "uuid"}

project_id = {"type": "string", "minLength": 1, "maxLength": 255,
              "pattern": r"^[a-zA-Z0-9-_]*$"}

server_id = uuid

image_id = {"type": "string", "format": "uuid"}

flavor_ref = {"type": ["string", "integer"], "minLength": 1}

hostname = {"type": "string", "minLength": 1, "maxLength": 255,
            "pattern": r"^[a-zA-Z0-9-._]*$"}

fqdn = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9-._]*$"}

availability_zone = {"type": "string", "minLength": 1, "maxLength": 255,
                     "pattern": r"^[^:\x00-\x1f\x7f]*$"}

metadata = {
    "type": "object",
    "patternProperties": {
        r"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255},
    },
    "additionalProperties": False,
}

# Keys of flavor extra specs and similar key/value tables.
key_name = {"type": "string", "minLength": 1, "maxLength": 255,
            "pattern": r"^[a-zA-Z0-9-_:. ]*$"}

ipv4 = {"type": "string", "format": "ipv4"}
ipv6 = {"type": "string", "format": "ipv6"}
ip_address = {"type": "string", "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]}

# Query-string helpers: every parameter arrives as a list of strings.
single_param = copy.deepcopy


def multi_params(schema):
    """A query parameter that may repeat, each value matching ``schema``."""
    return {"type": "array", "items": schema}


def single_query(schema):
    """A query parameter whose last value must match ``schema``."""
    return {"type": "array", "items": schema}


def to_bool(value):
    """Interpret a value ``boolean`` accepted."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "on", "yes", "y", "t")
