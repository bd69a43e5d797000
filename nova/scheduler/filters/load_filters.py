"""Filters on how busy a host is: instance count and concurrent I/O operations.

The Aggregate* variants take the limit from the host's aggregates' metadata
(``max_instances_per_host`` / ``max_io_ops_per_host``, the lowest value
wins) and fall back to the [filter_scheduler] option.
"""

from oslo_log import log as logging

import nova.conf
from nova.scheduler import filters
from nova.scheduler.filters import utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def _aggregate_limit(host_state, key, default):
    values = []
    for value in utils.aggregate_values_from_key(host_state, key):
        try:
            values.append(int(value))
        except ValueError:
            LOG.warning("Could not decode %s=%r from aggregate metadata", key, value)
    return min(values) if values else default


class NumInstancesFilter(filters.BaseHostFilter):
    """Hosts with fewer than max_instances_per_host instances."""

    RUN_ON_REBUILD = False

    def _limit(self, host_state):
        return CONF.filter_scheduler.max_instances_per_host

    def host_passes(self, host_state, spec_obj):
        limit = self._limit(host_state)
        passes = host_state.num_instances < limit
        if not passes:
            LOG.debug("%s has %d instances (limit %d)", host_state,
                      host_state.num_instances, limit)
        return passes


class AggregateNumInstancesFilter(NumInstancesFilter):
    def _limit(self, host_state):
        return _aggregate_limit(host_state, "max_instances_per_host",
                                CONF.filter_scheduler.max_instances_per_host)


class IoOpsFilter(filters.BaseHostFilter):
    """Hosts with fewer than max_io_ops_per_host I/O-heavy operations running."""

    RUN_ON_REBUILD = False

    def _limit(self, host_state):
        return CONF.filter_scheduler.max_io_ops_per_host

    def host_passes(self, host_state, spec_obj):
        limit = self._limit(host_state)
        passes = host_state.num_io_ops < limit
        if not passes:
            LOG.debug("%s runs %d I/O-heavy operations (limit %d)", host_state,
                      host_state.num_io_ops, limit)
        return passes


class AggregateIoOpsFilter(IoOpsFilter):
    def _limit(self, host_state):
        return _aggregate_limit(host_state, "max_io_ops_per_host",
                                CONF.filter_scheduler.max_io_ops_per_host)
