"""InstanceMapping: which cell an instance lives in (API database).

``cell_mapping`` is None while the instance is still a build request that
the scheduler has not placed yet.
"""

from nova.db.api import instance_mappings as db
from nova import exception
from nova.objects import base
from nova.objects import cell_mapping as cell_mapping_obj
from nova.objects import fields


@base.NovaObjectRegistry.register
class InstanceMapping(base.NovaTimestampObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "instance_uuid": fields.UUIDField(),
        "cell_mapping": fields.ObjectField("CellMapping", nullable=True),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(nullable=True),
        "queued_for_delete": fields.BooleanField(default=False),
    }

    def obj_load_attr(self, attrname):
        if attrname == "user_id":
            self.user_id = None
            return
        if attrname == "queued_for_delete":
            self.queued_for_delete = False
            return
        raise exception.ObjectActionError(action="obj_load_attr",
                                          reason="attribute %s not lazy-loadable" % attrname)

    @staticmethod
    def _from_db_object(context, mapping, db_row):
        for key in ("id", "instance_uuid", "project_id", "user_id", "created_at",
                    "updated_at"):
            setattr(mapping, key, db_row[key])
        mapping.queued_for_delete = bool(db_row["queued_for_delete"])
        cell = db_row["cell_mapping"]
        mapping.cell_mapping = (None if cell is None else
                                cell_mapping_obj.CellMapping._from_db_object(
                                    context, cell_mapping_obj.CellMapping(), cell))
        mapping.obj_reset_changes()
        mapping._context = context
        return mapping

    def _values(self, changes):
        values = {k: v for k, v in changes.items()
                  if k in ("instance_uuid", "project_id", "user_id", "queued_for_delete")}
        if "cell_mapping" in changes:
            cell = changes["cell_mapping"]
            if cell is None:
                values["cell_id"] = None
            elif "id" in cell:
                values["cell_id"] = cell.id
            else:
                values["cell_id"] = cell_mapping_obj.CellMapping.get_by_uuid(
                    self._context, cell.uuid).id
        return values

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._from_db_object(context, cls(),
                                   db.instance_mapping_get_by_instance_uuid(context,
                                                                            instance_uuid))

    @base.remotable
    def create(self):
        if "id" in self:
            raise exception.ObjectActionError(action="create", reason="already created")
        values = self._values(self.obj_get_changes())
        values.setdefault("queued_for_delete", False)
        self._from_db_object(self._context, self,
                             db.instance_mapping_create(self._context, values))

    @base.remotable
    def save(self):
        values = self._values(self.obj_get_changes())
        values.pop("instance_uuid", None)
        if not values:
            return
        self._from_db_object(self._context, self, db.instance_mapping_update(
            self._context, self.instance_uuid, values))

    @base.remotable
    def destroy(self):
        db.instance_mapping_destroy(self._context, self.instance_uuid)


@base.NovaObjectRegistry.register
class InstanceMappingList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceMapping")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), InstanceMapping, rows)

    @base.remotable_classmethod
    def get_by_project_id(cls, context, project_id):
        return cls._make(context, db.instance_mapping_get_by_project_id(context, project_id))

    @base.remotable_classmethod
    def get_by_cell_id(cls, context, cell_id):
        return cls._make(context, db.instance_mapping_get_by_cell_id(context, cell_id))

    @base.remotable_classmethod
    def get_by_instance_uuids(cls, context, uuids):
        return cls._make(context, db.instance_mapping_get_by_instance_uuids(context, uuids))

    @base.remotable_classmethod
    def get_not_deleted_by_cell_and_project(cls, context, cell_uuid, project_id,
                                            limit=None):
        return cls._make(context, db.instance_mapping_get_not_deleted_by_cell_and_project(
            context, cell_uuid, project_id, limit=limit))

    @classmethod
    def set_cell_by_instance_uuids(cls, context, uuids, cell_mapping):
        """Point the mappings of ``uuids`` at ``cell_mapping``; how many there were.
        Not remotable: for callers next to the database (the conductor)."""
        return db.instance_mapping_set_cell(context, uuids, cell_mapping.id)

    @base.remotable_classmethod
    def destroy_bulk_by_instance_uuids(cls, context, uuids):
        return db.instance_mapping_destroy_bulk(context, uuids)

    @base.remotable_classmethod
    def destroy_by_cell_id(cls, context, cell_id):
        return db.instance_mapping_destroy_by_cell_id(context, cell_id)

    @classmethod
    def get_counts(cls, context, project_id, user_id=None):
        """{'project': {'instances': N}[, 'user': {'instances': M}]}, live ones only."""
        return db.instance_mapping_count_by_project(context, project_id, user_id=user_id)

    @classmethod
    def get_count_by_uuids_and_user(cls, context, uuids, user_id):
        return db.instance_mapping_count_by_uuids_and_user(context, uuids, user_id)
