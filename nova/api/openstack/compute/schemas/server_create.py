"""Request schema of POST /servers, per microversion."""

import copy

from nova.api.validation import parameter_types

_NETWORK = {
    "type": "object",
    "properties": {
        "uuid": {"type": "string", "minLength": 1},
        "port": {"type": ["string", "null"], "format": "uuid"},
        "fixed_ip": parameter_types.ip_address,
    },
    "additionalProperties": False,
}
_NETWORK_TAGGED = copy.deepcopy(_NETWORK)
_NETWORK_TAGGED["properties"]["tag"] = {"type": "string", "minLength": 1,
                                        "maxLength": 60, "pattern": "^[^,/]*$"}

_BDM = {
    "type": "object",
    "properties": {
        "uuid": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": "^[a-zA-Z0-9._-]*$"},
        "source_type": {"type": "string", "enum": ["volume", "image", "snapshot",
                                                   "blank"]},
        "destination_type": {"type": "string", "enum": ["local", "volume"]},
        "device_name": {"type": "string", "minLength": 1, "maxLength": 255,
                        "pattern": "^[a-zA-Z0-9._/-]*$"},
        "device_type": {"type": "string", "minLength": 1, "maxLength": 255},
        "disk_bus": {"type": "string", "minLength": 1, "maxLength": 255},
        "guest_format": {"type": "string", "minLength": 1, "maxLength": 255},
        "boot_index": {"type": ["integer", "string", "null"],
                       "pattern": "^-?[0-9]+$"},
        "volume_size": {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$",
                        "minimum": 1},
        "delete_on_termination": parameter_types.boolean,
        "no_device": {},
        "connection_info": {"type": "string", "maxLength": 16777215},
        "tag": {"type": "string", "minLength": 1, "maxLength": 60,
                "pattern": "^[^,/]*$"},
    },
    "additionalProperties": False,
}
# 2.67: a block device mapping may name its volume type.
_BDM_V267 = copy.deepcopy(_BDM)
_BDM_V267["properties"]["volume_type"] = {"type": ["string", "null"], "minLength": 0,
                                          "maxLength": 255}

_HINTS = {
    "type": "object",
    "properties": {
        "group": {"type": "string", "format": "uuid"},
        "different_host": {"oneOf": [{"type": "string", "format": "uuid"},
                                     {"type": "array",
                                      "items": {"type": "string", "format": "uuid"}}]},
        "same_host": {"oneOf": [{"type": "string", "format": "uuid"},
                                {"type": "array",
                                 "items": {"type": "string", "format": "uuid"}}]},
        "query": {"type": ["string", "object"]},
        "target_cell": {"type": "string"},
        "different_cell": {"type": ["string", "array"]},
        "build_near_host_ip": parameter_types.ip_address,
        "cidr": {"type": "string", "pattern": "^/[0-9a-f.:]+$"},
    },
    "additionalProperties": True,
}

_SERVER = {
    "type": "object",
    "properties": {
        "name": parameter_types.name,
        "imageRef": {"type": "string", "maxLength": 255},
        "flavorRef": parameter_types.flavor_ref,
        "adminPass": {"type": "string"},
        "metadata": parameter_types.metadata,
        "networks": {"type": "array", "items": _NETWORK},
        "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        "accessIPv4": parameter_types.ipv4,
        "accessIPv6": parameter_types.ipv6,
        "personality": {"type": "array", "items": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "contents": {"type": "string"}},
            "additionalProperties": False}},
        "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
        "block_device_mapping_v2": {"type": "array", "items": _BDM},
        "block_device_mapping": {"type": "array"},
        "config_drive": parameter_types.boolean,
        "key_name": parameter_types.name_with_leading_trailing_spaces,
        "min_count": {"type": ["integer", "string"], "pattern": "^[0-9]+$",
                      "minimum": 1, "minLength": 1},
        "max_count": {"type": ["integer", "string"], "pattern": "^[0-9]+$",
                      "minimum": 1, "minLength": 1},
        "return_reservation_id": parameter_types.boolean,
        "security_groups": {"type": "array", "items": {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255}},
            "additionalProperties": False}},
        "user_data": {"type": "string", "format": "base64", "maxLength": 65535},
    },
    "required": ["name", "flavorRef"],
    "additionalProperties": False,
}


def _body(server):
    return {
        "type": "object",
        "properties": {
            "server": server,
            "os:scheduler_hints": _HINTS,
            "OS-SCH-HNT:scheduler_hints": _HINTS,
        },
        "required": ["server"],
        "additionalProperties": False,
    }


def _version(base, remove=(), **add):
    server = copy.deepcopy(base)
    for name in remove:
        server["properties"].pop(name, None)
    server["properties"].update(copy.deepcopy(add))
    return server


_V219 = _version(_SERVER, description=parameter_types.description)
_V232 = _version(_V219, networks={"type": "array", "items": _NETWORK_TAGGED})
# 2.37 to 2.41 take no tag on a network (upstream's 2.37 schema lost it);
# 2.42 gives it back.
_V237 = _version(_V232, networks={"oneOf": [
    {"type": "array", "items": _NETWORK},
    {"type": "string", "enum": ["none", "auto"]}]})
_V237["required"] = ["name", "flavorRef", "networks"]
_V242 = _version(_V237, networks={"oneOf": [
    {"type": "array", "items": _NETWORK_TAGGED},
    {"type": "string", "enum": ["none", "auto"]}]})
_V252 = _version(_V242, tags={"type": "array", "maxItems": 50, "items": {
    "type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}})
_V257 = _version(_V252, remove=("personality",))
_V263 = _version(_V257, trusted_image_certificates={
    "type": ["array", "null"], "minItems": 1, "maxItems": 50, "uniqueItems": True,
    "items": {"type": "string", "minLength": 1}})
_V267 = _version(_V263, block_device_mapping_v2={"type": "array", "items": _BDM_V267})
_V274 = _version(_V267, host=parameter_types.hostname,
                 hypervisor_hostname=parameter_types.fqdn)
_V290 = _version(_V274, hostname={"type": "string", "minLength": 1, "maxLength": 63,
                                  "pattern": "^[a-zA-Z0-9-]*$"})
_V294 = _version(_V290, hostname={"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": "^[a-zA-Z0-9-.]*$"})

create = _body(_SERVER)
create_v219 = _body(_V219)
create_v232 = _body(_V232)
create_v237 = _body(_V237)
create_v242 = _body(_V242)
create_v252 = _body(_V252)
create_v257 = _body(_V257)
create_v263 = _body(_V263)
create_v267 = _body(_V267)
create_v274 = _body(_V274)
create_v290 = _body(_V290)
create_v294 = _body(_V294)
