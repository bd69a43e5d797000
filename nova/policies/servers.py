"""Who may list, show, change, create and act on servers (os_compute_api:servers:*)."""

from oslo_policy import policy

from nova.policies import base

SERVERS = "os_compute_api:servers:%s"
# Who sees the OS-EXT-SRV-ATTR:* fields of a server.
EXTENDED_ATTRIBUTES = "os_compute_api:os-extended-server-attributes"


def _rule(name, check_str, description, operations):
    return policy.DocumentedRuleDefault(
        name=SERVERS % name, check_str=check_str, description=description,
        operations=[{"method": m, "path": p} for m, p in operations],
        scope_types=["project"])


_ONE = "/servers/{server_id}"
_ACTION = "/servers/{server_id}/action (%s)"

rules = [
    _rule("index", base.PROJECT_READER_OR_ADMIN, "List servers.", [("GET", "/servers")]),
    _rule("detail", base.PROJECT_READER_OR_ADMIN, "List servers with details.",
          [("GET", "/servers/detail")]),
    _rule("index:get_all_tenants", base.ADMIN,
          "List the servers of every project (all_tenants=1).", [("GET", "/servers")]),
    _rule("detail:get_all_tenants", base.ADMIN,
          "List the servers of every project with details (all_tenants=1).",
          [("GET", "/servers/detail")]),
    _rule("allow_all_filters", base.ADMIN,
          "Filter and sort server lists by any field, not only the ones every user may "
          "use.", [("GET", "/servers"), ("GET", "/servers/detail")]),
    _rule("show", base.PROJECT_READER_OR_ADMIN, "Show one server.", [("GET", _ONE)]),
    _rule("show:flavor-extra-specs", base.PROJECT_READER_OR_ADMIN,
          "See the flavor extra specs embedded in a server (microversion 2.47 and "
          "later).", [("GET", _ONE), ("GET", "/servers/detail"),
                      ("PUT", _ONE), ("POST", _ACTION % "rebuild")]),
    _rule("show:host_status", base.ADMIN,
          "See the host_status of servers (microversion 2.16 and later).",
          [("GET", _ONE), ("GET", "/servers/detail"), ("PUT", _ONE),
           ("POST", _ACTION % "rebuild")]),
    _rule("show:host_status:unknown-only", base.ADMIN,
          "See host_status only when it is UNKNOWN (checked when show:host_status "
          "fails).", [("GET", _ONE), ("GET", "/servers/detail"), ("PUT", _ONE),
                      ("POST", _ACTION % "rebuild")]),
    _rule("create", base.PROJECT_MEMBER, "Create a server.", [("POST", "/servers")]),
    _rule("create:forced_host", base.ADMIN,
          "Create a server on a chosen host or node (availability_zone zone:host:node).",
          [("POST", "/servers")]),
    _rule("create:requested_destination", base.ADMIN,
          "Create a server on a chosen host or node (host/hypervisor_hostname, 2.74).",
          [("POST", "/servers")]),
    _rule("create:attach_volume", base.PROJECT_MEMBER,
          "Create a server with volumes attached.", [("POST", "/servers")]),
    _rule("create:attach_network", base.PROJECT_MEMBER,
          "Create a server with chosen networks or ports.", [("POST", "/servers")]),
    _rule("create:trusted_certs", base.PROJECT_MEMBER,
          "Create a server with trusted image certificates.", [("POST", "/servers")]),
    _rule("create:zero_disk_flavor", base.ADMIN,
          "Boot a volume-backed server from an image with a flavor of zero root disk.",
          [("POST", "/servers")]),
    _rule("create_image", base.PROJECT_MEMBER_OR_ADMIN, "Snapshot a server.",
          [("POST", _ACTION % "createImage")]),
    _rule("create_image:allow_volume_backed", base.PROJECT_MEMBER_OR_ADMIN,
          "Snapshot a volume-backed server.", [("POST", _ACTION % "createImage")]),
    _rule("delete", base.PROJECT_MEMBER_OR_ADMIN, "Delete a server.",
          [("DELETE", _ONE)]),
    _rule("update", base.PROJECT_MEMBER_OR_ADMIN,
          "Change a server's name, description, hostname or access addresses.",
          [("PUT", _ONE)]),
    _rule("confirm_resize", base.PROJECT_MEMBER_OR_ADMIN, "Confirm a resize.",
          [("POST", _ACTION % "confirmResize")]),
    _rule("revert_resize", base.PROJECT_MEMBER_OR_ADMIN, "Revert a resize.",
          [("POST", _ACTION % "revertResize")]),
    _rule("reboot", base.PROJECT_MEMBER_OR_ADMIN, "Reboot a server.",
          [("POST", _ACTION % "reboot")]),
    _rule("resize", base.PROJECT_MEMBER_OR_ADMIN, "Resize a server.",
          [("POST", _ACTION % "resize")]),
    _rule("rebuild", base.PROJECT_MEMBER_OR_ADMIN, "Rebuild a server.",
          [("POST", _ACTION % "rebuild")]),
    _rule("rebuild:trusted_certs", base.PROJECT_MEMBER_OR_ADMIN,
          "Rebuild a server with trusted image certificates.",
          [("POST", _ACTION % "rebuild")]),
    _rule("start", base.PROJECT_MEMBER_OR_ADMIN, "Start a server.",
          [("POST", _ACTION % "os-start")]),
    _rule("stop", base.PROJECT_MEMBER_OR_ADMIN, "Stop a server.",
          [("POST", _ACTION % "os-stop")]),
    _rule("trigger_crash_dump", base.PROJECT_MEMBER_OR_ADMIN,
          "Trigger a crash dump in a server (NMI).",
          [("POST", _ACTION % "trigger_crash_dump")]),
    policy.DocumentedRuleDefault(
        name=EXTENDED_ATTRIBUTES, check_str=base.ADMIN,
        description="See the OS-EXT-SRV-ATTR:* fields of servers (host, hypervisor "
                    "hostname, instance name, and from 2.3 kernel, ramdisk, reservation, "
                    "launch index, root device and user data).",
        operations=[{"method": "GET", "path": _ONE},
                    {"method": "GET", "path": "/servers/detail"},
                    {"method": "PUT", "path": _ONE},
                    {"method": "POST", "path": _ACTION % "rebuild"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
