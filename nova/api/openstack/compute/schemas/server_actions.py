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

# shelve, shelveOffload, unshelve, createBackup and restore (their own module).
from nova.api.openstack.compute.schemas.server_shelve import (  # noqa: E402,F401
    create_backup, restore, shelve, shelve_offload, unshelve, unshelve_v277,
    unshelve_v291)
