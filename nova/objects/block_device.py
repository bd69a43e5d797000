"""BlockDeviceMapping: one disk, volume, swap or ephemeral device of an instance."""

from nova.db.main import block_device_mappings as db
from nova import exception
from nova.objects import base
from nova.objects import fields

# Optional attributes loaded with expected_attrs or on first access.
BLOCK_DEVICE_OPTIONAL_ATTRS = ["instance"]


@base.NovaObjectRegistry.register
class BlockDeviceMapping(base.NovaPersistentObject, base.NovaObject,
                         base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "instance_uuid": fields.UUIDField(),
        "instance": fields.ObjectField("Instance", nullable=True),
        "source_type": fields.BlockDeviceSourceTypeField(nullable=True),
        "destination_type": fields.BlockDeviceDestinationTypeField(nullable=True),
        "guest_format": fields.StringField(nullable=True),
        "device_type": fields.BlockDeviceTypeField(nullable=True),
        "disk_bus": fields.StringField(nullable=True),
        # 0 is the root disk; None or negative means "not bootable".
        "boot_index": fields.IntegerField(nullable=True),
        "device_name": fields.StringField(nullable=True),
        "delete_on_termination": fields.BooleanField(default=False),
        "snapshot_id": fields.StringField(nullable=True),
        "volume_id": fields.StringField(nullable=True),
        "volume_size": fields.IntegerField(nullable=True),
        "volume_type": fields.StringField(nullable=True),
        "image_id": fields.StringField(nullable=True),
        "no_device": fields.BooleanField(default=False),
        # JSON from the volume service's attach; holds credentials.
        "connection_info": fields.SensitiveStringField(nullable=True),
        "tag": fields.StringField(nullable=True),
        "attachment_id": fields.UUIDField(nullable=True),
        "encrypted": fields.BooleanField(default=False),
        "encryption_secret_uuid": fields.UUIDField(nullable=True),
        "encryption_format": fields.StringField(nullable=True),
        "encryption_options": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, bdm, db_bdm, expected_attrs=None):
        for key in bdm.fields:
            if key in BLOCK_DEVICE_OPTIONAL_ATTRS:
                continue
            value = db_bdm[key]
            if key == "deleted":
                value = bool(value)
            setattr(bdm, key, value)
        bdm._context = context
        for attr in expected_attrs or ():
            if attr in BLOCK_DEVICE_OPTIONAL_ATTRS:
                bdm.obj_load_attr(attr)
        bdm.obj_reset_changes()
        return bdm

    def _db_values(self, updates):
        updates = dict(updates)
        updates.pop("instance", None)
        updates.pop("id", None)
        return updates

    def _create_values(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if self.obj_attr_is_set("instance") and self.instance is not None \
                and not self.obj_attr_is_set("instance_uuid"):
            self.instance_uuid = self.instance.uuid
        if not self.obj_attr_is_set("instance_uuid"):
            raise exception.ObjectActionError(action="create", reason="instance_uuid is unset")
        self.obj_set_defaults("delete_on_termination", "no_device", "encrypted")
        return self._db_values(self.obj_get_changes())

    def _created(self, row):
        instance = self.instance if self.obj_attr_is_set("instance") else None
        self._from_db_object(self._context, self, row)
        if instance is not None:
            self.instance = instance
            self.obj_reset_changes(["instance"])

    @base.remotable
    def create(self):
        self._created(db.block_device_mapping_create(self._context, self._create_values()))

    @classmethod
    def create_many(cls, context, bdms):
        """Create new mappings in one go. Not remotable: for callers next to
        the database (the conductor)."""
        rows = db.block_device_mapping_create_many(
            context, [bdm._create_values() for bdm in bdms])
        for bdm, row in zip(bdms, rows):
            bdm._context = context
            bdm._created(row)

    @base.remotable
    def save(self):
        updates = self._db_values(self.obj_get_changes())
        if "instance_uuid" in updates:
            raise exception.ObjectActionError(action="save",
                                              reason="instance_uuid cannot be changed")
        if not updates:
            return
        row = db.block_device_mapping_update(self._context, self.id, updates)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        if not self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="destroy", reason="already destroyed")
        db.block_device_mapping_destroy(self._context, self.id)
        del self.id

    @base.remotable_classmethod
    def get_by_id(cls, context, bdm_id):
        return cls._from_db_object(context, cls(),
                                   db.block_device_mapping_get_by_id(context, bdm_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, bdm_uuid):
        return cls._from_db_object(context, cls(),
                                   db.block_device_mapping_get_by_uuid(context, bdm_uuid))

    @base.remotable_classmethod
    def get_by_volume_id(cls, context, volume_id, instance_uuid=None, expected_attrs=None):
        """The mapping of a volume (of ``instance_uuid`` when the volume is
        attached to several instances); VolumeBDMNotFound when none."""
        rows = db.block_device_mapping_get_all_by_volume_id(context, volume_id)
        if instance_uuid is not None:
            rows = [r for r in rows if r["instance_uuid"] == instance_uuid]
        if not rows:
            raise exception.VolumeBDMNotFound(volume_id=volume_id)
        if len(rows) > 1:
            raise exception.VolumeBDMIsMultiattach(volume_id=volume_id)
        return cls._from_db_object(context, cls(), rows[0], expected_attrs)

    @base.remotable_classmethod
    def get_by_volume_and_instance(cls, context, volume_id, instance_uuid,
                                   expected_attrs=None):
        row = db.block_device_mapping_get_by_instance_and_volume_id(context, volume_id,
                                                                    instance_uuid)
        if row is None:
            raise exception.VolumeBDMNotFound(volume_id=volume_id)
        return cls._from_db_object(context, cls(), row, expected_attrs)

    @classmethod
    def get_by_volume(cls, context, volume_id, expected_attrs=None):
        return cls.get_by_volume_id(context, volume_id, expected_attrs=expected_attrs)

    @property
    def is_root(self):
        return self.boot_index == 0

    @property
    def is_volume(self):
        return self.destination_type == fields.BlockDeviceDestinationType.VOLUME

    @property
    def is_image(self):
        return self.source_type == fields.BlockDeviceSourceType.IMAGE

    @property
    def is_local(self):
        return self.destination_type == fields.BlockDeviceDestinationType.LOCAL

    def get_image_mapping(self):
        """The fields of an image's block_device_mapping property."""
        return {key: self[key] for key in ("source_type", "destination_type", "guest_format",
                                           "device_type", "disk_bus", "boot_index",
                                           "device_name", "delete_on_termination",
                                           "snapshot_id", "volume_id", "volume_size",
                                           "image_id", "no_device", "tag")
                if self.obj_attr_is_set(key)}

    def obj_load_attr(self, attrname):
        if attrname not in BLOCK_DEVICE_OPTIONAL_ATTRS:
            raise exception.ObjectActionError(
                action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_load_attr",
                                                objtype=self.obj_name())
        from nova.objects import instance as instance_obj
        self.instance = instance_obj.Instance.get_by_uuid(self._context, self.instance_uuid)
        self.obj_reset_changes(fields=["instance"])


@base.NovaObjectRegistry.register
class BlockDeviceMappingList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("BlockDeviceMapping")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), BlockDeviceMapping, rows)

    @base.remotable_classmethod
    def get_by_instance_uuids(cls, context, instance_uuids):
        return cls._make(context, db.block_device_mapping_get_all_by_instance_uuids(
            context, instance_uuids))

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._make(context, db.block_device_mapping_get_all_by_instance_uuids(
            context, [instance_uuid]))

    @base.remotable_classmethod
    def get_by_volume(cls, context, volume_id):
        rows = db.block_device_mapping_get_all_by_volume_id(context, volume_id)
        if not rows:
            raise exception.VolumeBDMNotFound(volume_id=volume_id)
        return cls._make(context, rows)

    @classmethod
    def bdms_by_instance_uuid(cls, context, instance_uuids):
        """{instance uuid: BlockDeviceMappingList} for the given instances."""
        result = {}
        for bdm in cls.get_by_instance_uuids(context, instance_uuids):
            result.setdefault(bdm.instance_uuid, cls(context, objects=[])).objects.append(bdm)
        return result

    def root_bdm(self):
        """The boot disk's mapping, or None."""
        return next((bdm for bdm in self.objects if bdm.is_root), None)
