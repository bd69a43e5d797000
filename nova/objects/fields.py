"""Field types of nova's objects: oslo.versionedobjects' plus nova's enums."""

from oslo_versionedobjects import fields

# Re-export the generic field types under this module's name.
from oslo_versionedobjects.fields import *  # noqa: F401,F403

BaseEnumField = fields.BaseEnumField
Enum = fields.Enum
Field = fields.Field
FieldType = fields.FieldType


class InstanceState(Enum):
    """vm_state values."""
    ACTIVE = "active"
    BUILDING = "building"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    STOPPED = "stopped"
    RESCUED = "rescued"
    RESIZED = "resized"
    SOFT_DELETED = "soft-delete"
    DELETED = "deleted"
    ERROR = "error"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"
    ALL = (ACTIVE, BUILDING, PAUSED, SUSPENDED, STOPPED, RESCUED, RESIZED,
           SOFT_DELETED, DELETED, ERROR, SHELVED, SHELVED_OFFLOADED)

    def __init__(self):
        super().__init__(valid_values=InstanceState.ALL)


class InstanceStateField(BaseEnumField):
    AUTO_TYPE = InstanceState()


class InstancePowerState(Enum):
    """power_state values, stored as integers like upstream."""
    NOSTATE = 0x00
    RUNNING = 0x01
    PAUSED = 0x03
    SHUTDOWN = 0x04
    CRASHED = 0x06
    SUSPENDED = 0x07
    ALL = (NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED)


class MigrationType(Enum):
    MIGRATION = "migration"
    RESIZE = "resize"
    LIVE_MIGRATION = "live-migration"
    EVACUATION = "evacuation"
    ALL = (MIGRATION, RESIZE, LIVE_MIGRATION, EVACUATION)

    def __init__(self):
        super().__init__(valid_values=MigrationType.ALL)


class MigrationTypeField(BaseEnumField):
    AUTO_TYPE = MigrationType()


class KeyPairType(Enum):
    SSH = "ssh"
    X509 = "x509"
    ALL = (SSH, X509)

    def __init__(self):
        super().__init__(valid_values=KeyPairType.ALL)


class KeyPairTypeField(BaseEnumField):
    AUTO_TYPE = KeyPairType()


class BlockDeviceSourceType(Enum):
    BLANK = "blank"
    IMAGE = "image"
    SNAPSHOT = "snapshot"
    VOLUME = "volume"
    ALL = (BLANK, IMAGE, SNAPSHOT, VOLUME)

    def __init__(self):
        super().__init__(valid_values=BlockDeviceSourceType.ALL)


class BlockDeviceSourceTypeField(BaseEnumField):
    AUTO_TYPE = BlockDeviceSourceType()


class BlockDeviceDestinationType(Enum):
    LOCAL = "local"
    VOLUME = "volume"
    ALL = (LOCAL, VOLUME)

    def __init__(self):
        super().__init__(valid_values=BlockDeviceDestinationType.ALL)


class BlockDeviceDestinationTypeField(BaseEnumField):
    AUTO_TYPE = BlockDeviceDestinationType()


class BlockDeviceType(Enum):
    CDROM = "cdrom"
    DISK = "disk"
    FLOPPY = "floppy"
    FS = "fs"
    LUN = "lun"
    ALL = (CDROM, DISK, FLOPPY, FS, LUN)

    def __init__(self):
        super().__init__(valid_values=BlockDeviceType.ALL)


class BlockDeviceTypeField(BaseEnumField):
    AUTO_TYPE = BlockDeviceType()


class Json(FieldType):
    """A value JSON can hold (dicts, lists, strings, numbers, booleans, None),
    kept as a deep copy so the object does not share it with its caller."""

    @staticmethod
    def coerce(obj, attr, value):
        from oslo_serialization import jsonutils
        try:
            return jsonutils.loads(jsonutils.dumps(value))
        except (TypeError, ValueError) as exc:
            raise ValueError("%s is not JSON: %s" % (attr, exc)) from exc


class JsonField(fields.AutoTypedField):
    AUTO_TYPE = Json()
