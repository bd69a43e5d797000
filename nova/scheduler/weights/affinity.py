"""Weighers for the soft server-group policies.

soft-affinity prefers hosts already running members of the request's group;
soft-anti-affinity prefers hosts running fewer of them.
"""

import nova.conf
from nova.scheduler import utils
from nova.scheduler import weights

CONF = nova.conf.CONF


class _SoftAffinityWeigherBase(weights.BaseHostWeigher):
    policy_name = None
    option = None

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, self.option, getattr(CONF.filter_scheduler, self.option))

    def _members_on_host(self, host_state, spec_obj):
        group = spec_obj.instance_group if spec_obj.obj_attr_is_set(
            "instance_group") else None
        if group is None or group.policy != self.policy_name:
            return 0
        return len(set(host_state.instances or ()) & set(group.members or ()))


class ServerGroupSoftAffinityWeigher(_SoftAffinityWeigherBase):
    policy_name = "soft-affinity"
    option = "soft_affinity_weight_multiplier"

    def _weigh_object(self, host_state, spec_obj):
        return self._members_on_host(host_state, spec_obj)


class ServerGroupSoftAntiAffinityWeigher(_SoftAffinityWeigherBase):
    policy_name = "soft-anti-affinity"
    option = "soft_anti_affinity_weight_multiplier"

    def _weigh_object(self, host_state, spec_obj):
        return -1 * self._members_on_host(host_state, spec_obj)
