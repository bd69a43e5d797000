"""Request bodies of the resize, confirmResize, revertResize and migrate actions."""

from nova.api.openstack.compute.schemas.server_actions import _no_body

resize = {
    "type": "object",
    "properties": {
        "resize": {
            "type": "object",
            "properties": {
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
            },
            "required": ["flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["resize"],
    "additionalProperties": False,
}

confirm_resize = _no_body("confirmResize", {"type": "null"})
revert_resize = _no_body("revertResize", {"type": "null"})

# Before 2.56 the body is {"migrate": null}.
migrate = _no_body("migrate", {"type": "null"})

migrate_v256 = _no_body("migrate", {
    "type": ["object", "null"],
    "properties": {"host": {"type": ["string", "null"], "minLength": 1,
                            "maxLength": 255}},
    "additionalProperties": False,
})

_BOOLEAN = {"type": ["boolean", "string"],
            "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes",
                     "yes", False, "False", "FALSE", "false", "0", "OFF", "Off", "off",
                     "NO", "No", "no"]}
_HOST = {"type": ["string", "null"], "minLength": 1, "maxLength": 255}


def _live(properties, required):
    return {
        "type": "object",
        "properties": {"os-migrateLive": {
            "type": "object", "properties": properties, "required": required,
            "additionalProperties": False}},
        "required": ["os-migrateLive"],
        "additionalProperties": False,
    }


# Up to 2.24: block_migration and disk_over_commit, both required.
migrate_live = _live({"host": _HOST, "block_migration": _BOOLEAN,
                      "disk_over_commit": _BOOLEAN},
                     ["block_migration", "disk_over_commit", "host"])
# 2.25: block_migration may be "auto"; disk_over_commit is gone.
_BLOCK_AUTO = {"oneOf": [_BOOLEAN, {"type": "string", "enum": ["auto"]}]}
migrate_live_v225 = _live({"host": _HOST, "block_migration": _BLOCK_AUTO},
                          ["block_migration", "host"])
# 2.30 to 2.67: force.
migrate_live_v230 = _live({"host": _HOST, "block_migration": _BLOCK_AUTO,
                           "force": _BOOLEAN}, ["block_migration", "host"])
# 2.68: no force.
migrate_live_v268 = migrate_live_v225

force_complete = _no_body("force_complete", {"type": "null"})


def _evacuate(properties, required=()):
    body = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        body["required"] = list(required)
    return {
        "type": "object",
        "properties": {"evacuate": body},
        "required": ["evacuate"],
        "additionalProperties": False,
    }


_EVAC_HOST = {"type": "string", "minLength": 1, "maxLength": 255}
_PASSWORD = {"type": "string"}

# Up to 2.13: onSharedStorage is required.
evacuate = _evacuate({"host": _EVAC_HOST, "adminPass": _PASSWORD,
                      "onSharedStorage": _BOOLEAN}, ["onSharedStorage"])
# 2.14: onSharedStorage is gone.
evacuate_v214 = _evacuate({"host": _EVAC_HOST, "adminPass": _PASSWORD})
# 2.29 to 2.67: force.
evacuate_v229 = _evacuate({"host": _EVAC_HOST, "adminPass": _PASSWORD,
                           "force": _BOOLEAN})
# 2.68: no force.
evacuate_v268 = evacuate_v214
