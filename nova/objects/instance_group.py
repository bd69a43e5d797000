"""InstanceGroup (a "server group"): servers placed by one scheduling policy.

Since compute API 2.64 a group has exactly one policy (affinity,
anti-affinity, soft-affinity or soft-anti-affinity) plus optional rules such
as ``max_server_per_host`` for anti-affinity.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.db.api import instance_groups as db
from nova import exception
from nova.objects import base
from nova.objects import fields

LOG = logging.getLogger(__name__)

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


@base.NovaObjectRegistry.register
class InstanceGroup(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "policy": fields.StringField(nullable=True),
        "rules": fields.DictOfStringsField(),
        "members": fields.ListOfStringsField(nullable=True),
        # Hosts of the members; computed from the instances, never stored.
        "hosts": fields.ListOfStringsField(nullable=True),
    }

    @property
    def policies(self):
        """The pre-2.64 view: a list holding the one policy."""
        return [self.policy] if self.obj_attr_is_set("policy") and self.policy else []

    @staticmethod
    def _from_db_object(context, group, db_group):
        for name in group.fields:
            if name == "hosts":
                continue
            if name in ("deleted", "deleted_at"):
                setattr(group, name, False if name == "deleted" else None)
            else:
                setattr(group, name, db_group[name])
        group._context = context
        group.obj_reset_changes()
        return group

    def obj_load_attr(self, attrname):
        if attrname != "hosts":
            raise exception.ObjectActionError(
                action="obj_load_attr", reason="unable to load %s" % attrname)
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_load_attr",
                                                objtype=self.obj_name())
        LOG.debug("Lazy-loading 'hosts' on InstanceGroup %s", self.uuid)
        self.hosts = self.get_hosts()
        self.obj_reset_changes(["hosts"])

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid):
        return cls._from_db_object(context, cls(), db.group_get_by_uuid(context, uuid))

    @base.remotable_classmethod
    def get_by_name(cls, context, name):
        """The group called ``name`` in the caller's project."""
        return cls._from_db_object(context, cls(),
                                   db.group_get_by_name(context, context.project_id, name))

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._from_db_object(context, cls(),
                                   db.group_get_by_instance(context, instance_uuid))

    @classmethod
    def get_by_hint(cls, context, hint):
        """A group named by UUID or, failing that, by name."""
        if uuidutils.is_uuid_like(hint):
            return cls.get_by_uuid(context, hint)
        return cls.get_by_name(context, hint)

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        updates = self.obj_get_changes()
        updates.pop("hosts", None)
        policy = updates.pop("policy", None)
        rules = updates.pop("rules", None)
        members = updates.pop("members", None)
        if "uuid" not in updates:
            updates["uuid"] = self.uuid = uuidutils.generate_uuid()
        for name in ("id", "deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        db_group = db.group_create(self._context, updates, policy=policy, rules=rules,
                                   members=members)
        self._from_db_object(self._context, self, db_group)

    @base.remotable
    def save(self):
        """Store a new name and newly added members (hosts are never stored)."""
        updates = self.obj_get_changes()
        for name in ("hosts", "policy", "rules"):
            # hosts are derived, and there is no API to change a group's policy.
            if name in updates:
                raise exception.InstanceGroupSaveException(field=name)
        members = updates.pop("members", None)
        for name in ("id", "uuid", "deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        if not updates and members is None:
            return
        db_group = db.group_update(self._context, self.uuid, updates, members=members)
        self._from_db_object(self._context, self, db_group)

    @base.remotable
    def destroy(self):
        db.group_destroy(self._context, self.uuid)

    @base.remotable_classmethod
    def add_members(cls, context, group_uuid, instance_uuids):
        """Add instances to a group; returns the UUIDs that were newly added."""
        return db.group_members_add(context, group_uuid, list(instance_uuids))

    @base.remotable_classmethod
    def destroy_members(cls, context, instance_uuids):
        """Forget deleted instances in every group holding them."""
        return db.group_members_remove(context, list(instance_uuids))

    @base.remotable
    def get_hosts(self, exclude=None):
        """Hosts running this group's members (other than ``exclude``).

        Reads the instances in the cell the context is targeted at.
        """
        from nova import objects
        uuids = set(self.members or [])
        if exclude:
            uuids -= set(exclude)
        if not uuids:
            return []
        instances = objects.InstanceList.get_by_filters(
            self._context, filters={"uuid": sorted(uuids), "deleted": False},
            expected_attrs=[])
        return sorted({inst.host for inst in instances if inst.host})

    @base.remotable
    def count_members_by_user(self, user_id):
        """How many of the members belong to ``user_id`` (for quota checks)."""
        return db.group_member_count_by_user(self._context, self.members or [], user_id)


@base.NovaObjectRegistry.register
class InstanceGroupList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceGroup")}

    @base.remotable_classmethod
    def get_by_project_id(cls, context, project_id):
        return base.obj_make_list(context, cls(context), InstanceGroup,
                                  db.group_get_all(context, project_id=project_id))

    @base.remotable_classmethod
    def get_all(cls, context):
        return base.obj_make_list(context, cls(context), InstanceGroup,
                                  db.group_get_all(context))

    @base.remotable_classmethod
    def get_counts(cls, context, project_id, user_id=None):
        """{'project': {'server_groups': n}, 'user': {'server_groups': m}}."""
        counts = {"project": {"server_groups": db.group_count(context, project_id)}}
        if user_id:
            counts["user"] = {"server_groups": db.group_count(context, project_id,
                                                              user_id=user_id)}
        return counts
