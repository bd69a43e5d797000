"""CellMapping: where one cell's database and message queue are (API database)."""

from urllib import parse as urlparse

from oslo_log import log as logging

import nova.conf
from nova.db.api import cell_mappings as db
from nova.objects import base
from nova.objects import fields

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Names a URL template may use, filled from the matching local setting.
TEMPLATE_VARS = ("scheme", "username", "password", "hostname", "port", "path", "query",
                 "fragment")


def format_url(url, default):
    """Fill a ``{scheme}://{username}:{password}@{hostname}...`` template.

    The values come from ``default`` (this host's transport_url or
    [database] connection), so one mapping can serve hosts whose local
    credentials differ. A URL without braces is returned unchanged.
    """
    if not url or "{" not in url:
        return url
    if not default:
        LOG.warning("Cell URL %s is a template but there is no local URL to fill it from",
                    url)
        return url
    parts = urlparse.urlparse(default)
    values = {
        "scheme": parts.scheme,
        "username": parts.username or "",
        "password": parts.password or "",
        "hostname": parts.hostname or "",
        "port": parts.port or "",
        "path": parts.path.lstrip("/"),
        "query": parts.query,
        "fragment": parts.fragment,
    }
    try:
        return url.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        LOG.warning("Cell URL template %s is not valid (%s); using it unchanged", url, exc)
        return url


def _local_transport_url():
    try:
        return CONF.transport_url
    except Exception:  # option not registered in this process
        return None


@base.NovaObjectRegistry.register
class CellMapping(base.NovaTimestampObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    CELL0_UUID = "00000000-0000-0000-0000-000000000000"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "transport_url": fields.StringField(),
        "database_connection": fields.StringField(),
        "disabled": fields.BooleanField(default=False),
    }

    @property
    def identity(self):
        """The name and UUID, for messages."""
        if "name" in self and self.name:
            return "%s(%s)" % (self.uuid, self.name)
        return self.uuid

    def is_cell0(self):
        return "uuid" in self and self.uuid == self.CELL0_UUID

    @staticmethod
    def _from_db_object(context, cell_mapping, db_row):
        for key in cell_mapping.fields:
            value = db_row[key]
            if key == "transport_url":
                value = format_url(value, _local_transport_url())
            elif key == "database_connection":
                value = format_url(value, CONF.database.connection)
            elif key == "disabled":
                value = bool(value)
            setattr(cell_mapping, key, value)
        cell_mapping.obj_reset_changes()
        cell_mapping._context = context
        return cell_mapping

    @base.remotable_classmethod
    def get_by_uuid(cls, context, cell_uuid):
        return cls._from_db_object(context, cls(), db.cell_mapping_get_by_uuid(context,
                                                                               cell_uuid))

    @base.remotable
    def create(self):
        values = self.obj_get_changes()
        values.setdefault("disabled", False)
        self._from_db_object(self._context, self, db.cell_mapping_create(self._context,
                                                                         values))

    @base.remotable
    def save(self):
        changes = self.obj_get_changes()
        changes.pop("id", None)
        changes.pop("uuid", None)
        if not changes:
            return
        self._from_db_object(self._context, self,
                             db.cell_mapping_update(self._context, self.uuid, changes))

    @base.remotable
    def destroy(self):
        db.cell_mapping_destroy(self._context, self.uuid)


@base.NovaObjectRegistry.register
class CellMappingList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("CellMapping")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), CellMapping, rows)

    @base.remotable_classmethod
    def get_all(cls, context):
        return cls._make(context, db.cell_mapping_get_all(context))

    @base.remotable_classmethod
    def get_by_disabled(cls, context, disabled):
        return cls._make(context, db.cell_mapping_get_all(context, disabled=disabled))

    @base.remotable_classmethod
    def get_by_project_id(cls, context, project_id):
        """The cells where ``project_id`` has (or had) instances."""
        return cls._make(context, db.cell_mapping_get_by_project_id(context, project_id))

    @base.remotable_classmethod
    def get_by_name(cls, context, name):
        return cls._make(context, db.cell_mapping_get_by_name(context, name))
