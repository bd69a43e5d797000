"""Request schemas of the remote consoles: POST /servers/{id}/remote-consoles and
the legacy actions os-getVNCConsole, os-getSPICEConsole, os-getSerialConsole."""

import copy


def _legacy(action, types):
    return {
        "type": "object",
        "properties": {
            action: {
                "type": "object",
                "properties": {"type": {"type": "string", "enum": types}},
                "required": ["type"],
                "additionalProperties": False,
            },
        },
        "required": [action],
        "additionalProperties": False,
    }


get_vnc_console = _legacy("os-getVNCConsole", ["novnc", "xvpvnc"])
get_spice_console = _legacy("os-getSPICEConsole", ["spice-html5"])
get_serial_console = _legacy("os-getSerialConsole", ["serial"])

create_v26 = {
    "type": "object",
    "properties": {
        "remote_console": {
            "type": "object",
            "properties": {
                "protocol": {"type": "string", "enum": ["vnc", "spice", "rdp", "serial"]},
                "type": {"type": "string",
                         "enum": ["novnc", "xvpvnc", "rdp-html5", "spice-html5",
                                  "serial"]},
            },
            "required": ["protocol", "type"],
            "additionalProperties": False,
        },
    },
    "required": ["remote_console"],
    "additionalProperties": False,
}

# 2.8: the VMware MKS console.
create_v28 = copy.deepcopy(create_v26)
create_v28["properties"]["remote_console"]["properties"]["protocol"]["enum"].append("mks")
create_v28["properties"]["remote_console"]["properties"]["type"]["enum"].append("webmks")

# 2.99: SPICE for native clients through a TLS SPICE proxy.
create_v299 = copy.deepcopy(create_v28)
create_v299["properties"]["remote_console"]["properties"]["type"]["enum"].append(
    "spice-direct")
