"""Who may read the instance usage audit log (admin)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-instance-usage-audit-log:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list", check_str=base.ADMIN,
        description="Show the usage audit log of the last completed period.",
        operations=[{"method": "GET", "path": "/os-instance_usage_audit_log"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show", check_str=base.ADMIN,
        description="Show the usage audit log of the last period completed before a time.",
        operations=[{"method": "GET",
                     "path": "/os-instance_usage_audit_log/{before_timestamp}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
