"""Who may manage SSH key pairs. Key pairs belong to a user, not a project:
the target's user_id is the owner, and only the owner or an admin passes."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-keypairs:%s"
ADMIN_OR_KEYPAIR_OWNER = "(" + base.ADMIN + ") or user_id:%(user_id)s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index",
        check_str=ADMIN_OR_KEYPAIR_OWNER,
        description="List a user's key pairs (an admin may name another user "
                    "with user_id).",
        operations=[{"method": "GET", "path": "/os-keypairs"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create",
        check_str=ADMIN_OR_KEYPAIR_OWNER,
        description="Create or import a key pair.",
        operations=[{"method": "POST", "path": "/os-keypairs"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "delete",
        check_str=ADMIN_OR_KEYPAIR_OWNER,
        description="Delete a key pair.",
        operations=[{"method": "DELETE", "path": "/os-keypairs/{keypair_name}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show",
        check_str=ADMIN_OR_KEYPAIR_OWNER,
        description="Show one key pair.",
        operations=[{"method": "GET", "path": "/os-keypairs/{keypair_name}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
