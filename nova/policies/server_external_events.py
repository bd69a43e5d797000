"""Who may post external instance events (Neutron, Cinder and other services)."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-server-external-events:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=POLICY_ROOT % "create", check_str=base.ADMIN,
        description="Tell nova about events of servers that another service saw "
                    "(a port wired, a volume extended...). Meant for the services' "
                    "own accounts.",
        operations=[{"method": "POST", "path": "/os-server-external-events"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
