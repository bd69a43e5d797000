"""ComputeNode: the resources of one hypervisor node, as its compute reports them."""

from oslo_serialization import jsonutils
from oslo_utils import uuidutils

from nova.db.main import compute_nodes as db
from nova import exception
from nova.objects import base
from nova.objects import fields

# Columns kept as JSON text in the database.
_JSON_FIELDS = ("stats", "supported_hv_specs")


@base.NovaObjectRegistry.register
class ComputeNode(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "uuid": fields.UUIDField(read_only=True),
        "service_id": fields.IntegerField(nullable=True),
        "host": fields.StringField(nullable=True),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "local_gb": fields.IntegerField(),
        "vcpus_used": fields.IntegerField(),
        "memory_mb_used": fields.IntegerField(),
        "local_gb_used": fields.IntegerField(),
        "hypervisor_type": fields.StringField(),
        "hypervisor_version": fields.IntegerField(),
        "hypervisor_hostname": fields.StringField(nullable=True),
        "free_ram_mb": fields.IntegerField(nullable=True),
        "free_disk_gb": fields.IntegerField(nullable=True),
        "current_workload": fields.IntegerField(nullable=True),
        "running_vms": fields.IntegerField(nullable=True),
        "cpu_info": fields.StringField(nullable=True),
        "disk_available_least": fields.IntegerField(nullable=True),
        "metrics": fields.StringField(nullable=True),
        "stats": fields.DictOfNullableStringsField(nullable=True),
        "host_ip": fields.IPAddressField(nullable=True),
        # [architecture, hypervisor type, vm mode] triples the node runs.
        "supported_hv_specs": fields.ListOfListsOfStringsField(),
        "numa_topology": fields.StringField(nullable=True),
        "cpu_allocation_ratio": fields.FloatField(),
        "ram_allocation_ratio": fields.FloatField(),
        "disk_allocation_ratio": fields.FloatField(),
        "mapped": fields.IntegerField(),
    }

    @staticmethod
    def _from_db_object(context, compute, db_compute):
        for key in compute.fields:
            if key == "supported_hv_specs":
                raw = db_compute["supported_instances"]
                compute.supported_hv_specs = jsonutils.loads(raw) if raw else []
                continue
            value = db_compute[key]
            if key == "stats":
                value = jsonutils.loads(value) if value else {}
            elif key == "mapped":
                value = value or 0
            elif key.endswith("_allocation_ratio"):
                value = value if value is not None else 0.0
            setattr(compute, key, value)
        compute._context = context
        compute.obj_reset_changes()
        return compute

    @staticmethod
    def _to_db_updates(updates):
        updates = dict(updates)
        if "stats" in updates:
            updates["stats"] = jsonutils.dumps(updates["stats"] or {})
        if "supported_hv_specs" in updates:
            updates["supported_instances"] = jsonutils.dumps(updates.pop("supported_hv_specs"))
        if updates.get("host_ip") is not None:
            updates["host_ip"] = str(updates["host_ip"])
        return updates

    @base.remotable_classmethod
    def get_by_id(cls, context, compute_id):
        return cls._from_db_object(context, cls(), db.compute_node_get(context, compute_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, compute_uuid):
        return cls._from_db_object(context, cls(),
                                   db.compute_node_get_by_uuid(context, compute_uuid))

    @base.remotable_classmethod
    def get_by_host_and_nodename(cls, context, host, nodename):
        return cls._from_db_object(context, cls(), db.compute_node_get_by_host_and_nodename(
            context, host, nodename))

    @base.remotable_classmethod
    def get_first_node_by_host_for_old_compat(cls, context, host):
        return cls._from_db_object(context, cls(),
                                   db.compute_nodes_get_by_host(context, host)[0])

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        updates = self.obj_get_changes()
        if "uuid" not in updates:
            updates["uuid"] = uuidutils.generate_uuid()
        row = db.compute_node_create(self._context, self._to_db_updates(updates))
        self._from_db_object(self._context, self, row)

    @base.remotable
    def save(self):
        updates = self.obj_get_changes()
        updates.pop("id", None)
        updates.pop("uuid", None)
        if not updates:
            return
        row = db.compute_node_update(self._context, self.id, self._to_db_updates(updates))
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        db.compute_node_delete(self._context, self.id)


@base.NovaObjectRegistry.register
class ComputeNodeList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("ComputeNode")}

    @staticmethod
    def get_statistics(context):
        """Sums of the resources of the compute nodes of ``context``'s cell
        (``count``, ``vcpus``, ``memory_mb``, ... as os-hypervisors/statistics
        shows them). Read in the API process: not remotable."""
        return db.compute_node_statistics(context)

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), ComputeNode, rows)

    @base.remotable_classmethod
    def get_all(cls, context):
        return cls._make(context, db.compute_node_get_all(context))

    @base.remotable_classmethod
    def get_all_by_pagination(cls, context, limit=None, marker=None):
        return cls._make(context, db.compute_node_get_all_by_pagination(
            context, limit=limit, marker=marker))

    @base.remotable_classmethod
    def get_all_by_host(cls, context, host, use_slave=False):
        return cls._make(context, db.compute_nodes_get_by_host(context, host))

    @base.remotable_classmethod
    def get_all_by_not_mapped(cls, context, mapped_less_than):
        return cls._make(context, db.compute_node_get_all_mapped_less_than(
            context, mapped_less_than))

    @base.remotable_classmethod
    def get_by_hypervisor(cls, context, hypervisor_match):
        return cls._make(context, db.compute_node_search_by_hypervisor(
            context, hypervisor_match))
