"""Who may see and change which projects can use a private flavor."""

from oslo_policy import policy

from nova.policies import base

BASE_POLICY_NAME = "os_compute_api:os-flavor-access"
POLICY_ROOT = "os_compute_api:os-flavor-access:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "add_tenant",
        check_str=base.ADMIN,
        description="Let one more project use a private flavor.",
        operations=[{"method": "POST",
                     "path": "/flavors/{flavor_id}/action (addTenantAccess)"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "remove_tenant",
        check_str=base.ADMIN,
        description="Take a project's access to a private flavor away.",
        operations=[{"method": "POST",
                     "path": "/flavors/{flavor_id}/action (removeTenantAccess)"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME,
        check_str=base.ADMIN,
        description="See every project that may use a private flavor.",
        operations=[{"method": "GET", "path": "/flavors/{flavor_id}/os-flavor-access"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
