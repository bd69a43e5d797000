"""Request schemas of os-services."""

from nova.api.validation import parameter_types

_name = {"type": "string", "minLength": 1, "maxLength": 255}

_host_binary = {
    "host": _name,
    "binary": _name,
}

# PUT /os-services/enable and /os-services/disable (a disabled_reason is
# accepted there too, and not used).
service_update = {
    "type": "object",
    "properties": dict(_host_binary, disabled_reason=_name),
    "required": ["host", "binary"],
    "additionalProperties": False,
}

# PUT /os-services/disable-log-reason
service_disable_log_reason = {
    "type": "object",
    "properties": dict(_host_binary, disabled_reason=_name),
    "required": ["host", "binary", "disabled_reason"],
    "additionalProperties": False,
}

# PUT /os-services/force-down (2.11 to 2.52)
service_force_down = {
    "type": "object",
    "properties": dict(_host_binary, forced_down=parameter_types.boolean),
    "required": ["host", "binary", "forced_down"],
    "additionalProperties": False,
}

# PUT /os-services/{service_id} (2.53)
service_update_v253 = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": _name,
        "forced_down": parameter_types.boolean,
    },
    "additionalProperties": False,
}

_filters = {
    "host": {"type": "array", "items": {"type": "string"}},
    "binary": {"type": "array", "items": {"type": "string"}},
}

# GET /os-services: unknown parameters are ignored until 2.75 rejects them.
index_query = {
    "type": "object",
    "properties": dict(_filters),
    "additionalProperties": True,
}

index_query_v275 = dict(index_query, additionalProperties=False)
