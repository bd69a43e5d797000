"""Who may read a server's NUMA topology, and its host-side details."""

from oslo_policy import policy

from nova.policies import base

BASE_POLICY_NAME = "compute:server:topology:index"
HOST_POLICY_NAME = "compute:server:topology:host:index"

rules = [
    policy.DocumentedRuleDefault(
        name=BASE_POLICY_NAME, check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show the NUMA topology of a server.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/topology"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name=HOST_POLICY_NAME, check_str=base.ADMIN,
        description="See the host NUMA node and CPU pinning in a server's topology.",
        operations=[{"method": "GET", "path": "/servers/{server_id}/topology"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
