"""nova's versioned objects.

Call register_all() once per process before using them; each class then is
reachable as ``nova.objects.<ClassName>`` (the newest registered version).
"""

import importlib

# One module per object family. Keep sorted.
OBJECT_MODULES = (
    "aggregate",
    "block_device",
    "build_request",
    "cell_mapping",
    "compute_node",
    "console_auth_token",
    "external_event",
    "fixed_ip",
    "flavor",
    "host_mapping",
    "image_meta",
    "instance",
    "instance_action",
    "instance_fault",
    "instance_group",
    "instance_info_cache",
    "instance_mapping",
    "keypair",
    "migration",
    "network_request",
    "quotas",
    "request_spec",
    "selection",
    "service",
    "tag",
    "task_log",
)


def register_all():
    for name in OBJECT_MODULES:
        importlib.import_module("nova.objects." + name)
