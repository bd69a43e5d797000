"""Who may list, attach and detach a server's network interfaces (os-interface)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-attach-interfaces:%s"
_PATH = "/servers/{server_id}/os-interface"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list", check_str=base.PROJECT_READER_OR_ADMIN,
        description="List the interfaces of a server.",
        operations=[{"method": "GET", "path": _PATH}], scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show", check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show one interface of a server.",
        operations=[{"method": "GET", "path": _PATH + "/{port_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create", check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Attach an interface (a port, or a new port on a network) to a server.",
        operations=[{"method": "POST", "path": _PATH}], scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete", check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Detach an interface from a server.",
        operations=[{"method": "DELETE", "path": _PATH + "/{port_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
