"""Flavor: a named size of server (vCPUs, RAM, disks), kept in the API database."""

from oslo_utils import uuidutils

from nova.db.api import flavors as db
from nova import exception
from nova.objects import base
from nova.objects import bulk
from nova.objects import fields

# Fields loaded on demand rather than with every flavor.
OPTIONAL_FIELDS = ("extra_specs", "projects")

# Values a flavorid may have at create time that mean "make one up".
_AUTO_FLAVORIDS = (None, "", "auto")


@base.NovaObjectRegistry.register
class Flavor(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(nullable=True),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(default=0),
        "ephemeral_gb": fields.IntegerField(default=0),
        "flavorid": fields.StringField(nullable=True),
        "swap": fields.IntegerField(default=0),
        "rxtx_factor": fields.FloatField(nullable=True, default=1.0),
        "vcpu_weight": fields.IntegerField(nullable=True, default=None),
        "disabled": fields.BooleanField(default=False),
        "is_public": fields.BooleanField(default=True),
        "extra_specs": fields.DictOfStringsField(default={}),
        "projects": fields.ListOfStringsField(default=[]),
        "description": fields.StringField(nullable=True, default=None),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._orig_extra_specs = {}
        self._orig_projects = []

    @staticmethod
    def _from_db_object(context, flavor, db_flavor, expected_attrs=None):
        expected_attrs = set(expected_attrs or ()) | {"extra_specs"}
        for name in flavor.fields:
            if name in OPTIONAL_FIELDS:
                continue
            if name in ("deleted", "deleted_at"):
                # API-database flavors are removed outright, never soft-deleted.
                setattr(flavor, name, False if name == "deleted" else None)
                continue
            setattr(flavor, name, db_flavor[name])
        if "extra_specs" in expected_attrs:
            flavor.extra_specs = dict(db_flavor.get("extra_specs") or {})
        if "projects" in expected_attrs and "projects" in db_flavor:
            flavor.projects = list(db_flavor["projects"])
        flavor._context = context
        flavor.obj_reset_changes()
        return flavor

    def obj_reset_changes(self, fields=None, recursive=False):
        super().obj_reset_changes(fields, recursive=recursive)
        if fields is None or "extra_specs" in fields:
            self._orig_extra_specs = (dict(self.extra_specs)
                                      if self.obj_attr_is_set("extra_specs") else {})
        if fields is None or "projects" in fields:
            self._orig_projects = (list(self.projects)
                                   if self.obj_attr_is_set("projects") else [])

    @classmethod
    def _obj_from_primitive(cls, context, objver, primitive):
        self = super()._obj_from_primitive(context, objver, primitive)
        # Values that arrived clean are the new originals.
        for name, orig in (("extra_specs", "_orig_extra_specs"),
                           ("projects", "_orig_projects")):
            if name not in self._changed_fields and self.obj_attr_is_set(name):
                setattr(self, orig, type(getattr(self, name))(getattr(self, name)))
        return self

    def obj_what_changed(self):
        # extra_specs and projects are edited in place; compare with the originals.
        changes = super().obj_what_changed()
        if self.obj_attr_is_set("extra_specs") and self.extra_specs != self._orig_extra_specs:
            changes.add("extra_specs")
        if self.obj_attr_is_set("projects") and self.projects != self._orig_projects:
            changes.add("projects")
        return changes

    def obj_load_attr(self, attrname):
        if attrname not in OPTIONAL_FIELDS:
            raise exception.ObjectActionError(
                action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_load_attr",
                                                objtype=self.obj_name())
        if not self.obj_attr_is_set("id"):
            # Never created: nothing to load.
            setattr(self, attrname, {} if attrname == "extra_specs" else [])
        elif attrname == "projects":
            self.projects = db.projects_get(self._context, self.id)
        else:
            self.extra_specs = db.extra_specs_get(self._context, self.id)
        self.obj_reset_changes([attrname])

    @base.remotable_classmethod
    def get_by_id(cls, context, id):
        return cls._from_db_object(context, cls(), db.flavor_get(context, id))

    @base.remotable_classmethod
    def get_by_flavor_id(cls, context, flavor_id, read_deleted=None):
        return cls._from_db_object(context, cls(), db.flavor_get_by_flavor_id(context, flavor_id))

    @base.remotable_classmethod
    def get_by_name(cls, context, name):
        return cls._from_db_object(context, cls(), db.flavor_get_by_name(context, name))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if not self.obj_attr_is_set("flavorid") or self.flavorid in _AUTO_FLAVORIDS:
            self.flavorid = uuidutils.generate_uuid()
        self.obj_set_defaults("root_gb", "ephemeral_gb", "swap", "rxtx_factor",
                              "vcpu_weight", "disabled", "is_public", "description")
        updates = self.obj_get_changes()
        expected = [name for name in OPTIONAL_FIELDS if name in updates]
        projects = updates.pop("projects", None)
        for name in ("id", "deleted", "deleted_at", "created_at", "updated_at"):
            updates.pop(name, None)
        db_flavor = db.flavor_create(self._context, updates, projects=projects)
        self._from_db_object(self._context, self, db_flavor, expected_attrs=expected)

    @base.remotable
    def save(self):
        updates = self.obj_get_changes()
        projects = updates.pop("projects", None)
        extra_specs = updates.pop("extra_specs", None)
        description = updates.pop("description", None) if "description" in updates else False
        if updates:
            raise exception.ObjectActionError(
                action="save", reason="read-only fields were changed: %s"
                % ", ".join(sorted(updates)))
        if description is not False:
            db.flavor_update(self._context, self.id, {"description": description})
        if extra_specs is not None:
            orig = self._orig_extra_specs
            changed = {k: v for k, v in extra_specs.items() if orig.get(k) != v}
            if changed:
                db.extra_specs_update(self._context, self.id, changed)
            for key in set(orig) - set(extra_specs):
                db.extra_specs_delete(self._context, self.id, key)
        if projects is not None:
            for project_id in set(projects) - set(self._orig_projects):
                db.project_add(self._context, self.id, project_id)
            for project_id in set(self._orig_projects) - set(projects):
                db.project_remove(self._context, self.id, project_id)
        self.obj_reset_changes()

    def save_extra_specs(self, to_add=None, to_delete=None):
        """Add/replace and delete extra specs at once, then refresh them."""
        if to_add:
            db.extra_specs_update(self._context, self.id, to_add)
        for key in to_delete or ():
            db.extra_specs_delete(self._context, self.id, key)
        self.obj_load_attr("extra_specs")

    @base.remotable
    def add_access(self, project_id):
        if "projects" in self.obj_what_changed():
            raise exception.ObjectActionError(action="add_access",
                                              reason="projects modified")
        db.project_add(self._context, self.id, project_id)
        self.obj_load_attr("projects")

    @base.remotable
    def remove_access(self, project_id):
        if "projects" in self.obj_what_changed():
            raise exception.ObjectActionError(action="remove_access",
                                              reason="projects modified")
        db.project_remove(self._context, self.id, project_id)
        self.obj_load_attr("projects")

    @base.remotable
    def destroy(self):
        db.flavor_destroy(self._context, self.flavorid)


# The fields a listing reads from each flavor row (the optional ones aside).
_ROW_FIELDS = tuple(name for name in Flavor.fields
                    if name not in OPTIONAL_FIELDS and name not in ("deleted", "deleted_at"))


@base.NovaObjectRegistry.register
class FlavorList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    # Version 1.1: get_all() takes expected_attrs
    VERSION = "1.1"

    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @base.remotable_classmethod
    def get_all(cls, context, inactive=False, filters=None, sort_key="flavorid",
                sort_dir="asc", limit=None, marker=None, expected_attrs=None):
        """The visible flavors, filtered, sorted and paginated.

        ``expected_attrs`` lists the optional fields loaded with the list
        (``extra_specs`` when None); the others load per flavor on first use.
        """
        if expected_attrs is None:
            expected_attrs = ("extra_specs",)
        with_specs = "extra_specs" in expected_attrs
        rows = db.flavor_get_all(context, filters=filters, sort_key=sort_key,
                                 sort_dir=sort_dir, limit=limit, marker=marker,
                                 with_extra_specs=with_specs)
        names = _ROW_FIELDS + ("extra_specs",) if with_specs else _ROW_FIELDS
        flavors = bulk.build(Flavor, context, rows, names,
                             constants={"deleted": False, "deleted_at": None})
        for flavor in flavors:
            # What Flavor.__init__ and obj_reset_changes() keep for save().
            flavor._orig_extra_specs = dict(flavor.extra_specs) if with_specs else {}
            flavor._orig_projects = []
        return bulk.make_list(cls, context, flavors)
