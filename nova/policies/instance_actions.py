"""Who may read the record of actions taken on a server (os-instance-actions)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-instance-actions:%s"
_ALL = "/servers/{server_id}/os-instance-actions"
_ONE = "/servers/{server_id}/os-instance-actions/{request_id}"

_RULES = (
    ("list", base.PROJECT_READER_OR_ADMIN, "List the actions of a server.",
     [("GET", _ALL)]),
    ("show", base.PROJECT_READER_OR_ADMIN, "Show one action of a server.",
     [("GET", _ONE)]),
    ("events", base.ADMIN,
     "See an action's events before microversion 2.51, each event's traceback, and "
     "from 2.62 the host an event ran on. Checked after the show rule passes.",
     [("GET", _ONE)]),
    ("events:details", base.PROJECT_READER_OR_ADMIN,
     "See the details (the failure message) of an action's events, microversion 2.84 "
     "and later.", [("GET", _ONE)]),
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
