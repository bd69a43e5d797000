"""Who may read what the hypervisor says about a server (its diagnostics)."""

from oslo_policy import policy

from nova.policies import base

BASE_POLICY_NAME = "os_compute_api:os-server-diagnostics"

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME, check_str=base.ADMIN,
        description="Show the diagnostics of a server (hypervisor counters; admin only "
                    "by default, as they describe the host).",
        operations=[{"method": "GET", "path": "/servers/{server_id}/diagnostics"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
