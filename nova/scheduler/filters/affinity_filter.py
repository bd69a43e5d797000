"""Server group and instance-placement hint filters.

ServerGroupAffinityFilter / ServerGroupAntiAffinityFilter enforce the hard
policies of the request's server group (anti-affinity honours the
``max_server_per_host`` rule); SameHostFilter / DifferentHostFilter honour
the ``same_host`` / ``different_host`` scheduler hints (instance UUIDs).
"""

from oslo_log import log as logging

from nova.scheduler import filters
from nova.scheduler.filters import utils

LOG = logging.getLogger(__name__)


def _group_of(spec_obj):
    if not spec_obj.obj_attr_is_set("instance_group"):
        return None
    return spec_obj.instance_group


class ServerGroupAffinityFilter(filters.BaseHostFilter):
    """Every member of an 'affinity' group on one host."""

    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        group = _group_of(spec_obj)
        if group is None or group.policy != "affinity":
            return True
        group_hosts = group.hosts if group.obj_attr_is_set("hosts") else None
        if not group_hosts:
            return True
        passes = host_state.host in group_hosts
        if not passes:
            LOG.debug("Affinity: group %s is on %s, not %s",
                      group.uuid if "uuid" in group else "n/a", group_hosts, host_state)
        return passes


class ServerGroupAntiAffinityFilter(filters.BaseHostFilter):
    """Members of an 'anti-affinity' group on different hosts
    (at most ``max_server_per_host`` per host, 1 by default)."""

    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        group = _group_of(spec_obj)
        if group is None or group.policy != "anti-affinity":
            return True
        instances = set(host_state.instances or ())
        # A move may land back on the instance's own host.
        if spec_obj.obj_attr_is_set("instance_uuid") and spec_obj.instance_uuid in instances:
            return True
        members = set(group.members or ())
        on_host = instances & members
        rules = group.rules if group.obj_attr_is_set("rules") else {}
        try:
            max_per_host = int((rules or {}).get("max_server_per_host", 1))
        except ValueError:
            max_per_host = 1
        passes = len(on_host) < max_per_host
        if not passes:
            LOG.debug("Anti-affinity: %s already has %d member(s) of group %s (max %d)",
                      host_state, len(on_host),
                      group.uuid if "uuid" in group else "n/a", max_per_host)
        return passes


class SameHostFilter(filters.BaseHostFilter):
    """Only hosts running one of the instances in the ``same_host`` hint."""

    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        wanted = spec_obj.get_scheduler_hint("same_host")
        if not wanted:
            return True
        return utils.instance_uuids_overlap(host_state, wanted)


class DifferentHostFilter(filters.BaseHostFilter):
    """Only hosts running none of the instances in the ``different_host`` hint."""

    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        avoid = spec_obj.get_scheduler_hint("different_host")
        if not avoid:
            return True
        return not utils.instance_uuids_overlap(host_state, avoid)
