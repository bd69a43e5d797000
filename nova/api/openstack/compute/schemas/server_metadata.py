"""Request schemas of /servers/{server_id}/metadata."""

import copy

from nova.api.validation import parameter_types

create = {
    "type": "object",
    "properties": {"metadata": parameter_types.metadata},
    "required": ["metadata"],
    "additionalProperties": False,
}

update_all = copy.deepcopy(create)

_one_item = copy.deepcopy(parameter_types.metadata)
_one_item["minProperties"] = 1
_one_item["maxProperties"] = 1

update = {
    "type": "object",
    "properties": {"meta": _one_item},
    "required": ["meta"],
    "additionalProperties": False,
}
