"""Who may read a server's serial console log (os-getConsoleOutput)."""

from oslo_policy import policy

from nova.policies import base

BASE_POLICY_NAME = "os_compute_api:os-console-output"

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME, check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Show the console output (serial log) of a server.",
        operations=[{"method": "POST",
                     "path": "/servers/{server_id}/action (os-getConsoleOutput)"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
