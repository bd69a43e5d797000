"""Query schemas of os-hypervisors (2.53 and later)."""

_boolean = {"type": ["boolean", "string"],
            "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
                     False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No",
                     "no"]}


def _multi(schema):
    return {"type": "array", "items": schema}


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
