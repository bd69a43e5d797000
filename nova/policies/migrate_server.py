"""Who may cold- and live-migrate servers (upstream's os-migrate-server rules)."""

from oslo_policy import policy

from nova.policies import base

_ACTION = "/servers/{server_id}/action (%s)"


def _rule(name, description, action):
    return policy.DocumentedRuleDefault(
        name="os_compute_api:os-migrate-server:%s" % name, check_str=base.ADMIN,
        description=description,
        operations=[{"method": "POST", "path": _ACTION % action}],
        scope_types=["project"])


rules = [
    _rule("migrate", "Cold migrate a server to a host the scheduler picks.", "migrate"),
    _rule("migrate:host", "Cold migrate a server to a host named in the request "
                          "(2.56).", "migrate"),
    _rule("migrate_live", "Live migrate a server to another host.", "os-migrateLive"),
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-evacuate", check_str=base.ADMIN,
        description="Rebuild a server of a host that is down on another host.",
        operations=[{"method": "POST", "path": _ACTION % "evacuate"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
