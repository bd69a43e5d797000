"""Who may shelve, offload, unshelve and back up servers (upstream's rule names)."""

from oslo_policy import policy

from nova.policies import base

_ACTION = "/servers/{server_id}/action (%s)"


def _rule(name, check_str, description, action):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{"method": "POST", "path": _ACTION % action}],
        scope_types=["project"])


rules = [
    _rule("os_compute_api:os-shelve:shelve", base.PROJECT_MEMBER_OR_ADMIN,
          "Shelve a server.", "shelve"),
    _rule("os_compute_api:os-shelve:shelve_offload", base.ADMIN,
          "Offload a shelved server from its host now.", "shelveOffload"),
    _rule("os_compute_api:os-shelve:unshelve", base.PROJECT_MEMBER_OR_ADMIN,
          "Unshelve (restore) a shelved server.", "unshelve"),
    _rule("os_compute_api:os-shelve:unshelve_to_host", base.ADMIN,
          "Unshelve a shelved-offloaded server onto a given host (2.91).", "unshelve"),
    _rule("os_compute_api:os-create-backup", base.PROJECT_MEMBER_OR_ADMIN,
          "Back a server up as an image, rotating older backups.", "createBackup"),
]


def list_rules():
    return rules
