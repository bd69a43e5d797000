"""Who may read absolute limits and quota usage, for their own or another project."""

from oslo_policy import policy

from nova.policies import base

BASE_POLICY_NAME = "os_compute_api:limits"
OTHER_PROJECT_LIMIT_POLICY_NAME = "os_compute_api:limits:other_project"

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME,
        check_str=base.RULE_ANY,
        description="Read the limits and current usage of one's own project.",
        operations=[{"method": "GET", "path": "/limits"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=OTHER_PROJECT_LIMIT_POLICY_NAME,
        check_str=base.ADMIN,
        description="Read the limits of another project, named by the "
                    "tenant_id query parameter.",
        operations=[{"method": "GET", "path": "/limits"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
