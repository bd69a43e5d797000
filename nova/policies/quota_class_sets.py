"""Who may read and change quota classes (only 'default' has an effect)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-quota-class-sets:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=base.ADMIN,
        description="Read the quotas of a quota class.",
        operations=[{"method": "GET", "path": "/os-quota-class-sets/{quota_class}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "update",
        check_str=base.ADMIN,
        description="Change the quotas of a quota class.",
        operations=[{"method": "PUT", "path": "/os-quota-class-sets/{quota_class}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
