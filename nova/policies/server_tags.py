"""Who may read and change a server's tags (microversion 2.26 and later)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-server-tags:%s"
_ALL = "/servers/{server_id}/tags"
_ONE = "/servers/{server_id}/tags/{tag}"

_RULES = (
    ("index", base.PROJECT_READER_OR_ADMIN, "List a server's tags.", [("GET", _ALL)]),
    ("show", base.PROJECT_READER_OR_ADMIN, "Check whether a server has a tag.",
     [("GET", _ONE)]),
    ("update_all", base.PROJECT_MEMBER_OR_ADMIN, "Replace all tags of a server.",
     [("PUT", _ALL)]),
    ("update", base.PROJECT_MEMBER_OR_ADMIN, "Add one tag to a server.", [("PUT", _ONE)]),
    ("delete_all", base.PROJECT_MEMBER_OR_ADMIN, "Remove all tags of a server.",
     [("DELETE", _ALL)]),
    ("delete", base.PROJECT_MEMBER_OR_ADMIN, "Remove one tag of a server.",
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
