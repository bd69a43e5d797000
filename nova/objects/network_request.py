"""NetworkRequest(List): the networks a boot request asks for (``networks`` in POST /servers).

One entry per requested interface: a network uuid (optionally with a fixed
IP), or an existing port. Microversion 2.37 adds the whole-request values
``auto`` and ``none``: a list holding one entry whose network_id is
NETWORK_ID_AUTO or NETWORK_ID_NONE.
"""

from nova.objects import base
from nova.objects import fields

NETWORK_ID_AUTO = "auto"
NETWORK_ID_NONE = "none"


@base.NovaObjectRegistry.register
class NetworkRequest(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "network_id": fields.StringField(nullable=True),
        "address": fields.IPAddressField(nullable=True),
        "port_id": fields.UUIDField(nullable=True),
        "tag": fields.StringField(nullable=True),
    }

    def obj_load_attr(self, attr):
        setattr(self, attr, None)

    @property
    def auto_allocate(self):
        return self.network_id == NETWORK_ID_AUTO

    @property
    def no_allocate(self):
        return self.network_id == NETWORK_ID_NONE

    def to_tuple(self):
        address = str(self.address) if self.address is not None else None
        return self.network_id, address, self.port_id

    @classmethod
    def from_tuple(cls, net_tuple):
        network_id, address, port_id = net_tuple[:3]
        return cls(network_id=network_id, address=address, port_id=port_id, tag=None)


@base.NovaObjectRegistry.register
class NetworkRequestList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("NetworkRequest")}

    @classmethod
    def from_tuples(cls, net_tuples):
        return cls(objects=[NetworkRequest.from_tuple(t) for t in net_tuples])

    def as_tuples(self):
        return [req.to_tuple() for req in self.objects]

    @property
    def is_single_unspecified(self):
        """One entry that names neither a network nor a port: pick for me."""
        return len(self.objects) == 1 and not self.objects[0].network_id \
            and not self.objects[0].port_id

    @property
    def auto_allocate(self):
        return len(self.objects) == 1 and self.objects[0].auto_allocate

    @property
    def no_allocate(self):
        return len(self.objects) == 1 and self.objects[0].no_allocate
