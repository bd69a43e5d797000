"""Aggregate: a named group of compute hosts with key/value metadata.

An aggregate whose metadata has ``availability_zone`` exposes its hosts as
that availability zone.
"""

from oslo_utils import uuidutils

from nova.db.api import aggregates as db
from nova import exception
from nova.objects import base
from nova.objects import fields

AZ_KEY = "availability_zone"


@base.NovaObjectRegistry.register
class Aggregate(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(nullable=False),
        "name": fields.StringField(),
        "hosts": fields.ListOfStringsField(nullable=True),
        "metadata": fields.DictOfStringsField(nullable=True),
    }

    obj_extra_fields = ["availability_zone"]

    @property
    def availability_zone(self):
        if not self.obj_attr_is_set("metadata") or not self.metadata:
            return None
        return self.metadata.get(AZ_KEY)

    @staticmethod
    def _from_db_object(context, aggregate, db_aggregate):
        for name in aggregate.fields:
            if name in ("deleted", "deleted_at"):
                setattr(aggregate, name, False if name == "deleted" else None)
            else:
                setattr(aggregate, name, db_aggregate[name])
        aggregate._context = context
        aggregate.obj_reset_changes()
        return aggregate

    def _assert_no_hosts(self, action):
        if "hosts" in self.obj_what_changed():
            raise exception.ObjectActionError(action=action, reason="hosts updated inline")

    @base.remotable_classmethod
    def get_by_id(cls, context, aggregate_id):
        return cls._from_db_object(context, cls(), db.aggregate_get(context, aggregate_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, aggregate_uuid):
        return cls._from_db_object(context, cls(),
                                   db.aggregate_get_by_uuid(context, aggregate_uuid))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self._assert_no_hosts("create")
        updates = self.obj_get_changes()
        if "uuid" not in updates:
            updates["uuid"] = self.uuid = uuidutils.generate_uuid()
        metadata = updates.pop("metadata", None)
        for name in ("deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        self._from_db_object(self._context, self,
                             db.aggregate_create(self._context, updates, metadata=metadata))

    @base.remotable
    def save(self):
        """Store a new name and/or a complete replacement of the metadata."""
        self._assert_no_hosts("save")
        updates = self.obj_get_changes()
        for name in ("id", "uuid", "deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        if not updates:
            return
        self._from_db_object(self._context, self,
                             db.aggregate_update(self._context, self.id, updates))

    @base.remotable
    def update_metadata(self, updates):
        """Set each key to its value; a value of None removes the key."""
        metadata = dict(self.metadata or {})
        to_add = {}
        for key, value in updates.items():
            if value is None:
                try:
                    db.aggregate_metadata_delete(self._context, self.id, key)
                except exception.AggregateMetadataNotFound:
                    pass
                metadata.pop(key, None)
            else:
                to_add[key] = value
                metadata[key] = value
        if to_add:
            db.aggregate_metadata_add(self._context, self.id, to_add)
        self.metadata = metadata
        self.obj_reset_changes(fields=["metadata"])

    @base.remotable
    def destroy(self):
        db.aggregate_destroy(self._context, self.id)

    @base.remotable
    def add_host(self, host):
        db.aggregate_host_add(self._context, self.id, host)
        hosts = list(self.hosts or [])
        hosts.append(host)
        self.hosts = hosts
        self.obj_reset_changes(fields=["hosts"])

    @base.remotable
    def delete_host(self, host):
        db.aggregate_host_delete(self._context, self.id, host)
        hosts = list(self.hosts or [])
        if host in hosts:
            hosts.remove(host)
        self.hosts = hosts
        self.obj_reset_changes(fields=["hosts"])


@base.NovaObjectRegistry.register
class AggregateList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Aggregate")}

    @classmethod
    def _make(cls, context, rows, hosts=None):
        if hosts is not None:
            wanted = set(hosts)
            rows = [r for r in rows if wanted & set(r["hosts"])]
        return base.obj_make_list(context, cls(context), Aggregate, rows)

    @base.remotable_classmethod
    def get_all(cls, context):
        return cls._make(context, db.aggregate_get_all(context))

    @base.remotable_classmethod
    def get_by_host(cls, context, host, key=None):
        return cls._make(context, db.aggregate_get_by_host(context, host, key=key))

    @base.remotable_classmethod
    def get_by_metadata_key(cls, context, key, hosts=None):
        """Aggregates having ``key``; with ``hosts``, only those holding one of them."""
        return cls._make(context, db.aggregate_get_by_metadata(context, key=key), hosts=hosts)

    @base.remotable_classmethod
    def get_by_metadata(cls, context, key=None, value=None):
        return cls._make(context, db.aggregate_get_by_metadata(context, key=key, value=value))

    @base.remotable_classmethod
    def get_non_matching_by_metadata_keys(cls, context, keys, key_prefix, value):
        return cls._make(context, db.aggregate_get_by_metadata_keys_not_matching(
            context, keys, key_prefix, value))
