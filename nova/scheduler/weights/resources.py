"""Weighers of free capacity and load: RAM, vCPUs, disk and I/O operations.

With positive multipliers the scheduler spreads instances over the hosts
with the most free resources; negative multipliers stack them.
"""

import nova.conf
from nova.scheduler import utils
from nova.scheduler import weights

CONF = nova.conf.CONF


class RAMWeigher(weights.BaseHostWeigher):
    """More free RAM weighs more."""

    minval = 0

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, "ram_weight_multiplier",
            CONF.filter_scheduler.ram_weight_multiplier)

    def _weigh_object(self, host_state, weight_properties):
        return host_state.free_ram_mb


class CPUWeigher(weights.BaseHostWeigher):
    """More free vCPUs (after the allocation ratio) weighs more."""

    minval = 0

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, "cpu_weight_multiplier",
            CONF.filter_scheduler.cpu_weight_multiplier)

    def _weigh_object(self, host_state, weight_properties):
        total = host_state.vcpus_total * (host_state.cpu_allocation_ratio or 1.0)
        return total - host_state.vcpus_used


class DiskWeigher(weights.BaseHostWeigher):
    """More free disk weighs more."""

    minval = 0

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, "disk_weight_multiplier",
            CONF.filter_scheduler.disk_weight_multiplier)

    def _weigh_object(self, host_state, weight_properties):
        return host_state.free_disk_mb


class IoOpsWeigher(weights.BaseHostWeigher):
    """Counts I/O-heavy operations (builds, resizes, snapshots...); the default
    negative multiplier prefers quieter hosts."""

    minval = 0

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, "io_ops_weight_multiplier",
            CONF.filter_scheduler.io_ops_weight_multiplier)

    def _weigh_object(self, host_state, weight_properties):
        return host_state.num_io_ops


class BuildFailureWeigher(weights.BaseHostWeigher):
    """Hosts whose recent builds failed weigh less (the multiplier is negated)."""

    def weight_multiplier(self, host_state):
        return -1 * utils.get_weight_multiplier(
            host_state, "build_failure_weight_multiplier",
            CONF.filter_scheduler.build_failure_weight_multiplier)

    def _weigh_object(self, host_state, weight_properties):
        return host_state.failed_builds
