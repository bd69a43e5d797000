"""Who may read and clear the password a server's guest posted to the metadata API."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-server-password:%s"
_PATH = "/servers/{server_id}/os-server-password"

_RULES = (
    ("show", base.PROJECT_READER_OR_ADMIN, "Show the encrypted administrative password "
     "of a server.", [("GET", _PATH)]),
    ("clear", base.PROJECT_MEMBER_OR_ADMIN, "Clear the encrypted administrative password "
     "of a server.", [("DELETE", _PATH)]),
)

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % name, check_str=check_str, description=description,
        operations=[{"method": m, "path": p} for m, p in operations],
        scope_types=["project"])
    for name, check_str, description, operations in _RULES
]


def list_rules():
    return rules
