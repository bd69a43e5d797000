"""AvailabilityZoneFilter: the host must be in the requested availability zone.

A host's zone is the ``availability_zone`` metadata of its aggregates, or
[DEFAULT] default_availability_zone when none of them sets one.
"""

from oslo_log import log as logging

import nova.conf
from nova.scheduler import filters
from nova.scheduler.filters import utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class AvailabilityZoneFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        zone = spec_obj.availability_zone if spec_obj.obj_attr_is_set(
            "availability_zone") else None
        if not zone:
            return True
        host_zones = utils.aggregate_values_from_key(host_state, "availability_zone")
        if host_zones:
            passes = zone in host_zones
        else:
            passes = zone == CONF.default_availability_zone
        if not passes:
            LOG.debug("Availability zone %s requested; %s is in %s", zone, host_state,
                      sorted(host_zones) or CONF.default_availability_zone)
        return passes
