"""KeyPair: a user's public key (SSH or X.509), injected into the servers they boot."""

from nova.db.api import keypairs as db
from nova import exception
from nova.objects import base
from nova.objects import bulk
from nova.objects import fields

KEYPAIR_TYPE_SSH = fields.KeyPairType.SSH
KEYPAIR_TYPE_X509 = fields.KeyPairType.X509


@base.NovaObjectRegistry.register
class KeyPair(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(nullable=False),
        "user_id": fields.StringField(nullable=True),
        "fingerprint": fields.StringField(nullable=True),
        "public_key": fields.StringField(nullable=True),
        "type": fields.KeyPairTypeField(nullable=False, default=KEYPAIR_TYPE_SSH),
    }

    @staticmethod
    def _from_db_object(context, keypair, db_keypair):
        for name in keypair.fields:
            if name in ("deleted", "deleted_at"):
                # Removed rows are gone from the API database, never soft-deleted.
                setattr(keypair, name, False if name == "deleted" else None)
            else:
                setattr(keypair, name, db_keypair[name])
        keypair._context = context
        keypair.obj_reset_changes()
        return keypair

    @base.remotable_classmethod
    def get_by_name(cls, context, user_id, name):
        return cls._from_db_object(context, cls(), db.key_pair_get(context, user_id, name))

    @base.remotable_classmethod
    def destroy_by_name(cls, context, user_id, name):
        db.key_pair_destroy(context, user_id, name)

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self.obj_set_defaults("type")
        updates = self.obj_get_changes()
        for name in ("deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        self._from_db_object(self._context, self, db.key_pair_create(self._context, updates))

    @base.remotable
    def destroy(self):
        db.key_pair_destroy(self._context, self.user_id, self.name)


# The fields read from each key pair row (it has no soft-delete columns).
_ROW_FIELDS = tuple(name for name in KeyPair.fields if name not in ("deleted", "deleted_at"))


@base.NovaObjectRegistry.register
class KeyPairList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("KeyPair")}

    @base.remotable_classmethod
    def get_by_user(cls, context, user_id, limit=None, marker=None):
        rows = db.key_pair_get_all_by_user(context, user_id, limit=limit, marker=marker)
        return bulk.make_list(cls, context, bulk.build(
            KeyPair, context, rows, _ROW_FIELDS,
            constants={"deleted": False, "deleted_at": None}))

    @base.remotable_classmethod
    def get_count_by_user(cls, context, user_id):
        return db.key_pair_count_by_user(context, user_id)
