"""Request schemas of shelve, shelveOffload, unshelve, createBackup and restore."""

from nova.api.validation import parameter_types


def _no_body(name):
    return {
        "type": "object",
        "properties": {name: {"type": ["null", "object"], "properties": {},
                              "additionalProperties": False}},
        "required": [name],
        "additionalProperties": False,
    }


shelve = _no_body("shelve")
shelve_offload = _no_body("shelveOffload")
restore = _no_body("restore")
# Before 2.77 unshelve takes no arguments.
unshelve = _no_body("unshelve")

# 2.77: null, or an object naming the availability zone (not an empty object).
unshelve_v277 = {
    "type": "object",
    "properties": {
        "unshelve": {
            "type": ["object", "null"],
            "properties": {"availability_zone": parameter_types.name},
            "required": ["availability_zone"],
            "additionalProperties": False,
        },
    },
    "required": ["unshelve"],
    "additionalProperties": False,
}

# 2.91: availability_zone may be null (unpin the server from its zone), and
# an administrator may name the host.
unshelve_v291 = {
    "type": "object",
    "properties": {
        "unshelve": {
            "type": ["object", "null"],
            "properties": {
                "availability_zone": {"oneOf": [{"type": "null"}, parameter_types.name]},
                "host": parameter_types.fqdn,
            },
            "additionalProperties": False,
        },
    },
    "required": ["unshelve"],
    "additionalProperties": False,
}

create_backup = {
    "type": "object",
    "properties": {
        "createBackup": {
            "type": "object",
            "properties": {
                "name": parameter_types.name,
                "backup_type": {"type": "string"},
                "rotation": parameter_types.non_negative_integer,
                "metadata": parameter_types.metadata,
            },
            "required": ["name", "backup_type", "rotation"],
            "additionalProperties": False,
        },
    },
    "required": ["createBackup"],
    "additionalProperties": False,
}
