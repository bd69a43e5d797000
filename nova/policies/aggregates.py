"""Who may manage host aggregates and their hosts and metadata."""

from oslo_policy import policy

from nova.policies import base

POLICY_ROOT = "os_compute_api:os-aggregates:%s"
NEW_POLICY_ROOT = "compute:aggregates:%s"
ACTION = "/os-aggregates/{aggregate_id}/action"


def _rule(name, description, method, path):
    return policy.DocumentedRuleDefault(
        name=name,
        check_str=base.ADMIN,
        description=description,
        operations=[{"method": method, "path": path}],
        scope_types=["project"])


rules = [
    _rule(POLICY_ROOT % "set_metadata", "Set metadata on an aggregate.",
          "POST", ACTION + " (set_metadata)"),
    _rule(POLICY_ROOT % "add_host", "Put a host into an aggregate.",
          "POST", ACTION + " (add_host)"),
    _rule(POLICY_ROOT % "create", "Create an aggregate.", "POST", "/os-aggregates"),
    _rule(POLICY_ROOT % "remove_host", "Take a host out of an aggregate.",
          "POST", ACTION + " (remove_host)"),
    _rule(POLICY_ROOT % "update", "Rename an aggregate or change its "
                                  "availability zone.",
          "PUT", "/os-aggregates/{aggregate_id}"),
    _rule(POLICY_ROOT % "index", "List the aggregates.", "GET", "/os-aggregates"),
    _rule(POLICY_ROOT % "delete", "Delete an aggregate.",
          "DELETE", "/os-aggregates/{aggregate_id}"),
    _rule(POLICY_ROOT % "show", "Show one aggregate.",
          "GET", "/os-aggregates/{aggregate_id}"),
    _rule(NEW_POLICY_ROOT % "images", "Ask the hosts of an aggregate to cache "
                                      "images ahead of use.",
          "POST", "/os-aggregates/{aggregate_id}/images"),
]


def list_rules():
    return rules
