"""FixedIP: an address of the embedded flat network held by one interface of an instance.

Rows live in the API database so that every process sees the same
allocations; a process without database access (nova-compute) reaches them
through the conductor like any remotable object method.
"""

import ipaddress
import random

from oslo_log import log as logging

from nova.db.api import fixed_ips as db
from nova import exception
from nova.objects import base
from nova.objects import fields

LOG = logging.getLogger(__name__)

# The locally administered OUI OpenStack uses for the MACs it generates.
MAC_PREFIX = (0xFA, 0x16, 0x3E)


def random_mac():
    tail = [random.randint(0x00, 0xFF) for _ in range(3)]
    return ":".join("%02x" % byte for byte in list(MAC_PREFIX) + tail)


def _candidates(range_start, range_end, used):
    """Free addresses of the range in ascending order (a generator)."""
    first = int(ipaddress.ip_address(range_start))
    last = int(ipaddress.ip_address(range_end))
    for value in range(first, last + 1):
        address = str(ipaddress.ip_address(value))
        if address not in used:
            yield address


@base.NovaObjectRegistry.register
class FixedIP(base.NovaTimestampObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "network_id": fields.UUIDField(),
        "address": fields.IPAddressField(),
        "instance_uuid": fields.UUIDField(),
        "vif_id": fields.UUIDField(),
        "mac_address": fields.StringField(),
        "host": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, fixed_ip, row):
        for name in fixed_ip.fields:
            setattr(fixed_ip, name, row[name])
        fixed_ip._context = context
        fixed_ip.obj_reset_changes()
        return fixed_ip

    @base.remotable_classmethod
    def get_by_address(cls, context, network_id, address):
        return cls._from_db_object(
            context, cls(), db.fixed_ip_get_by_address(context, network_id, str(address)))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        updates = self.obj_get_changes()
        updates["address"] = str(updates["address"])
        self._from_db_object(self._context, self, db.fixed_ip_create(self._context, updates))

    @base.remotable_classmethod
    def associate(cls, context, network_id, address, instance_uuid, vif_id, host=None,
                  mac_address=None, mac_retries=5):
        """Give one named address to an instance; FixedIpAlreadyInUse if it is taken."""
        for attempt in range(mac_retries):
            values = {"network_id": network_id, "address": str(address),
                      "instance_uuid": instance_uuid, "vif_id": vif_id, "host": host,
                      "mac_address": mac_address or random_mac()}
            try:
                row = db.fixed_ip_create(context, values)
            except exception.VirtualInterfaceMacAddressException:
                if mac_address or attempt == mac_retries - 1:
                    raise
                continue
            return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def associate_pool(cls, context, network_id, range_start, range_end, instance_uuid,
                       vif_id, host=None, exclude=None, retries=20):
        """Give an instance the lowest free address of the range.

        Another process may take the same address between the read and the
        insert; the unique constraint refuses the second insert and the next
        free address is tried. NoMoreFixedIps when the range is exhausted.
        """
        exclude = {str(a) for a in exclude or ()}
        for _attempt in range(retries):
            used = db.fixed_ip_addresses_by_network(context, network_id) | exclude
            free = _candidates(range_start, range_end, used)
            address = next(free, None)
            if address is None:
                raise exception.NoMoreFixedIps(net=network_id)
            try:
                return cls.associate(context, network_id, address, instance_uuid, vif_id,
                                     host=host)
            except exception.FixedIpAlreadyInUse:
                LOG.debug("Address %s of network %s was taken concurrently; retrying",
                          address, network_id)
                exclude.add(address)
        raise exception.NoMoreFixedIps(net=network_id)

    @base.remotable
    def save(self):
        updates = self.obj_get_changes()
        updates.pop("id", None)
        if "address" in updates:
            updates["address"] = str(updates["address"])
        if updates:
            self._from_db_object(self._context, self,
                                 db.fixed_ip_update(self._context, self.id, updates))

    @base.remotable
    def destroy(self):
        db.fixed_ip_destroy(self._context, self.id)


@base.NovaObjectRegistry.register
class FixedIPList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("FixedIP")}

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        rows = db.fixed_ip_get_by_instance(context, instance_uuid)
        return base.obj_make_list(context, cls(context), FixedIP, rows)

    @base.remotable_classmethod
    def get_by_network(cls, context, network_id):
        rows = db.fixed_ip_get_all_by_network(context, network_id)
        return base.obj_make_list(context, cls(context), FixedIP, rows)

    @base.remotable_classmethod
    def release_by_instance_uuid(cls, context, instance_uuid):
        """Free every address an instance holds; how many were freed."""
        return db.fixed_ip_destroy_by_instance(context, instance_uuid)
