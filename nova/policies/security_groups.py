"""Who may read and change a server's security groups."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-security-groups:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list", check_str=base.PROJECT_READER_OR_ADMIN,
        description="List the security groups of a server.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/os-security-groups"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "add", check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Add a security group to a server (addSecurityGroup).",
        operations=[{"method": "POST", "path": "/servers/{server_id}/action "
                                               "(addSecurityGroup)"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "remove", check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Remove a security group from a server (removeSecurityGroup).",
        operations=[{"method": "POST", "path": "/servers/{server_id}/action "
                                               "(removeSecurityGroup)"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
