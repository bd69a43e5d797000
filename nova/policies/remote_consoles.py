"""Who may open a server's remote console, and who may look up console tokens."""

from oslo_policy import policy

from nova.policies import base

REMOTE_CONSOLES = "os_compute_api:os-remote-consoles"
CONSOLE_AUTH_TOKENS = "os_compute_api:os-console-auth-tokens"

rules = [
    policy.DocumentedRuleDefault(
        name=REMOTE_CONSOLES, check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description="Get a URL (with a fresh console token) of a server's VNC, SPICE "
                    "or serial console.",
        operations=[
            {"method": "POST", "path": "/servers/{server_id}/action (os-getVNCConsole)"},
            {"method": "POST", "path": "/servers/{server_id}/action (os-getSPICEConsole)"},
            {"method": "POST", "path": "/servers/{server_id}/action (os-getSerialConsole)"},
            {"method": "POST", "path": "/servers/{server_id}/remote-consoles"},
        ],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=CONSOLE_AUTH_TOKENS, check_str=base.ADMIN,
        description="Show the instance, host and port a console token opens.",
        operations=[{"method": "GET", "path": "/os-console-auth-tokens/{console_token}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
