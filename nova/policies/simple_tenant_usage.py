"""Who may read usage reports: one project's (its readers), every project's (admin)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-simple-tenant-usage:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show the usage of one project over a time window.",
        operations=[{"method": "GET", "path": "/os-simple-tenant-usage/{tenant_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list",
        check_str=base.ADMIN,
        description="List the usage of every project over a time window.",
        operations=[{"method": "GET", "path": "/os-simple-tenant-usage"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
