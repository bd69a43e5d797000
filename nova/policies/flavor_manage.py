"""Who may create, change and delete flavors (os-flavor-manage)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-flavor-manage:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create",
        check_str=base.ADMIN,
        description="Define a new flavor.",
        operations=[{"method": "POST", "path": "/flavors"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "update",
        check_str=base.ADMIN,
        description="Change the description of an existing flavor.",
        operations=[{"method": "PUT", "path": "/flavors/{flavor_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=base.ADMIN,
        description="Remove a flavor so no new server can use it.",
        operations=[{"method": "DELETE", "path": "/flavors/{flavor_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
