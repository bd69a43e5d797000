"""ImageMeta: what nova knows of a Glance image (the scheduler and drivers read it).

``properties`` is an ImageMetaProps whose one field is the image's extra
properties as a dict of strings. Reading ``image_meta.properties.hw_disk_bus``
returns the property or None, like the typed attributes other nova code
expects; ``properties.get(name, default)`` works too.
"""

from oslo_utils import timeutils

from nova.objects import base
from nova.objects import fields

# Image attributes (not properties) carried in an instance's system_metadata.
_SYSMETA_BASE_KEYS = ("min_ram", "min_disk", "disk_format", "container_format")
SYSMETA_PREFIX = "image_"


def _as_string(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@base.NovaObjectRegistry.register
class ImageMetaProps(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "properties": fields.DictOfNullableStringsField(default={}),
    }

    @classmethod
    def from_dict(cls, image_props):
        return cls(properties={str(k): _as_string(v) for k, v in (image_props or {}).items()})

    def to_dict(self):
        return dict(self.properties) if self.obj_attr_is_set("properties") else {}

    def get(self, name, default=None):
        value = self.to_dict().get(name)
        return default if value is None else value

    def __contains__(self, name):
        return self.to_dict().get(name) is not None

    def __getattr__(self, name):
        # Only reached for names that are not real attributes: image properties.
        if name.startswith("_") or name.startswith("obj_"):
            raise AttributeError(name)
        return self.to_dict().get(name)


@base.NovaObjectRegistry.register
class ImageMeta(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.UUIDField(),
        "name": fields.StringField(),
        "status": fields.StringField(),
        "visibility": fields.StringField(),
        "protected": fields.FlexibleBooleanField(),
        "checksum": fields.StringField(),
        "owner": fields.StringField(),
        "size": fields.IntegerField(),
        "virtual_size": fields.IntegerField(),
        "container_format": fields.StringField(),
        "disk_format": fields.StringField(),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "tags": fields.ListOfStringsField(),
        "direct_url": fields.StringField(),
        "min_ram": fields.IntegerField(),
        "min_disk": fields.IntegerField(),
        "properties": fields.ObjectField("ImageMetaProps"),
    }

    @classmethod
    def from_dict(cls, image_meta):
        """From an image dict; unknown top-level keys are ignored, None values skipped."""
        image_meta = dict(image_meta or {})
        props = image_meta.pop("properties", None) or {}
        values = {}
        for key, value in image_meta.items():
            if key not in cls.fields or value is None:
                continue
            if key in ("created_at", "updated_at") and isinstance(value, str):
                value = timeutils.parse_isotime(value).replace(tzinfo=None)
            values[key] = value
        obj = cls(**values)
        obj.properties = ImageMetaProps.from_dict(props)
        return obj

    @classmethod
    def from_instance(cls, instance):
        """From the image_* keys kept in an instance's system_metadata."""
        sysmeta = getattr(instance, "system_metadata", None) or {}
        image = {}
        props = {}
        for key, value in sysmeta.items():
            if not key.startswith(SYSMETA_PREFIX):
                continue
            name = key[len(SYSMETA_PREFIX):]
            if name in _SYSMETA_BASE_KEYS:
                if value not in (None, ""):
                    image[name] = value
            else:
                props[name] = value
        image_ref = getattr(instance, "image_ref", None)
        if image_ref:
            image["id"] = image_ref
        image["properties"] = props
        return cls.from_dict(image)

    def to_dict(self):
        """A plain image dict (properties as a dict) for legacy callers."""
        result = base.obj_to_primitive(self)
        result["properties"] = (self.properties.to_dict()
                                if self.obj_attr_is_set("properties") else {})
        return result
