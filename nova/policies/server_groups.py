"""Who may manage server groups (affinity policies for servers)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-server-groups:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create",
        check_str=base.PROJECT_MEMBER,
        description="Create a server group in one's own project.",
        operations=[{"method": "POST", "path": "/os-server-groups"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Delete a server group.",
        operations=[{"method": "DELETE", "path": "/os-server-groups/{server_group_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="List the server groups of one's own project.",
        operations=[{"method": "GET", "path": "/os-server-groups"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index:all_projects",
        check_str=base.ADMIN,
        description="List the server groups of every project (all_projects=True).",
        operations=[{"method": "GET", "path": "/os-server-groups"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show one server group.",
        operations=[{"method": "GET", "path": "/os-server-groups/{server_group_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
