"""InstanceInfoCache: the instance's network information as last learned.

``network_info`` is a list of VIF dicts (the shape Neutron ports are turned
into); it is stored as JSON text in instance_info_caches.network_info.
"""

from oslo_serialization import jsonutils

from nova.db.main import instance_info_caches as db
from nova import exception
from nova.objects import base
from nova.objects import bulk
from nova.objects import fields


def _hydrate(value):
    """Use nova.network.model's NetworkInfo when that module offers one."""
    try:
        from nova.network import model as network_model
    except ImportError:
        return value
    hydrate = getattr(getattr(network_model, "NetworkInfo", None), "hydrate", None)
    return hydrate(value) if hydrate is not None else value


class NetworkInfoJSON(fields.FieldType):
    """A JSON-serializable list of VIFs; crosses RPC as JSON text."""

    def coerce(self, obj, attr, value):
        if isinstance(value, str):
            value = jsonutils.loads(value) if value else []
        if not isinstance(value, list):
            raise ValueError("%s must be a list of VIFs, not %s" % (attr, type(value).__name__))
        return value

    def to_primitive(self, obj, attr, value):
        return jsonutils.dumps(value)

    def from_primitive(self, obj, attr, value):
        return _hydrate(jsonutils.loads(value) if value else [])

    def stringify(self, value):
        return "NetworkInfo(%d VIFs)" % len(value)


class NetworkInfoField(fields.AutoTypedField):
    AUTO_TYPE = NetworkInfoJSON()


@base.NovaObjectRegistry.register
class InstanceInfoCache(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "instance_uuid": fields.UUIDField(),
        "network_info": NetworkInfoField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, cache, db_cache):
        values = {key: db_cache[key] for key in cache.fields}
        raw = values["network_info"]
        values["network_info"] = _hydrate(jsonutils.loads(raw) if raw else [])
        values["deleted"] = bool(values["deleted"])
        cache._context = context
        bulk.fill(cache, values)
        cache.obj_reset_changes()
        return cache

    @classmethod
    def new(cls, context, instance_uuid):
        """An unsaved, empty cache for an instance."""
        cache = cls(context=context)
        cache.instance_uuid = instance_uuid
        cache.network_info = None
        cache._context = context
        cache.obj_reset_changes()
        return cache

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        row = db.instance_info_cache_get(context, instance_uuid)
        if row is None:
            raise exception.InstanceInfoCacheNotFound(instance_uuid=instance_uuid)
        return cls._from_db_object(context, cls(context), row)

    @base.remotable
    def save(self, update_cells=True):
        if "network_info" not in self.obj_what_changed():
            return
        value = jsonutils.dumps(self.network_info if self.network_info is not None else [])
        row = db.instance_info_cache_update(self._context, self.instance_uuid,
                                            {"network_info": value})
        self._from_db_object(self._context, self, row)

    @base.remotable
    def refresh(self):
        current = self.__class__.get_by_instance_uuid(self._context, self.instance_uuid)
        current._context = None
        for field in self.fields:
            if current.obj_attr_is_set(field) and getattr(self, field, None) != \
                    getattr(current, field):
                setattr(self, field, getattr(current, field))
        self.obj_reset_changes()

    @base.remotable_classmethod
    def delete(cls, context, instance_uuid):
        db.instance_info_cache_delete(context, instance_uuid)
