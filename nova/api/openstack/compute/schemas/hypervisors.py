"""Query schemas of os-hypervisors (2.33 and later)."""

_boolean = {"type": ["boolean", "string"],
            "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
                     False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No",
                     "no"]}


def _multi(schema):
    return {"type": "array", "items": schema}


# 2.33-2.52: paging only; other parameters are still ignored, as before 2.33.
list_query_v233 = {
    "type": "object",
    "properties": {
        "limit": _multi({"type": "string", "pattern": "^[0-9]+$"}),
        "marker": _multi({"type": "string"}),
    },
    "additionalProperties": True,
}

list_query_v253 = {
    "type": "object",
    "properties": {
        "limit": _multi({"type": "string", "pattern": "^[0-9]+$"}),
        "marker": _multi({"type": "string"}),
        "hypervisor_hostname_pattern": _multi({"type": "string", "minLength": 1,
                                               "maxLength": 255}),
        "with_servers": _multi(_boolean),
    },
    "additionalProperties": False,
}

show_query_v253 = {
    "type": "object",
    "properties": {"with_servers": _multi(_boolean)},
    "additionalProperties": False,
}
