"""Who may read and change the extra specs (key/value tuning) of a flavor."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-flavor-extra-specs:%s"
SPECS = "/flavors/{flavor_id}/os-extra_specs"
SPEC = SPECS + "/{flavor_extra_spec_key}"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Read one extra spec of a flavor.",
        operations=[{"method": "GET", "path": SPEC}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create",
        check_str=base.ADMIN,
        description="Add extra specs to a flavor, or overwrite them.",
        operations=[{"method": "POST", "path": SPECS}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "update",
        check_str=base.ADMIN,
        description="Set the value of one extra spec of a flavor.",
        operations=[{"method": "PUT", "path": SPEC}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=base.ADMIN,
        description="Remove one extra spec from a flavor.",
        operations=[{"method": "DELETE", "path": SPEC}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Read all extra specs of a flavor. From microversion 2.61 the "
                    "flavor responses embed the extra specs only for callers who "
                    "pass this rule.",
        operations=[{"method": "GET", "path": SPECS},
                    {"method": "GET", "path": "/flavors/detail"},
                    {"method": "GET", "path": "/flavors/{flavor_id}"},
                    {"method": "POST", "path": "/flavors"},
                    {"method": "PUT", "path": "/flavors/{flavor_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
