"""Who may list, enable/disable, force down and delete compute services."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-services:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "list",
        check_str=base.ADMIN,
        description="List the nova services and their state.",
        operations=[{"method": "GET", "path": "/os-services"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "update",
        check_str=base.ADMIN,
        description="Enable, disable or force down a service.",
        operations=[{"method": "PUT", "path": "/os-services/enable"},
                    {"method": "PUT", "path": "/os-services/disable"},
                    {"method": "PUT", "path": "/os-services/disable-log-reason"},
                    {"method": "PUT", "path": "/os-services/force-down"},
                    {"method": "PUT", "path": "/os-services/{service_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=base.ADMIN,
        description="Delete a service record (and, for a compute service, its "
                    "compute node).",
        operations=[{"method": "DELETE", "path": "/os-services/{service_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
