"""Request schemas of /servers (list query strings and the update body).

The list query schema accepts any parameter before 2.75 (unknown ones are
ignored); from 2.75 an unknown parameter is a 400. Which of the known
filters a user may apply is decided by policy in the controller.
"""

import copy

from nova.api.validation import parameter_types

# Sort keys the database can order by.
VALID_SORT_KEYS = [
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone",
    "config_drive", "created_at", "display_description", "display_name", "host",
    "hostname", "image_ref", "instance_type_id", "kernel_id", "key_name", "launch_index",
    "launched_at", "locked_by", "node", "power_state", "progress", "project_id",
    "ramdisk_id", "root_device_name", "task_state", "terminated_at", "updated_at",
    "user_id", "uuid", "vm_state"]
# Sort keys accepted (before 2.75 and for compatibility) but ignored.
IGNORED_SORT_KEYS = [
    "architecture", "cell_name", "cleaned", "default_ephemeral_device",
    "default_swap_device", "deleted", "deleted_at", "disable_terminate", "ephemeral_gb",
    "ephemeral_key_uuid", "id", "key_data", "launched_on", "locked", "memory_mb",
    "os_type", "reservation_id", "root_gb", "shutdown_terminate", "user_data", "vcpus",
    "vm_mode"]
# From 2.73 servers sort by their lock state too.
IGNORED_SORT_KEYS_V273 = [k for k in IGNORED_SORT_KEYS if k != "locked"]

_STRING = parameter_types.multi_params({"type": "string"})

# Every filter of GET /servers(/detail); values are query-string lists.
_FILTERS = [
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
    "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state", "vm_state",
    "task_state", "host", "node", "flavor", "reservation_id", "launched_at",
    "terminated_at", "availability_zone", "name", "display_name", "description",
    "display_description", "locked_by", "uuid", "root_device_name", "config_drive",
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "sort_key",
    "sort_dir", "all_tenants", "soft_deleted", "deleted", "status", "changes-since",
    "ip", "ip6", "created_at", "block_device_mapping", "services", "metadata",
    "system_metadata", "info_cache", "security_groups", "pci_devices", "limit",
    "marker", "tags", "tags-any", "not-tags", "not-tags-any"]

query_params = {
    "type": "object",
    "properties": {name: copy.deepcopy(_STRING) for name in _FILTERS},
    # Before 2.75 unknown parameters are ignored.
    "additionalProperties": True,
}
query_params["properties"]["sort_key"] = parameter_types.multi_params(
    {"type": "string", "enum": VALID_SORT_KEYS + IGNORED_SORT_KEYS})
query_params["properties"]["sort_dir"] = parameter_types.multi_params(
    {"type": "string", "enum": ["asc", "desc"]})
query_params["properties"]["limit"] = parameter_types.multi_params(
    parameter_types.non_negative_integer)
query_params["properties"]["changes-since"] = parameter_types.multi_params(
    {"type": "string", "format": "date-time"})
query_params["properties"]["ip6"] = _STRING

query_params_v266 = copy.deepcopy(query_params)
query_params_v266["properties"]["changes-before"] = parameter_types.multi_params(
    {"type": "string", "format": "date-time"})

query_params_v273 = copy.deepcopy(query_params_v266)
query_params_v273["properties"]["sort_key"] = parameter_types.multi_params(
    {"type": "string", "enum": VALID_SORT_KEYS + ["locked"] + IGNORED_SORT_KEYS_V273})
query_params_v273["properties"]["locked"] = parameter_types.multi_params(
    parameter_types.boolean)

# 2.75: unknown parameters are refused; all_tenants and deleted are booleans.
query_params_v275 = copy.deepcopy(query_params_v273)
query_params_v275["additionalProperties"] = False
for _name in ("all_tenants", "deleted", "soft_deleted"):
    query_params_v275["properties"][_name] = parameter_types.multi_params(
        parameter_types.boolean)

_ACCESS_IPV4 = {"type": "string", "format": "ipv4"}
_ACCESS_IPV6 = {"type": "string", "format": "ipv6"}
# An empty string clears an access address.
_ACCESS_IPV4_OR_EMPTY = {"oneOf": [_ACCESS_IPV4, {"type": "string", "enum": [""]}]}
_ACCESS_IPV6_OR_EMPTY = {"oneOf": [_ACCESS_IPV6, {"type": "string", "enum": [""]}]}


def _update(properties):
    return {
        "type": "object",
        "properties": {
            "server": {
                "type": "object",
                "properties": properties,
                "additionalProperties": False,
            },
        },
        "required": ["server"],
        "additionalProperties": False,
    }


_UPDATE_V21 = {
    "name": parameter_types.name_with_leading_trailing_spaces,
    "accessIPv4": _ACCESS_IPV4_OR_EMPTY,
    "accessIPv6": _ACCESS_IPV6_OR_EMPTY,
    "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
}
update = _update(_UPDATE_V21)
update_v219 = _update(dict(_UPDATE_V21, description=parameter_types.description))
update_v290 = _update(dict(_UPDATE_V21, description=parameter_types.description,
                           hostname={"type": "string", "minLength": 1, "maxLength": 63,
                                     "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9-]*"
                                                r"[a-zA-Z0-9])?$"}))
update_v294 = _update(dict(_UPDATE_V21, description=parameter_types.description,
                           hostname={"type": "string", "minLength": 1, "maxLength": 255,
                                     "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9.-]*"
                                                r"[a-zA-Z0-9])?$"}))

show_query = {"type": "object", "properties": {}, "additionalProperties": True}
