"""BuildRequest: a server the API accepted that is not in any cell yet.

Until the scheduler picks a host and the conductor creates the instance in
a cell, the API lists and deletes the server through its build request. The
Instance, its block device mappings and its tags are kept as serialized
objects; listing filters the deserialized instances in memory.
"""

import re

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import timeutils
from oslo_versionedobjects import exception as ovo_exc

from nova.db.api import build_requests as db
from nova import exception
from nova.objects import base
from nova.objects import fields

LOG = logging.getLogger(__name__)

# Fields an instance gets only once it is in a cell; the API expects them set.
_UNSET_UNTIL_IN_CELL = ("disable_terminate", "terminated_at", "host", "node",
                        "launched_at", "launched_on", "cell_name")

# Filters matched by regular expression rather than exactly (as for instances).
_REGEX_FILTERS = ("name", "display_name", "hostname", "display_description", "description")


def _deserialize(text):
    from nova import objects
    return objects.base.NovaObject.obj_from_primitive(jsonutils.loads(text))


@base.NovaObjectRegistry.register
class BuildRequest(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        "project_id": fields.StringField(),
        "instance": fields.ObjectField("Instance"),
        "block_device_mappings": fields.ObjectField("BlockDeviceMappingList"),
        "tags": fields.ObjectField("TagList"),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    def _load_instance(self, text):
        try:
            self.instance = _deserialize(text)
        except (TypeError, ValueError, ovo_exc.IncompatibleObjectVersion) as exc:
            LOG.debug("Could not load the instance of build request %s: %s",
                      self.instance_uuid, exc)
            raise exception.BuildRequestNotFound(uuid=self.instance_uuid)
        instance = self.instance
        defaults = [name for name in ("deleted", "hidden") if name in instance.fields
                    and not instance.obj_attr_is_set(name)]
        for name in defaults:
            setattr(instance, name, False)
        for name in _UNSET_UNTIL_IN_CELL:
            if name == "disable_terminate" and name in instance.fields:
                instance.disable_terminate = False
            elif name in instance.fields and instance.fields[name].nullable:
                setattr(instance, name, None)
        if "locked_by" in instance.fields and not instance.obj_attr_is_set("locked_by"):
            instance.locked_by = None
        # Never stored in a cell yet: its timestamps are the build request's.
        for name in ("created_at", "updated_at"):
            if name in instance.fields:
                setattr(instance, name, getattr(self, name))
        if "tags" in instance.fields and self.obj_attr_is_set("tags"):
            instance.tags = self.tags
        instance.obj_reset_changes(recursive=True)

    def _load_list(self, name, text, list_name):
        if text:
            setattr(self, name, _deserialize(text))
        else:
            from nova import objects
            setattr(self, name, getattr(objects, list_name)(objects=[]))

    @staticmethod
    def _from_db_object(context, req, db_req):
        req.id = db_req["id"]
        req.instance_uuid = db_req["instance_uuid"]
        req.project_id = db_req["project_id"]
        req.created_at = db_req["created_at"]
        req.updated_at = db_req["updated_at"]
        req._load_list("block_device_mappings", db_req["block_device_mappings"],
                       "BlockDeviceMappingList")
        req._load_list("tags", db_req["tags"], "TagList")
        req._load_instance(db_req["instance"])
        req._context = context
        req.obj_reset_changes()
        return req

    def obj_load_attr(self, attrname):
        raise exception.ObjectActionError(
            action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)

    def _get_update_primitives(self):
        updates = self.obj_get_changes()
        for name in ("instance", "block_device_mappings", "tags"):
            if name in updates:
                value = updates[name]
                updates[name] = (jsonutils.dumps(value.obj_to_primitive())
                                 if value is not None else None)
        for name in ("id", "created_at", "updated_at"):
            updates.pop(name, None)
        return updates

    def get_new_instance(self, context):
        """A new Instance carrying every field set on this request's instance, all
        marked as changed, ready to be created in a cell."""
        from nova import objects
        instance = objects.Instance(context)
        for field in self.instance.obj_fields:
            if field in ("id",) or not self.instance.obj_attr_is_set(field):
                continue
            setattr(instance, field, getattr(self.instance, field))
        return instance

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._from_db_object(
            context, cls(), db.build_request_get_by_instance_uuid(context, instance_uuid))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if not self.obj_attr_is_set("instance_uuid"):
            raise exception.ObjectActionError(action="create",
                                              reason="instance_uuid must be set")
        row = db.build_request_create(self._context, self._get_update_primitives())
        self._from_db_object(self._context, self, row)

    @base.remotable
    def save(self):
        updates = self._get_update_primitives()
        if updates:
            row = db.build_request_update(self._context, self.id, updates)
            self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        db.build_request_destroy(self._context, self.instance_uuid)


def _matches(instance, filters):
    """Whether a build request's instance passes the list filters."""
    for key, wanted in filters.items():
        if key in ("deleted", "cleaned", "project_id"):
            continue
        if key in ("tags", "tags-any", "not-tags", "not-tags-any"):
            tags = {t.tag for t in instance.tags} if instance.obj_attr_is_set("tags") else set()
            wanted_tags = set(wanted.split(",") if isinstance(wanted, str) else wanted)
            ok = {"tags": wanted_tags <= tags, "tags-any": bool(wanted_tags & tags),
                  "not-tags": not wanted_tags <= tags,
                  "not-tags-any": not (wanted_tags & tags)}[key]
            if not ok:
                return False
            continue
        if key in ("changes-since", "changes-before"):
            when = instance.updated_at or instance.created_at
            if isinstance(wanted, str):
                wanted = timeutils.parse_isotime(wanted)
            wanted = timeutils.normalize_time(wanted)
            when = timeutils.normalize_time(when) if when is not None else None
            if when is None or (when < wanted if key == "changes-since" else when > wanted):
                return False
            continue
        if key in ("metadata", "system_metadata"):
            have = getattr(instance, key) if instance.obj_attr_is_set(key) else {}
            for item in wanted if isinstance(wanted, list) else [wanted]:
                if any(have.get(k) != v for k, v in item.items()):
                    return False
            continue
        if key not in instance.fields:
            # Nothing an instance outside any cell has (addresses...): ignored.
            continue
        value = getattr(instance, key) if instance.obj_attr_is_set(key) else None
        if key in _REGEX_FILTERS and isinstance(wanted, str):
            if value is None or not re.search(wanted, str(value)):
                return False
        elif isinstance(wanted, (list, tuple, set)):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


@base.NovaObjectRegistry.register
class BuildRequestList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("BuildRequest")}

    @staticmethod
    def _load_all(context, project_id=None):
        requests = []
        for row in db.build_request_get_all(context, project_id=project_id):
            try:
                requests.append(BuildRequest._from_db_object(context, BuildRequest(), row))
            except exception.BuildRequestNotFound:
                # Unreadable (its instance is gone or too new); skip it.
                continue
        return requests

    @classmethod
    def destroy_by_instance_uuids(cls, context, instance_uuids):
        """Delete the build requests of ``instance_uuids``; the sorted uuids that had
        one. Not remotable: for callers next to the database (the conductor)."""
        return db.build_request_destroy_many(context, instance_uuids)

    @base.remotable_classmethod
    def get_all(cls, context):
        project_id = None if context.is_admin else context.project_id
        return cls(context, objects=cls._load_all(context, project_id))

    @base.remotable_classmethod
    def get_by_filters(cls, context, filters, limit=None, marker=None, sort_keys=None,
                       sort_dirs=None):
        """Build requests whose instances match ``filters``, sorted and paginated.

        ``marker`` is an instance UUID; MarkerNotFound when it is not a build
        request. Sorting defaults to newest first.
        """
        filters = dict(filters or {})
        if limit == 0 or filters.get("deleted") or filters.get("cleaned"):
            # Build requests are never deleted or cleaned: nothing can match.
            return cls(context, objects=[])
        project_id = filters.get("project_id")
        if project_id is None and not context.is_admin:
            project_id = context.project_id
        if "uuid" in filters and isinstance(filters["uuid"], str):
            filters["uuid"] = [filters["uuid"]]
        requests = [r for r in cls._load_all(context, project_id)
                    if _matches(r.instance, filters)]
        sort_keys = list(sort_keys or ["created_at", "id"])
        sort_dirs = list(sort_dirs or ["desc"] * len(sort_keys))
        sort_dirs += [sort_dirs[-1]] * (len(sort_keys) - len(sort_dirs))
        # Stable sorts from the least significant key to the most.
        for key, direction in reversed(list(zip(sort_keys, sort_dirs))):
            def sort_value(req, key=key):
                if key == "id":
                    return (0, req.id)
                inst = req.instance
                value = getattr(inst, key) if key in inst.fields and \
                    inst.obj_attr_is_set(key) else None
                return (0, value) if value is not None else (-1, 0)
            requests.sort(key=sort_value, reverse=(direction == "desc"))
        if marker is not None:
            uuids = [r.instance_uuid for r in requests]
            if marker not in uuids:
                raise exception.MarkerNotFound(marker=marker)
            requests = requests[uuids.index(marker) + 1:]
        if limit is not None:
            requests = requests[:limit]
        return cls(context, objects=requests)
