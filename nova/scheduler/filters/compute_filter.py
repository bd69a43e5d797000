"""ComputeFilter: only enabled compute services that are up.

"Up" is judged as of the moment the scheduler read the service record (at the
start of the request): one request placing many instances can outlast
service_down_time on its own (100 claims in Placement, ~10 s on a loaded
machine), and its last instances must not find the host down for that.
"""

from oslo_log import log as logging

from nova.scheduler import filters
from nova import servicegroup

LOG = logging.getLogger(__name__)


class ComputeFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = False

    def __init__(self):
        self.servicegroup_api = servicegroup.API()

    def host_passes(self, host_state, spec_obj):
        service = host_state.service
        if service is None:
            LOG.debug("%s has no compute service record", host_state)
            return False
        if service.disabled:
            LOG.debug("%s is disabled, reason: %s", host_state,
                      service.disabled_reason)
            return False
        if not self.servicegroup_api.service_is_up(
                service, as_of=getattr(host_state, "service_read_at", None)):
            LOG.warning("%s has not been heard from in a while", host_state)
            return False
        return True
