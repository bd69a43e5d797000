"""The route table of the compute API v2.1: every resource module's ``ROUTES``.

Every listed module must import: a resource that cannot load is a bug that
stops the API from starting, not a route that silently disappears.
"""

import importlib

ROUTE_MODULES = (
    "versions",
    "extension_info",
    "flavors",
    "flavor_access",
    "flavor_extra_specs",
    "limits",
    "keypairs",
    "availability_zone",
    "quota_sets",
    "quota_classes",
    "services",
    "hypervisors",
    "aggregates",
    "server_groups",
    "servers",
    "server_create",
    "server_actions",
    "server_metadata",
    "server_tags",
    "server_password",
    "server_diagnostics",
    "remote_consoles",
    "console_auth_tokens",
    "instance_actions",
    "migrations",
    "server_migrations",
    "server_external_events",
    "simple_tenant_usage",
    "ips",
    "volume_attachments",
    "server_topology",
    "removed_apis",
    "networks",
    "attach_interfaces",
    "security_groups",
    "images",
    "instance_usage_audit_log",
)

_PACKAGE = "nova.api.openstack.compute"


def _load(name):
    return importlib.import_module("%s.%s" % (_PACKAGE, name))


def collect_routes(module_names=None):
    """``[(path, {method: function})]`` of the given (default: all) resource modules.

    Two modules may serve different methods of one path; a method served
    twice is a programming error.
    """
    merged = {}
    order = []
    for name in module_names or ROUTE_MODULES:
        module = _load(name)
        if module is None:
            continue
        for path, methods in getattr(module, "ROUTES", ()):
            if path not in merged:
                merged[path] = {}
                order.append(path)
            for method, func in methods.items():
                if method in merged[path]:
                    raise ValueError("%s %s is routed twice (second time by %s)" %
                                     (method, path, name))
                merged[path][method] = func
    return [(path, merged[path]) for path in order]
