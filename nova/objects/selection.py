"""Selection: one host the scheduler picked (or offers as an alternate) for an instance.

The conductor builds on the first Selection of each list and, when that
build fails, retries on the next ones without asking the scheduler again; an
alternate carries the Placement allocation request the conductor claims then.
"""

from oslo_serialization import jsonutils

import nova.conf
from nova.objects import base
from nova.objects import fields
from nova.objects import request_spec  # noqa: F401 (registers SchedulerLimits)

CONF = nova.conf.CONF


@base.NovaObjectRegistry.register
class Selection(base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "compute_node_uuid": fields.UUIDField(),
        "service_host": fields.StringField(),
        "nodename": fields.StringField(),
        "cell_uuid": fields.UUIDField(),
        "limits": fields.ObjectField("SchedulerLimits", nullable=True),
        # The allocation request (JSON text) to claim in Placement on this host.
        "allocation_request": fields.StringField(nullable=True),
        "allocation_request_version": fields.StringField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
    }

    @classmethod
    def from_host_state(cls, host_state, allocation_request=None,
                        allocation_request_version=None):
        """A Selection for a HostState; ``allocation_request`` is a dict or None."""
        from nova.objects.request_spec import SchedulerLimits
        limits = SchedulerLimits.from_dict(getattr(host_state, "limits", None) or {})
        return cls(compute_node_uuid=host_state.uuid,
                   service_host=host_state.host,
                   nodename=host_state.nodename,
                   cell_uuid=host_state.cell_uuid,
                   limits=limits,
                   allocation_request=(jsonutils.dumps(allocation_request)
                                       if allocation_request is not None else None),
                   allocation_request_version=allocation_request_version,
                   availability_zone=host_state.availability_zone)

    def to_dict(self):
        """The legacy host dict: {'host', 'nodename', 'limits'}."""
        limits = self.limits.to_dict() if self.obj_attr_is_set("limits") and self.limits \
            else {}
        return {"host": self.service_host, "nodename": self.nodename, "limits": limits}

    def get_allocation_request(self):
        """The allocation request as a dict (None when there is none)."""
        if not self.obj_attr_is_set("allocation_request") or not self.allocation_request:
            return None
        return jsonutils.loads(self.allocation_request)
