"""Who may read and change a server's user metadata."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:server-metadata:%s"
_ALL = "/servers/{server_id}/metadata"
_ONE = "/servers/{server_id}/metadata/{key}"

_RULES = (
    ("index", base.PROJECT_READER_OR_ADMIN, "List a server's metadata.", [("GET", _ALL)]),
    ("show", base.PROJECT_READER_OR_ADMIN, "Show one metadata item of a server.",
     [("GET", _ONE)]),
    ("create", base.PROJECT_MEMBER_OR_ADMIN, "Add or change metadata items of a server.",
     [("POST", _ALL)]),
    ("update_all", base.PROJECT_MEMBER_OR_ADMIN, "Replace all metadata of a server.",
     [("PUT", _ALL)]),
    ("update", base.PROJECT_MEMBER_OR_ADMIN, "Set one metadata item of a server.",
     [("PUT", _ONE)]),
    ("delete", base.PROJECT_MEMBER_OR_ADMIN, "Delete one metadata item of a server.",
     [("DELETE", _ONE)]),
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
