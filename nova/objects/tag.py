"""Tag and TagList: user-defined strings on a server (API microversion 2.26)."""

from nova.db.main import tags as db
from nova.objects import base
from nova.objects import fields

# How many tags one server may carry.
MAX_TAG_COUNT = 50


@base.NovaObjectRegistry.register
class Tag(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "resource_id": fields.StringField(),
        "tag": fields.StringField(),
    }

    @staticmethod
    def _from_db_object(context, tag, db_tag):
        tag.resource_id = db_tag["resource_id"]
        tag.tag = db_tag["tag"]
        tag._context = context
        tag.obj_reset_changes()
        return tag

    @base.remotable
    def create(self):
        """Add the tag; TagLimitExceeded when the server has MAX_TAG_COUNT tags."""
        row = db.instance_tag_add(self._context, self.resource_id, self.tag,
                                  max_count=MAX_TAG_COUNT)
        self._from_db_object(self._context, self, row)

    @base.remotable_classmethod
    def destroy(cls, context, resource_id, name):
        db.instance_tag_delete(context, resource_id, name)

    @base.remotable_classmethod
    def exists(cls, context, resource_id, name):
        return db.instance_tag_exists(context, resource_id, name)


@base.NovaObjectRegistry.register
class TagList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Tag")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), Tag, rows)

    @base.remotable_classmethod
    def get_by_resource_id(cls, context, resource_id):
        return cls._make(context, db.instance_tag_get_by_instance_uuid(context, resource_id))

    @base.remotable_classmethod
    def get_by_resource_ids(cls, context, resource_ids):
        return cls._make(context, db.instance_tag_get_by_instance_uuids(context, resource_ids))

    @base.remotable_classmethod
    def create(cls, context, resource_id, tags):
        """Replace all tags of the server with ``tags``."""
        return cls._make(context, db.instance_tag_set(context, resource_id, tags,
                                                      max_count=MAX_TAG_COUNT))

    @base.remotable_classmethod
    def destroy(cls, context, resource_id):
        db.instance_tag_delete_all(context, resource_id)

    def to_list(self):
        return [t.tag for t in self.objects]
