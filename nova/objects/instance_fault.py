"""InstanceFault: why an instance went wrong, as shown in a server's ``fault``."""

from nova.db.main import instance_faults as db
from nova import exception
from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class InstanceFault(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        # HTTP-like code: 500 for unexpected errors, 4xx for user errors.
        "code": fields.IntegerField(),
        "message": fields.StringField(nullable=True),
        # The traceback; the API shows it to admins only.
        "details": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, fault, db_fault):
        for key in fault.fields:
            value = db_fault[key]
            if key == "deleted":
                value = bool(value)
            setattr(fault, key, value)
        fault._context = context
        fault.obj_reset_changes()
        return fault

    @base.remotable_classmethod
    def get_latest_for_instance(cls, context, instance_uuid):
        """The newest fault of the instance, or None."""
        rows = db.instance_fault_get_by_instance_uuids(context, [instance_uuid], latest=True)
        return cls._from_db_object(context, cls(), rows[0]) if rows else None

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        values = {name: getattr(self, name) for name in
                  ("instance_uuid", "code", "message", "details", "host")
                  if self.obj_attr_is_set(name)}
        # The column is 255 characters; the details carry the rest.
        if values.get("message"):
            values["message"] = values["message"][:255]
        self._from_db_object(self._context, self, db.instance_fault_create(self._context,
                                                                            values))


@base.NovaObjectRegistry.register
class InstanceFaultList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceFault")}

    @base.remotable_classmethod
    def get_by_instance_uuids(cls, context, instance_uuids, latest=True):
        """Faults of the instances, newest first: only the newest of each
        instance unless ``latest`` is False."""
        rows = db.instance_fault_get_by_instance_uuids(context, instance_uuids, latest=latest)
        return base.obj_make_list(context, cls(context), InstanceFault, rows)

    @classmethod
    def get_latest_by_instance_uuids(cls, context, instance_uuids):
        return cls.get_by_instance_uuids(context, instance_uuids, latest=True)
