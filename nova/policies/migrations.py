"""Who may list the migrations of the cloud (GET /os-migrations)."""

from oslo_policy import policy

from nova.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-migrations:index", check_str=base.ADMIN,
        description="List the resize, migration, live migration and evacuation records "
                    "of every server.",
        operations=[{"method": "GET", "path": "/os-migrations"}],
        scope_types=["project"]),
]

_ONE = "/servers/{server_id}/migrations/{migration_id}"
for _name, _method, _path, _text in (
        ("index", "GET", "/servers/{server_id}/migrations",
         "List the live migrations of a server in progress (2.23)."),
        ("show", "GET", _ONE, "Show a live migration of a server in progress (2.23)."),
        ("force_complete", "POST", _ONE + "/action (force_complete)",
         "Force a running live migration to complete (2.22)."),
        ("delete", "DELETE", _ONE, "Abort a live migration in progress (2.24).")):
    rules.append(policy.DocumentedRuleDefault(
        name="os_compute_api:servers:migrations:%s" % _name, check_str=base.ADMIN,
        description=_text, operations=[{"method": _method, "path": _path}],
        scope_types=["project"]))


def list_rules():
    return rules
