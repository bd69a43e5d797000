"""Who may read the volumes attached to a server."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-volumes-attachments:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "index", check_str=base.PROJECT_READER_OR_ADMIN,
        description="List the volume attachments of a server.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/os-volume_attachments"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "show", check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show one volume attachment of a server.",
        operations=[{"method": "GET",
                     "path": "/servers/{server_id}/os-volume_attachments/{volume_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
