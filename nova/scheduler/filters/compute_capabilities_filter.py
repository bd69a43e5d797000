"""ComputeCapabilitiesFilter: flavor extra specs against what the host reports.

Keys scoped ``capabilities:`` (or unscoped keys, without any ':', that name
something the host has) name a host attribute, optionally a path into it (``capabilities:cpu_info:arch`` reads
the host's cpu_info JSON); the value is an extra_specs_ops requirement.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova.scheduler import filters
from nova.scheduler.filters import extra_specs_ops

LOG = logging.getLogger(__name__)

SCOPE = "capabilities"


class ComputeCapabilitiesFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = False

    @staticmethod
    def _host_value(host_state, path):
        name, rest = path[0], path[1:]
        if name in ("stats",) or not hasattr(host_state, name):
            value = (host_state.stats or {}).get(name)
        else:
            value = getattr(host_state, name)
        for part in rest:
            if isinstance(value, str):
                try:
                    value = jsonutils.loads(value)
                except ValueError:
                    return None
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    def _satisfies(self, host_state, extra_specs):
        for key, req in (extra_specs or {}).items():
            scope = key.split(":")
            if len(scope) == 1:
                # Unscoped: only about attributes the host actually has.
                if not (hasattr(host_state, key) or key in (host_state.stats or {})):
                    continue
            else:
                if scope[0] != SCOPE:
                    continue
                scope = scope[1:]
            value = self._host_value(host_state, scope)
            if value is None:
                return False
            if not extra_specs_ops.match(value if isinstance(value, (list, tuple))
                                         else str(value), req):
                return False
        return True

    def host_passes(self, host_state, spec_obj):
        extra_specs = spec_obj.flavor.extra_specs if "extra_specs" in spec_obj.flavor \
            else {}
        if not self._satisfies(host_state, extra_specs):
            LOG.debug("%s fails the flavor's capability requirements", host_state)
            return False
        return True
