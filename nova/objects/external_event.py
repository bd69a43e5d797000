"""InstanceExternalEvent: news about an instance from another service (Neutron, Cinder...).

Posted to /os-server-external-events and cast to the instance's compute
host, where it either wakes a waiter (network-vif-plugged during a spawn) or
makes the compute refresh what it knows (network-changed).
"""

from nova.objects import base
from nova.objects import fields

EVENT_NAMES = (
    # Version 1.0
    "network-changed",
    "network-vif-plugged",
    "network-vif-unplugged",
    "network-vif-deleted",
    "volume-extended",
    "power-update",
    "accelerator-request-bound",
    "volume-reimaged",
)

EVENT_STATUSES = ("failed", "completed", "in-progress")


class EventName(fields.Enum):
    def __init__(self, **kwargs):
        super().__init__(valid_values=EVENT_NAMES, **kwargs)


class EventStatus(fields.Enum):
    def __init__(self, **kwargs):
        super().__init__(valid_values=EVENT_STATUSES, **kwargs)


class EventNameField(fields.BaseEnumField):
    AUTO_TYPE = EventName()


class EventStatusField(fields.BaseEnumField):
    AUTO_TYPE = EventStatus()


@base.NovaObjectRegistry.register
class InstanceExternalEvent(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "instance_uuid": fields.UUIDField(),
        "name": EventNameField(),
        "status": EventStatusField(),
        "tag": fields.StringField(nullable=True),
        "data": fields.DictOfStringsField(),
    }

    @staticmethod
    def make_key(name, tag=None):
        """The key a waiter is known by: the name, or ``name-tag``."""
        return name if tag is None else "%s-%s" % (name, tag)

    @property
    def key(self):
        return self.make_key(self.name, self.tag if self.obj_attr_is_set("tag") else None)
