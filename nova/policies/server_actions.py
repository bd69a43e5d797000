"""Who may lock, pause, suspend, force-delete, rescue, reset and change the password
of servers (their upstream rule names)."""

from oslo_policy import policy

from nova.policies import base

_ACTION = "/servers/{server_id}/action (%s)"


def _rule(name, check_str, description, action):
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{"method": "POST", "path": _ACTION % action}],
        scope_types=["project"])


rules = [
    _rule("os_compute_api:os-lock-server:lock", base.PROJECT_MEMBER_OR_ADMIN,
          "Lock a server.", "lock"),
    _rule("os_compute_api:os-lock-server:unlock", base.PROJECT_MEMBER_OR_ADMIN,
          "Unlock a server.", "unlock"),
    _rule("os_compute_api:os-lock-server:unlock:unlock_override", base.ADMIN,
          "Unlock a server locked by someone else (an owner's lock by an admin, or "
          "the other way round).", "unlock"),
    _rule("os_compute_api:os-pause-server:pause", base.PROJECT_MEMBER_OR_ADMIN,
          "Pause a server.", "pause"),
    _rule("os_compute_api:os-pause-server:unpause", base.PROJECT_MEMBER_OR_ADMIN,
          "Unpause a paused server.", "unpause"),
    _rule("os_compute_api:os-suspend-server:suspend", base.PROJECT_MEMBER_OR_ADMIN,
          "Suspend a server.", "suspend"),
    _rule("os_compute_api:os-suspend-server:resume", base.PROJECT_MEMBER_OR_ADMIN,
          "Resume a suspended server.", "resume"),
    _rule("os_compute_api:os-deferred-delete:force", base.PROJECT_MEMBER_OR_ADMIN,
          "Delete a soft-deleted server at once.", "forceDelete"),
    _rule("os_compute_api:os-deferred-delete:restore", base.PROJECT_MEMBER_OR_ADMIN,
          "Restore a soft-deleted server.", "restore"),
    _rule("os_compute_api:os-rescue", base.PROJECT_MEMBER_OR_ADMIN,
          "Rescue a server (boot it from a rescue image).", "rescue"),
    _rule("os_compute_api:os-unrescue", base.PROJECT_MEMBER_OR_ADMIN,
          "Unrescue a server.", "unrescue"),
    _rule("os_compute_api:os-admin-password", base.PROJECT_MEMBER_OR_ADMIN,
          "Change the administrator password of a server.", "changePassword"),
    _rule("os_compute_api:os-admin-actions:reset_state", base.ADMIN,
          "Reset the state of a server (to active or error).", "os-resetState"),
    _rule("os_compute_api:os-admin-actions:inject_network_info", base.ADMIN,
          "Inject network information into a server.", "injectNetworkInfo"),
]


def list_rules():
    return rules
