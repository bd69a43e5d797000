"""Request schemas of /flavors (listing, create, update)."""

import copy

from nova.api.validation import parameter_types

SORT_KEYS = ("created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
             "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
             "updated_at", "vcpu_weight", "vcpus")

_DB_INT_MAX = 2147483647


def _bounded(schema, maximum=_DB_INT_MAX):
    schema = copy.deepcopy(schema)
    schema["maximum"] = maximum
    return schema


index_query = {
    "type": "object",
    "properties": {
        "limit": parameter_types.multi_params(
            {"type": "string", "pattern": "^[0-9]+$"}),
        "marker": parameter_types.multi_params({"type": "string"}),
        "is_public": parameter_types.multi_params({"type": "string"}),
        "minRam": parameter_types.multi_params({"type": "string"}),
        "minDisk": parameter_types.multi_params({"type": "string"}),
        "sort_key": parameter_types.multi_params({"type": "string", "enum": list(SORT_KEYS)}),
        "sort_dir": parameter_types.multi_params({"type": "string", "enum": ["asc", "desc"]}),
    },
    "additionalProperties": True,
}

# 2.75: unknown query parameters are refused.
index_query_v275 = copy.deepcopy(index_query)
index_query_v275["additionalProperties"] = False

_flavor_id = {
    "type": ["string", "number", "null"],
    "minLength": 1, "maxLength": 255,
    "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
}

_rxtx_factor = {
    "type": ["number", "string"],
    "pattern": r"^[0-9]+(\.[0-9]+)?$",
    "minimum": 0, "exclusiveMinimum": True,
    "maximum": 3.40282e+38,
}

create = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {
                "name": parameter_types.name,
                "id": _flavor_id,
                "ram": _bounded(parameter_types.positive_integer),
                "vcpus": _bounded(parameter_types.positive_integer),
                "disk": _bounded(parameter_types.non_negative_integer),
                "OS-FLV-EXT-DATA:ephemeral": _bounded(parameter_types.non_negative_integer),
                "swap": _bounded(parameter_types.non_negative_integer),
                "rxtx_factor": _rxtx_factor,
                "os-flavor-access:is_public": parameter_types.boolean,
            },
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

create_v255 = copy.deepcopy(create)
create_v255["properties"]["flavor"]["properties"]["description"] = parameter_types.description

update = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {"description": parameter_types.description},
            "required": ["description"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}
