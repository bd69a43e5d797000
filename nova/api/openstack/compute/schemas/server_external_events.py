"""Request schemas of POST /os-server-external-events, by microversion."""

import copy

_NAMES_2_1 = ["network-changed", "network-vif-plugged", "network-vif-unplugged",
              "network-vif-deleted"]


def _create(names):
    return {
        "type": "object",
        "properties": {
            "events": {
                "type": "array", "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "server_uuid": {"type": "string", "format": "uuid"},
                        "name": {"type": "string", "enum": list(names)},
                        "status": {"type": "string",
                                   "enum": ["failed", "completed", "in-progress"]},
                        "tag": {"type": "string", "maxLength": 255},
                    },
                    "required": ["server_uuid", "name"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["events"],
        "additionalProperties": False,
    }


create = _create(_NAMES_2_1)
create_v251 = _create(_NAMES_2_1 + ["volume-extended"])
create_v276 = _create(_NAMES_2_1 + ["volume-extended", "power-update"])
create_v282 = _create(_NAMES_2_1 + ["volume-extended", "power-update",
                                    "accelerator-request-bound"])
create_v293 = _create(_NAMES_2_1 + ["volume-extended", "power-update",
                                    "accelerator-request-bound", "volume-reimaged"])
# The newest, for documentation and tests.
newest = copy.deepcopy(create_v293)
