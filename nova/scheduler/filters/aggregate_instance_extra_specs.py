"""AggregateInstanceExtraSpecsFilter: flavor extra specs against aggregate metadata.

Keys scoped ``aggregate_instance_extra_specs:`` (or unscoped keys) must be
set in the metadata of one of the host's aggregates to a value matching the
extra_specs_ops requirement.
"""

from oslo_log import log as logging

from nova.scheduler import filters
from nova.scheduler.filters import extra_specs_ops
from nova.scheduler.filters import utils

LOG = logging.getLogger(__name__)

SCOPE = "aggregate_instance_extra_specs"


class AggregateInstanceExtraSpecsFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        extra_specs = spec_obj.flavor.extra_specs if "extra_specs" in spec_obj.flavor \
            else {}
        if not extra_specs:
            return True
        metadata = utils.aggregate_metadata_get_by_host(host_state)
        for key, req in extra_specs.items():
            scope = key.split(":", 1)
            if len(scope) > 1:
                if scope[0] != SCOPE:
                    continue
                key = scope[1]
            values = metadata.get(key)
            if not values:
                LOG.debug("%s: no aggregate metadata %s (flavor requires %s)",
                          host_state, key, req)
                return False
            if not any(extra_specs_ops.match(value, req) for value in values):
                LOG.debug("%s: aggregate metadata %s=%s does not match %s", host_state,
                          key, sorted(values), req)
                return False
        return True
