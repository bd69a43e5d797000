"""Base classes of nova's versioned objects.

Objects cross RPC as primitives (``nova_object.*`` keys). In a process with no
database access (nova-compute) ``NovaObject.indirection_api`` is the conductor
RPC API, and every remotable method runs in the conductor instead.
"""

import contextlib
import datetime

from oslo_utils import versionutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import exception as ovo_exc
from oslo_versionedobjects import fields as ovo_fields

from nova import exception
from nova.objects import fields

remotable = ovo_base.remotable
remotable_classmethod = ovo_base.remotable_classmethod
obj_make_list = ovo_base.obj_make_list


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    notification_classes: list = []

    def registration_hook(self, cls, index):
        # Expose the newest version of each class as nova.objects.<Name>.
        from nova import objects
        version = versionutils.convert_version_to_tuple(cls.VERSION)
        current = getattr(objects, cls.obj_name(), None)
        if current is None or version >= versionutils.convert_version_to_tuple(
                current.VERSION):
            setattr(objects, cls.obj_name(), cls)


# The field types whose values are versioned objects (a nested object or an
# object list); a new field type that holds objects must be added here.
_OBJECT_FIELD_TYPES = (ovo_fields.ObjectField, ovo_fields.ListOfObjectsField)
_object_fields_of = {}   # class -> names of its fields that hold objects


def _object_fields(cls):
    names = _object_fields_of.get(cls)
    if names is None:
        names = _object_fields_of[cls] = tuple(
            name for name, field in cls.fields.items()
            if isinstance(field, _OBJECT_FIELD_TYPES))
    return names


class NovaObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = "nova_object"
    OBJ_PROJECT_NAMESPACE = "nova"

    def obj_what_changed(self):
        """The fields changed on this object, and those whose nested object
        (or object list) changed itself.

        The same answer as oslo.versionedobjects' own, which asks every field
        whether it is set and holds an object (an Instance has ~80); only the
        fields whose type can hold an object are looked into here.
        """
        changes = {name for name in self._changed_fields if name in self.fields}
        for name in _object_fields(type(self)):
            if name in changes or not self.obj_attr_is_set(name):
                continue
            value = getattr(self, name)
            if isinstance(value, ovo_base.VersionedObject) and value.obj_what_changed():
                changes.add(name)
        return changes

    def obj_reset_changes(self, fields=None, recursive=False):
        super().obj_reset_changes(fields, recursive=recursive)

    @contextlib.contextmanager
    def obj_alternate_context(self, context):
        original = self._context
        self._context = context
        try:
            yield
        finally:
            self._context = original

    @contextlib.contextmanager
    def obj_as_admin(self):
        """Run the block with an elevated copy of this object's context."""
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_as_admin",
                                                objtype=self.obj_name())
        original = self._context
        self._context = original.elevated()
        try:
            yield
        finally:
            self._context = original

    @staticmethod
    def _from_db_object_fields(obj, db_obj, names):
        for name in names:
            setattr(obj, name, db_obj[name])


class NovaPersistentObject:
    """Mixin: the timestamp and soft-delete columns of a database row."""
    fields = {
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }


class NovaTimestampObject:
    """Mixin: created_at and updated_at only (rows that are hard-deleted)."""
    fields = {
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }


class ObjectListBase(ovo_base.ObjectListBase):
    @classmethod
    def _obj_primitive_key(cls, field):
        return "nova_object.%s" % field



class NovaObjectDictCompat(ovo_base.VersionedObjectDictCompat):
    def __iter__(self):
        for name in self.obj_fields:
            if self.obj_attr_is_set(name) or name in self.obj_extra_fields:
                yield name

    def keys(self):
        return list(self)


class NovaObjectSerializer(ovo_base.VersionedObjectSerializer):
    """Turns objects into primitives and back for oslo.messaging."""
    OBJ_BASE_CLASS = NovaObject

    @property
    def conductor(self):
        if not hasattr(self, "_conductor"):
            from nova.conductor import rpcapi as conductor_rpcapi
            self._conductor = conductor_rpcapi.ConductorAPI()
        return self._conductor

    def _process_object(self, context, objprim):
        try:
            return self.OBJ_BASE_CLASS.obj_from_primitive(objprim, context=context)
        except ovo_exc.IncompatibleObjectVersion:
            # The receiver is older than the sender: a process without database
            # access asks the conductor (newer, or it could not serve the sender)
            # to backport the object to versions this process knows. The
            # conductor itself, and a process that does not go through it, has
            # no one to ask; nor can anyone turn a major version into another.
            objver = objprim["nova_object.version"]
            if self.OBJ_BASE_CLASS.indirection_api is None or \
                    not self._same_major(objprim["nova_object.name"], objver):
                raise
            if objver.count(".") == 2:
                objprim["nova_object.version"] = ".".join(objver.split(".")[:2])
            return self.conductor.object_backport_versions(
                context, objprim, self._obj_version_manifest())

    @staticmethod
    def _same_major(name, version):
        classes = NovaObjectRegistry.obj_classes().get(name) or []
        major = version.split(".")[0]
        return any(cls.VERSION.split(".")[0] == major for cls in classes)

    @staticmethod
    def _obj_version_manifest():
        return {name: classes[0].VERSION
                for name, classes in NovaObjectRegistry.obj_classes().items()}


def obj_to_primitive(obj):
    """Plain Python data from an object, list, dict or value (for views)."""
    if isinstance(obj, ObjectListBase):
        return [obj_to_primitive(x) for x in obj]
    if isinstance(obj, NovaObject):
        result = {}
        for key in obj.obj_fields:
            if obj.obj_attr_is_set(key) or key in obj.obj_extra_fields:
                result[key] = obj_to_primitive(getattr(obj, key))
        return result
    if isinstance(obj, dict):
        return {k: obj_to_primitive(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [obj_to_primitive(x) for x in obj]
    if isinstance(obj, datetime.datetime):
        return obj
    return obj
