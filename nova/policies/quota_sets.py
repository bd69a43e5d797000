"""Who may read and change the quotas of a project (os-quota-sets)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-quota-sets:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "update",
        check_str=base.ADMIN,
        description="Set the quotas of a project, or of one user in it.",
        operations=[{"method": "PUT", "path": "/os-quota-sets/{tenant_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "defaults",
        check_str=base.RULE_ANY,
        description="Read the default quotas a new project gets.",
        operations=[{"method": "GET", "path": "/os-quota-sets/{tenant_id}/defaults"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Read the quotas of a project.",
        operations=[{"method": "GET", "path": "/os-quota-sets/{tenant_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=base.ADMIN,
        description="Drop a project's own quota values so the defaults apply again.",
        operations=[{"method": "DELETE", "path": "/os-quota-sets/{tenant_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "detail",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Read the quotas of a project with what is in use and reserved.",
        operations=[{"method": "GET", "path": "/os-quota-sets/{tenant_id}/detail"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
