"""Request schemas of /flavors/{id}/os-extra_specs."""

import copy

from nova.api.validation import parameter_types

_value = {"type": ["string", "number", "boolean"], "minLength": 0, "maxLength": 255}

_specs = {
    "type": "object",
    "patternProperties": {r"^[a-zA-Z0-9-_:. ]{1,255}$": _value},
    "additionalProperties": False,
}

create = {
    "type": "object",
    "properties": {"extra_specs": copy.deepcopy(_specs)},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

update = copy.deepcopy(_specs)
update["minProperties"] = 1
update["maxProperties"] = 1

key = parameter_types.key_name
