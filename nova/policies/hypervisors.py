"""Who may look at hypervisors (compute nodes) and what runs on them."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-hypervisors:%s"


def _rule(action, description, method, path):
    return policy.DocumentedRuleDefault(
        name=POLICY_ROOT % action,
        check_str=base.ADMIN,
        description=description,
        operations=[{"method": method, "path": path}],
        scope_types=["project"])


rules = [
    _rule("list", "List the hypervisors.", "GET", "/os-hypervisors"),
    _rule("list-detail", "List the hypervisors with their details.",
          "GET", "/os-hypervisors/detail"),
    _rule("statistics", "Read totals over all hypervisors (deprecated from 2.88).",
          "GET", "/os-hypervisors/statistics"),
    _rule("show", "Show one hypervisor.", "GET", "/os-hypervisors/{hypervisor_id}"),
    _rule("uptime", "Read how long a hypervisor has been up.",
          "GET", "/os-hypervisors/{hypervisor_id}/uptime"),
    _rule("search", "Find hypervisors whose host name matches a pattern.",
          "GET", "/os-hypervisors/{hypervisor_hostname_pattern}/search"),
    _rule("servers", "List the servers on the hypervisors whose host name "
                     "matches a pattern.",
          "GET", "/os-hypervisors/{hypervisor_hostname_pattern}/servers"),
]


def list_rules():
    return rules
