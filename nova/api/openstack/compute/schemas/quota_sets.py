"""Request schemas of os-quota-sets and os-quota-class-sets."""

import copy

from nova.api.validation import parameter_types

MAX_LIMIT = 0x7FFFFFFF

_LIMIT = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$",
          "minimum": -1, "maximum": MAX_LIMIT}

# Limits nova-network once enforced; shown (as unlimited) before 2.36.
NETWORK_RESOURCES = ("fixed_ips", "floating_ips", "security_groups",
                     "security_group_rules")
# Personality (file injection) limits; gone from 2.57.
INJECTION_RESOURCES = ("injected_files", "injected_file_content_bytes",
                       "injected_file_path_length")
BASE_RESOURCES = ("instances", "cores", "ram", "metadata_items", "key_pairs",
                  "server_groups", "server_group_members")


def _resources(*names):
    return {name: copy.deepcopy(_LIMIT) for name in names}


def _update(names, with_force=True, top="quota_set"):
    properties = _resources(*names)
    if with_force:
        properties["force"] = parameter_types.boolean
    return {
        "type": "object",
        "properties": {
            top: {"type": "object", "properties": properties,
                  "additionalProperties": False},
        },
        "required": [top],
        "additionalProperties": False,
    }


update = _update(BASE_RESOURCES + INJECTION_RESOURCES + NETWORK_RESOURCES)
update_v236 = _update(BASE_RESOURCES + INJECTION_RESOURCES)
update_v257 = _update(BASE_RESOURCES)

_CLASS_PRE_250 = tuple(r for r in BASE_RESOURCES
                       if r not in ("server_groups", "server_group_members"))
class_update = _update(_CLASS_PRE_250 + INJECTION_RESOURCES + NETWORK_RESOURCES,
                       with_force=False, top="quota_class_set")
class_update_v250 = _update(BASE_RESOURCES + INJECTION_RESOURCES, with_force=False,
                            top="quota_class_set")
class_update_v257 = _update(BASE_RESOURCES, with_force=False, top="quota_class_set")

query = {
    "type": "object",
    "properties": {"user_id": parameter_types.multi_params({"type": "string"})},
    "additionalProperties": True,
}
query_v275 = copy.deepcopy(query)
query_v275["additionalProperties"] = False
