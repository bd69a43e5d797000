"""Who may read networks through the compute API (os-networks, os-tenant-networks)."""

from oslo_policy import policy

from nova.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-networks:list", check_str=base.PROJECT_READER_OR_ADMIN,
        description="List networks (up to 2.35).",
        operations=[{"method": "GET", "path": "/os-networks"}], scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-networks:view", check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show a network (up to 2.35).",
        operations=[{"method": "GET", "path": "/os-networks/{network_id}"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-tenant-networks:list",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="List the project's networks (up to 2.35).",
        operations=[{"method": "GET", "path": "/os-tenant-networks"}],
        scope_types=["project"]),
    policy.DocumentedRuleDefault(
        name="os_compute_api:os-tenant-networks:show",
        check_str=base.PROJECT_READER_OR_ADMIN,
        description="Show one of the project's networks (up to 2.35).",
        operations=[{"method": "GET", "path": "/os-tenant-networks/{network_id}"}],
        scope_types=["project"]),
]


def list_rules():
    return rules
