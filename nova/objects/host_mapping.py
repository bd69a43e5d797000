"""HostMapping: which cell a compute host belongs to (API database)."""

from nova.db.api import host_mappings as db
from nova import exception
from nova.objects import base
from nova.objects import cell_mapping as cell_mapping_obj
from nova.objects import fields


def _cell_id(context, mapping):
    """The cell_mappings.id of the object's cell (loaded when not known)."""
    cell = mapping.cell_mapping
    if "id" in cell:
        return cell.id
    return cell_mapping_obj.CellMapping.get_by_uuid(context, cell.uuid).id


@base.NovaObjectRegistry.register
class HostMapping(base.NovaTimestampObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "host": fields.StringField(),
        "cell_mapping": fields.ObjectField("CellMapping"),
    }

    @staticmethod
    def _from_db_object(context, host_mapping, db_row):
        host_mapping.id = db_row["id"]
        host_mapping.host = db_row["host"]
        host_mapping.created_at = db_row["created_at"]
        host_mapping.updated_at = db_row["updated_at"]
        host_mapping.cell_mapping = cell_mapping_obj.CellMapping._from_db_object(
            context, cell_mapping_obj.CellMapping(), db_row["cell_mapping"])
        host_mapping.obj_reset_changes()
        host_mapping._context = context
        return host_mapping

    @base.remotable_classmethod
    def get_by_host(cls, context, host):
        return cls._from_db_object(context, cls(), db.host_mapping_get_by_host(context, host))

    @base.remotable
    def create(self):
        if "id" in self:
            raise exception.ObjectActionError(action="create", reason="already created")
        values = {"host": self.host, "cell_id": _cell_id(self._context, self)}
        self._from_db_object(self._context, self, db.host_mapping_create(self._context, values))

    @base.remotable
    def save(self):
        changes = self.obj_get_changes()
        values = {}
        if "host" in changes:
            values["host"] = changes["host"]
        if "cell_mapping" in changes:
            values["cell_id"] = _cell_id(self._context, self)
        if not values:
            return
        self._from_db_object(self._context, self,
                             db.host_mapping_update(self._context, self.id, values))

    @base.remotable
    def destroy(self):
        db.host_mapping_destroy(self._context, self.host)


@base.NovaObjectRegistry.register
class HostMappingList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("HostMapping")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), HostMapping, rows)

    @base.remotable_classmethod
    def get_all(cls, context):
        return cls._make(context, db.host_mapping_get_all(context))

    @base.remotable_classmethod
    def get_by_cell_id(cls, context, cell_id):
        return cls._make(context, db.host_mapping_get_by_cell_id(context, cell_id))
