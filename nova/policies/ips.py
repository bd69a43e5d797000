"""Who may read a server's addresses (GET /servers/{server_id}/ips)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:ips:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show", check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show a server's addresses on one network.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/ips/{network_label}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index", check_str=base.PROJECT_READER_OR_ADMIN,
        description="List a server's addresses on every network.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/ips"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
