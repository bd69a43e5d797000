"""Request schemas of the server actions (POST /servers/{id}/action)."""

from nova.api.validation import parameter_types

reboot = {
    "type": "object",
    "properties": {
        "reboot": {
            "type": "object",
            "properties": {"type": {"type": "string",
                                    "enum": ["HARD", "Hard", "hard", "SOFT", "Soft",
                                             "soft"]}},
            "required": ["type"],
            "additionalProperties": False,
        },
    },
    "required": ["reboot"],
    "additionalProperties": False,
}


def _no_body(name, value=None):
    """An action without arguments: ``{name: null}`` or (as clients also send)
    ``{name: {}}``."""
    if value is None:
        value = {"type": ["null", "object"], "properties": {},
                 "additionalProperties": False}
    return {
        "type": "object",
        "properties": {name: value},
        "required": [name],
        "additionalProperties": False,
    }


start = _no_body("os-start")
stop = _no_body("os-stop")
pause = _no_body("pause")
unpause = _no_body("unpause")
suspend = _no_body("suspend")
resume = _no_body("resume")
lock = _no_body("lock")
unlock = _no_body("unlock")
# gophercloud sends {"forceDelete": ""}.
force_delete = _no_body("forceDelete", {"oneOf": [
    {"type": ["null", "object"], "properties": {}, "additionalProperties": False},
    {"type": "string", "enum": [""]}]})
# The API reference (and upstream's schema) take only null here.
trigger_crash_dump = _no_body("trigger_crash_dump", {"type": "null"})

lock_v273 = {
    "type": "object",
    "properties": {
        "lock": {
            "type": ["object", "null"],
            "properties": {"locked_reason": {"type": "string", "minLength": 1,
                                             "maxLength": 255}},
            "additionalProperties": False,
        },
    },
    "required": ["lock"],
    "additionalProperties": False,
}

create_image = {
    "type": "object",
    "properties": {
        "createImage": {
            "type": "object",
            "properties": {
                "name": parameter_types.name,
                "metadata": parameter_types.metadata,
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["createImage"],
    "additionalProperties": False,
}

get_console_output = {
    "type": "object",
    "properties": {
        "os-getConsoleOutput": {
            "type": "object",
            "properties": {
                # An integer, a string of one, or null; -1 (or null, or no
                # length at all) means the whole log.
                "length": {"type": ["integer", "string", "null"],
                           "pattern": "^-?[0-9]+$", "minimum": -1},
            },
            "additionalProperties": False,
        },
    },
    "required": ["os-getConsoleOutput"],
    "additionalProperties": False,
}


# -- rebuild, rescue, changePassword, os-resetState, injectNetworkInfo -------------

def _action(name, properties, required=()):
    return {
        "type": "object",
        "properties": {name: {"type": "object", "properties": properties,
                              "required": list(required), "additionalProperties": False}},
        "required": [name],
        "additionalProperties": False,
    }


_REBUILD = {
    "name": parameter_types.name,
    "imageRef": parameter_types.image_id,
    "adminPass": {"type": "string"},
    "metadata": parameter_types.metadata,
    "preserve_ephemeral": parameter_types.boolean,
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
    "accessIPv4": parameter_types.ipv4,
    "accessIPv6": parameter_types.ipv6,
    "personality": {"type": "array", "items": {
        "type": "object",
        "properties": {"path": {"type": "string"}, "contents": {"type": "string"}},
        "additionalProperties": False}},
}
_REBUILD_V219 = dict(_REBUILD, description=parameter_types.description)
_REBUILD_V254 = dict(_REBUILD_V219, key_name={
    "type": ["string", "null"], "minLength": 1, "maxLength": 255})
_REBUILD_V257 = {k: v for k, v in _REBUILD_V254.items() if k != "personality"}
_REBUILD_V257["user_data"] = {"type": ["string", "null"], "format": "base64",
                              "maxLength": 65535}
_REBUILD_V263 = dict(_REBUILD_V257, trusted_image_certificates={
    "type": ["array", "null"], "minItems": 1, "maxItems": 50, "uniqueItems": True,
    "items": {"type": "string", "minLength": 1}})
_REBUILD_V290 = dict(_REBUILD_V263, hostname={
    "type": "string", "minLength": 1, "maxLength": 63,
    "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"})
_REBUILD_V294 = dict(_REBUILD_V263, hostname={
    "type": "string", "minLength": 1, "maxLength": 255,
    "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$"})

rebuild = _action("rebuild", _REBUILD, ["imageRef"])
rebuild_v219 = _action("rebuild", _REBUILD_V219, ["imageRef"])
rebuild_v254 = _action("rebuild", _REBUILD_V254, ["imageRef"])
rebuild_v257 = _action("rebuild", _REBUILD_V257, ["imageRef"])
rebuild_v263 = _action("rebuild", _REBUILD_V263, ["imageRef"])
rebuild_v290 = _action("rebuild", _REBUILD_V290, ["imageRef"])
rebuild_v294 = _action("rebuild", _REBUILD_V294, ["imageRef"])

rescue = {
    "type": "object",
    "properties": {"rescue": {
        "type": ["object", "null"],
        "properties": {"adminPass": {"type": "string"},
                       "rescue_image_ref": parameter_types.image_id},
        "additionalProperties": False}},
    "required": ["rescue"],
    "additionalProperties": False,
}
unrescue = _no_body("unrescue")

change_password = _action("changePassword", {"adminPass": {"type": "string"}},
                          ["adminPass"])

reset_state = _action("os-resetState", {"state": {"type": "string",
                                                  "enum": ["active", "error"]}},
                      ["state"])
inject_network_info = _no_body("injectNetworkInfo")
# shelve, shelveOffload, unshelve, createBackup and restore (their own module).
from nova.api.openstack.compute.schemas.server_shelve import (  # noqa: E402,F401
    create_backup, restore, shelve, shelve_offload, unshelve, unshelve_v277,
    unshelve_v291)
