"""Request schemas of os-server-groups, per microversion."""

import copy

from nova.api.validation import parameter_types

_POLICIES_21 = ["affinity", "anti-affinity"]
_POLICIES_215 = _POLICIES_21 + ["soft-affinity", "soft-anti-affinity"]


def _policies(allowed):
    return {"type": "array", "items": {"type": "string", "enum": allowed},
            "uniqueItems": True, "minItems": 1, "maxItems": 1}


def _body(properties, required):
    return {
        "type": "object",
        "properties": {
            "server_group": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
        "required": ["server_group"],
        "additionalProperties": False,
    }


create = _body({"name": parameter_types.name, "policies": _policies(_POLICIES_21)},
               ["name", "policies"])
create_v215 = _body({"name": parameter_types.name, "policies": _policies(_POLICIES_215)},
                    ["name", "policies"])
create_v264 = _body({
    "name": parameter_types.name,
    "policy": {"type": "string", "enum": _POLICIES_215},
    "rules": {
        "type": "object",
        "properties": {
            "max_server_per_host": parameter_types.positive_integer,
        },
        "additionalProperties": False,
    },
}, ["name", "policy"])

index_query = {
    "type": "object",
    "properties": {
        "all_projects": parameter_types.multi_params({"type": "string"}),
        "limit": parameter_types.multi_params(parameter_types.non_negative_integer),
        "offset": parameter_types.multi_params(parameter_types.non_negative_integer),
    },
    "additionalProperties": True,
}
index_query_v275 = copy.deepcopy(index_query)
index_query_v275["properties"]["all_projects"] = parameter_types.multi_params(
    parameter_types.boolean)
index_query_v275["additionalProperties"] = False
