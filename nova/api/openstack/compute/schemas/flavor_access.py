"""Request schemas of the flavor access actions."""

_tenant = {"type": "string", "minLength": 1, "maxLength": 255,
           "pattern": r"^[a-zA-Z0-9-_]*$"}

add_tenant_access = {
    "type": "object",
    "properties": {
        "addTenantAccess": {
            "type": "object",
            "properties": {"tenant": _tenant},
            "required": ["tenant"],
            "additionalProperties": False,
        },
    },
    "required": ["addTenantAccess"],
    "additionalProperties": False,
}

remove_tenant_access = {
    "type": "object",
    "properties": {
        "removeTenantAccess": {
            "type": "object",
            "properties": {"tenant": _tenant},
            "required": ["tenant"],
            "additionalProperties": False,
        },
    },
    "required": ["removeTenantAccess"],
    "additionalProperties": False,
}
