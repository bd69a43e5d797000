"""Request schemas of os-keypairs, per microversion."""

import copy

from nova.api.validation import parameter_types

# Letters, digits, '-', '_' and spaces before 2.92; '@' and '.' too from 2.92.
_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^[a-zA-Z0-9 _-]+$"}
_NAME_292 = {"type": "string", "minLength": 1, "maxLength": 255,
             "pattern": r"^[a-zA-Z0-9 @._-]+$"}


def _body(properties, required=("name",)):
    return {
        "type": "object",
        "properties": {
            "keypair": {
                "type": "object",
                "properties": properties,
                "required": list(required),
                "additionalProperties": False,
            },
        },
        "required": ["keypair"],
        "additionalProperties": False,
    }


_V21 = {"name": _NAME, "public_key": {"type": "string"}}
_V22 = dict(_V21, type={"type": "string", "enum": ["ssh", "x509"]})
_V210 = dict(_V22, user_id={"type": "string"})
_V292 = dict(_V210, name=_NAME_292)

create = _body(_V21)
create_v22 = _body(_V22)
create_v210 = _body(_V210)
create_v292 = _body(_V292, required=("name", "public_key"))

_USER_ID = parameter_types.multi_params({"type": "string"})

index_query_v210 = {
    "type": "object",
    "properties": {"user_id": _USER_ID},
    "additionalProperties": True,
}

index_query_v235 = {
    "type": "object",
    "properties": {
        "user_id": _USER_ID,
        "limit": parameter_types.multi_params(parameter_types.non_negative_integer),
        "marker": parameter_types.multi_params({"type": "string"}),
    },
    "additionalProperties": True,
}

# 2.75 refuses unknown query parameters.
index_query_v275 = copy.deepcopy(index_query_v235)
index_query_v275["additionalProperties"] = False

show_query_v210 = {
    "type": "object",
    "properties": {"user_id": _USER_ID},
    "additionalProperties": True,
}
show_query_v275 = copy.deepcopy(show_query_v210)
show_query_v275["additionalProperties"] = False
