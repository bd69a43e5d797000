"""Migration: the record of a resize, cold or live migration, or evacuation."""

from oslo_utils import uuidutils

from nova.db.main import migration_records as db
from nova import exception
from nova.objects import base
from nova.objects import fields


def determine_migration_type(migration):
    """What an old record without migration_type was: resize or migration."""
    if migration["old_instance_type_id"] != migration["new_instance_type_id"]:
        return fields.MigrationType.RESIZE
    return fields.MigrationType.MIGRATION


@base.NovaObjectRegistry.register
class Migration(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "source_compute": fields.StringField(nullable=True),
        "dest_compute": fields.StringField(nullable=True),
        "source_node": fields.StringField(nullable=True),
        "dest_node": fields.StringField(nullable=True),
        "dest_compute_id": fields.IntegerField(nullable=True),
        "dest_host": fields.StringField(nullable=True),
        "old_instance_type_id": fields.IntegerField(nullable=True),
        "new_instance_type_id": fields.IntegerField(nullable=True),
        "instance_uuid": fields.StringField(nullable=True),
        "status": fields.StringField(nullable=True),
        "migration_type": fields.MigrationTypeField(nullable=False),
        "hidden": fields.BooleanField(nullable=False, default=False),
        "memory_total": fields.IntegerField(nullable=True),
        "memory_processed": fields.IntegerField(nullable=True),
        "memory_remaining": fields.IntegerField(nullable=True),
        "disk_total": fields.IntegerField(nullable=True),
        "disk_processed": fields.IntegerField(nullable=True),
        "disk_remaining": fields.IntegerField(nullable=True),
        "cross_cell_move": fields.BooleanField(default=False),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, migration, db_migration):
        for key in migration.fields:
            value = db_migration[key]
            if key == "migration_type" and value is None:
                value = determine_migration_type(db_migration)
            elif key == "uuid" and value is None:
                continue
            elif key == "deleted":
                value = bool(value)
            setattr(migration, key, value)
        migration._context = context
        migration.obj_reset_changes()
        return migration

    def obj_load_attr(self, attrname):
        if attrname == "migration_type":
            self.migration_type = determine_migration_type(self)
        elif attrname == "hidden":
            self.hidden = False
        elif attrname == "cross_cell_move":
            self.cross_cell_move = False
        else:
            raise exception.ObjectActionError(
                action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)
        self.obj_reset_changes([attrname])

    @base.remotable_classmethod
    def get_by_id(cls, context, migration_id):
        return cls._from_db_object(context, cls(), db.migration_get(context, migration_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, migration_uuid):
        return cls._from_db_object(context, cls(),
                                   db.migration_get_by_uuid(context, migration_uuid))

    @base.remotable_classmethod
    def get_by_id_and_instance(cls, context, migration_id, instance_uuid):
        return cls._from_db_object(context, cls(), db.migration_get_by_id_and_instance(
            context, migration_id, instance_uuid))

    @base.remotable_classmethod
    def get_by_instance_and_status(cls, context, instance_uuid, status):
        """The newest migration of the instance in ``status``."""
        return cls._from_db_object(context, cls(), db.migration_get_by_instance_and_status(
            context, instance_uuid, status))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if "uuid" not in self:
            self.uuid = uuidutils.generate_uuid()
        self.obj_set_defaults("hidden", "cross_cell_move")
        if "migration_type" not in self:
            self.migration_type = determine_migration_type(self)
        updates = self.obj_get_changes()
        updates.pop("id", None)
        self._from_db_object(self._context, self, db.migration_create(self._context, updates))

    @base.remotable
    def save(self):
        updates = self.obj_get_changes()
        updates.pop("id", None)
        if not updates:
            return
        self._from_db_object(self._context, self,
                             db.migration_update(self._context, self.id, updates))

    @base.remotable
    def destroy(self):
        db.migration_destroy(self._context, self.id)

    @property
    def instance(self):
        if not hasattr(self, "_cached_instance"):
            from nova.objects import instance as instance_obj
            self._cached_instance = instance_obj.Instance.get_by_uuid(
                self._context, self.instance_uuid)
        return self._cached_instance

    @instance.setter
    def instance(self, instance):
        self._cached_instance = instance

    @property
    def is_live_migration(self):
        return self.migration_type == fields.MigrationType.LIVE_MIGRATION

    @property
    def is_resize(self):
        return self.migration_type == fields.MigrationType.RESIZE

    @property
    def is_same_host(self):
        return self.source_compute == self.dest_compute


@base.NovaObjectRegistry.register
class MigrationList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Migration")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), Migration, rows)

    @base.remotable_classmethod
    def get_unconfirmed_by_dest_compute(cls, context, confirm_window, dest_compute):
        return cls._make(context, db.migration_get_unconfirmed_by_dest_compute(
            context, confirm_window, dest_compute))

    @base.remotable_classmethod
    def get_in_progress_by_host_and_node(cls, context, host, node):
        """Migrations into or out of the node that still hold its resources."""
        return cls._make(context, db.migration_get_in_progress_by_host_and_node(
            context, host, node))

    @base.remotable_classmethod
    def get_in_progress_by_instance(cls, context, instance_uuid, migration_type=None):
        return cls._make(context, db.migration_get_in_progress_by_instance(
            context, instance_uuid, migration_type))

    @base.remotable_classmethod
    def get_by_filters(cls, context, filters, sort_keys=None, sort_dirs=None, limit=None,
                       marker=None):
        return cls._make(context, db.migration_get_all_by_filters(
            context, filters, sort_keys=sort_keys, sort_dirs=sort_dirs, limit=limit,
            marker=marker))
