"""Who may list availability zones, with or without their hosts."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-availability-zone:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list",
        check_str=base.RULE_ANY,
        description="List the availability zones and whether they are usable.",
        operations=[{"method": "GET", "path": "/os-availability-zone"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "detail",
        check_str=base.ADMIN,
        description="List the availability zones with their hosts and the "
                    "services on each host.",
        operations=[{"method": "GET", "path": "/os-availability-zone/detail"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
