"""Instance and InstanceList: a server, as stored in its cell database.

Optional attributes (INSTANCE_OPTIONAL_ATTRS) are loaded when named in
``expected_attrs`` and otherwise on first access. The flavor(s) and key
pairs are kept as object primitives (JSON) in instance_extra; their classes
(Flavor, KeyPairList) belong to the API-database objects and are looked up
by name in the object registry.
"""

import copy

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import uuidutils
from oslo_versionedobjects import exception as ovo_exc

import nova.conf
from nova.db.main import instance_metadata as metadata_db
from nova.db.main import instances as db
from nova import exception
from nova.objects import base
from nova.objects import bulk
from nova.objects import fields
from nova.objects import instance_fault
from nova.objects import instance_info_cache
from nova.objects import tag as tag_obj

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

MAX_TAG_COUNT = tag_obj.MAX_TAG_COUNT

_FLAVOR_ATTRS = ("flavor", "old_flavor", "new_flavor")
INSTANCE_OPTIONAL_ATTRS = ["metadata", "system_metadata", "info_cache", "fault", "tags",
                           "flavor", "old_flavor", "new_flavor", "keypairs",
                           "device_metadata"]
# What get_by_uuid()/get_by_id() load when not told.
INSTANCE_DEFAULT_FIELDS = ["info_cache"]

# expected_attrs -> the related data the database layer joins for it.
_ATTR_TO_JOIN = {"metadata": "metadata", "system_metadata": "system_metadata",
                 "info_cache": "info_cache", "tags": "tags", "flavor": "extra",
                 "old_flavor": "extra", "new_flavor": "extra", "keypairs": "extra",
                 "device_metadata": "extra"}
_FLAVOR_KEYS = {"flavor": "cur", "old_flavor": "old", "new_flavor": "new"}


def expected_attrs_to_columns(expected_attrs):
    return sorted({_ATTR_TO_JOIN[a] for a in expected_attrs or () if a in _ATTR_TO_JOIN})


def _from_primitive(primitive, context):
    """An object from its primitive, registering all object classes if needed."""
    try:
        return base.NovaObject.obj_from_primitive(primitive, context=context)
    except ovo_exc.UnsupportedObjectError:
        from nova import objects
        objects.register_all()
        return base.NovaObject.obj_from_primitive(primitive, context=context)


def _registered(name):
    from nova import objects
    cls = getattr(objects, name, None)
    if cls is None:
        objects.register_all()
        cls = getattr(objects, name)
    return cls


def _flavors_from_text(text, context, cache=None):
    """{flavor attr: clean Flavor or None} from the instance_extra.flavor text.

    With ``cache`` (a dict kept for one listing), a text seen before is not
    decoded again: each instance still gets Flavor objects of its own, copied
    from the first ones built for that text.
    """
    texts = cache.setdefault("flavor_texts", {}) if cache is not None else {}
    templates = cache.setdefault("flavor_objects", {}) if cache is not None else None
    data = texts.get(text)
    if data is None:
        data = texts[text] = jsonutils.loads(text) if text else {}
    result = {}
    for attr in _FLAVOR_ATTRS:
        primitive = data.get(_FLAVOR_KEYS[attr])
        result[attr] = _clean_from_primitive(primitive, context, templates) \
            if primitive else None
    return result


def _clean_from_primitive(primitive, context, templates=None):
    try:
        return bulk.from_primitive(primitive, context, templates)
    except ovo_exc.UnsupportedObjectError:
        from nova import objects
        objects.register_all()
        return bulk.from_primitive(primitive, context, templates)


def _tag_list(context, uuid, tags):
    """A clean TagList of the tag strings ``tags`` of instance ``uuid``."""
    return bulk.make_list(tag_obj.TagList, context, bulk.build(
        tag_obj.Tag, context, [{"tag": t} for t in tags], ("tag",),
        constants={"resource_id": uuid}))


@base.NovaObjectRegistry.register
class Instance(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    # Version 1.1: device_metadata
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "image_ref": fields.StringField(nullable=True),
        "kernel_id": fields.StringField(nullable=True),
        "ramdisk_id": fields.StringField(nullable=True),
        "hostname": fields.StringField(nullable=True),
        "launch_index": fields.IntegerField(nullable=True),
        "key_name": fields.StringField(nullable=True),
        "key_data": fields.StringField(nullable=True),
        "power_state": fields.IntegerField(nullable=True),
        "vm_state": fields.StringField(nullable=True),
        "task_state": fields.StringField(nullable=True),
        "memory_mb": fields.IntegerField(nullable=True),
        "vcpus": fields.IntegerField(nullable=True),
        "root_gb": fields.IntegerField(nullable=True),
        "ephemeral_gb": fields.IntegerField(nullable=True),
        "ephemeral_key_uuid": fields.UUIDField(nullable=True),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        # compute_nodes.id of the node the instance runs on.
        "compute_id": fields.IntegerField(nullable=True),
        "instance_type_id": fields.IntegerField(nullable=True),
        "user_data": fields.StringField(nullable=True),
        "reservation_id": fields.StringField(nullable=True),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "launched_on": fields.StringField(nullable=True),
        "locked": fields.BooleanField(default=False),
        "locked_by": fields.EnumField(["owner", "admin"], nullable=True),
        "os_type": fields.StringField(nullable=True),
        "architecture": fields.StringField(nullable=True),
        "vm_mode": fields.StringField(nullable=True),
        "root_device_name": fields.StringField(nullable=True),
        "default_ephemeral_device": fields.StringField(nullable=True),
        "default_swap_device": fields.StringField(nullable=True),
        "config_drive": fields.StringField(nullable=True),
        "access_ip_v4": fields.IPV4AddressField(nullable=True),
        "access_ip_v6": fields.IPV6AddressField(nullable=True),
        "auto_disk_config": fields.BooleanField(default=False),
        "progress": fields.IntegerField(nullable=True),
        "shutdown_terminate": fields.BooleanField(default=False),
        "disable_terminate": fields.BooleanField(default=False),
        "cell_name": fields.StringField(nullable=True),
        # True once the compute host cleaned up after a delete.
        "cleaned": fields.BooleanField(default=False),
        # A copy kept in another cell during a cross-cell move; not listed.
        "hidden": fields.BooleanField(default=False),

        "metadata": fields.DictOfStringsField(),
        "system_metadata": fields.DictOfNullableStringsField(),
        "info_cache": fields.ObjectField("InstanceInfoCache", nullable=True),
        "fault": fields.ObjectField("InstanceFault", nullable=True),
        "tags": fields.ObjectField("TagList"),
        "flavor": fields.ObjectField("Flavor", nullable=True),
        "old_flavor": fields.ObjectField("Flavor", nullable=True),
        "new_flavor": fields.ObjectField("Flavor", nullable=True),
        "keypairs": fields.ObjectField("KeyPairList"),
        # The tagged devices as the virt driver placed them: entries of the
        # metadata's meta_data.json "devices" (type, bus, address, mac or
        # serial, tags, vlan, vf_trusted), kept in instance_extra.
        "device_metadata": fields.JsonField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if tuple(int(p) for p in target_version.split(".")) < (1, 1):
            primitive.pop("device_metadata", None)

    obj_extra_fields = ["name"]

    # -- change tracking of the metadata dicts (mutated in place by callers)

    def _reset_metadata_tracking(self, fields=None):
        orig = getattr(self, "_orig_metadata", {})
        for name in ("metadata", "system_metadata"):
            if fields is None or name in fields:
                if self.obj_attr_is_set(name):
                    # A plain copy: only compared with, never coerced into.
                    orig[name] = dict(getattr(self, name))
                else:
                    orig.pop(name, None)
        self._orig_metadata = orig

    def obj_reset_changes(self, fields=None, recursive=False):
        super().obj_reset_changes(fields, recursive=recursive)
        self._reset_metadata_tracking(fields)

    def obj_what_changed(self):
        changes = super().obj_what_changed()
        orig = getattr(self, "_orig_metadata", {})
        for name in ("metadata", "system_metadata"):
            if self.obj_attr_is_set(name) and name in orig and \
                    getattr(self, name) != orig[name]:
                changes.add(name)
        return changes

    @classmethod
    def _obj_from_primitive(cls, context, objver, primitive):
        self = super()._obj_from_primitive(context, objver, primitive)
        self._reset_metadata_tracking()
        return self

    # -- naming

    @property
    def name(self):
        """The hypervisor-side name, from [DEFAULT] instance_name_template."""
        try:
            return CONF.instance_name_template % self.id
        except TypeError:
            info = {key: getattr(self, key) for key in self.fields
                    if key not in INSTANCE_OPTIONAL_ATTRS and self.obj_attr_is_set(key)}
            try:
                return CONF.instance_name_template % info
            except (KeyError, TypeError):
                return self.uuid
        except (exception.ObjectActionError, exception.OrphanedObjectError):
            return self.uuid

    # -- loading from the database

    @staticmethod
    def _from_db_object(context, instance, db_inst, expected_attrs=None, cache=None):
        """Fill ``instance`` from a row of nova.db.main.instances, clean.

        ``cache`` (a dict the caller keeps for one listing) lets instances
        share the decoding of identical flavor texts.
        """
        expected_attrs = expected_attrs or ()
        # A new, untouched object needs no recursive reset at the end.
        fresh = not instance.obj_what_changed() and not any(
            instance.obj_attr_is_set(a) for a in INSTANCE_OPTIONAL_ATTRS)
        instance._context = context
        values = {name: db_inst[name] for name in _COLUMN_FIELDS}
        values["deleted"] = bool(db_inst["deleted"])
        values["cleaned"] = bool(db_inst["cleaned"])
        if "metadata" in expected_attrs:
            values["metadata"] = db_inst["metadata"]
        if "system_metadata" in expected_attrs:
            values["system_metadata"] = db_inst["system_metadata"]
        if "info_cache" in expected_attrs:
            cache_row = db_inst.get("info_cache")
            values["info_cache"] = None if cache_row is None else \
                instance_info_cache.InstanceInfoCache._from_db_object(
                    context, instance_info_cache.InstanceInfoCache(context), cache_row)
        if "fault" in expected_attrs:
            values["fault"] = instance_fault.InstanceFault.get_latest_for_instance(
                context, values["uuid"])
        if "tags" in expected_attrs:
            values["tags"] = _tag_list(context, values["uuid"], db_inst["tags"])
        if any(a in expected_attrs for a in _FLAVOR_ATTRS):
            values.update(_flavors_from_text(db_inst["extra"]["flavor"], context, cache))
        if "device_metadata" in expected_attrs:
            text = db_inst["extra"]["device_metadata"]
            values["device_metadata"] = jsonutils.loads(text) if text else None
        bulk.fill(instance, values)
        if "keypairs" in expected_attrs:
            instance._keypairs_from_db(db_inst["extra"]["keypairs"])
        instance.obj_reset_changes(recursive=not fresh)
        return instance

    def _flavors_from_db(self, text):
        for attr, value in _flavors_from_text(text, self._context).items():
            setattr(self, attr, value)

    def _keypairs_from_db(self, text):
        if text:
            self.keypairs = _from_primitive(jsonutils.loads(text), self._context)
        else:
            self.keypairs = _registered("KeyPairList")(self._context, objects=[])
        self.keypairs.obj_reset_changes(recursive=True)

    def _flavors_to_db(self):
        def prim(attr):
            value = getattr(self, attr) if self.obj_attr_is_set(attr) else None
            return value.obj_to_primitive() if value is not None else None
        return jsonutils.dumps({_FLAVOR_KEYS[a]: prim(a) for a in _FLAVOR_ATTRS})

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid, expected_attrs=None, use_slave=False):
        if expected_attrs is None:
            expected_attrs = list(INSTANCE_DEFAULT_FIELDS)
        row = db.instance_get_by_uuid(context, uuid,
                                      columns_to_join=expected_attrs_to_columns(expected_attrs))
        return cls._from_db_object(context, cls(), row, expected_attrs)

    @base.remotable_classmethod
    def get_by_id(cls, context, inst_id, expected_attrs=None):
        if expected_attrs is None:
            expected_attrs = list(INSTANCE_DEFAULT_FIELDS)
        row = db.instance_get(context, inst_id,
                              columns_to_join=expected_attrs_to_columns(expected_attrs))
        return cls._from_db_object(context, cls(), row, expected_attrs)

    # -- writing

    @staticmethod
    def _column_values(updates):
        values = {}
        for name, value in updates.items():
            if name in INSTANCE_OPTIONAL_ATTRS or name in ("deleted", "id"):
                continue
            if name in ("access_ip_v4", "access_ip_v6") and value is not None:
                value = str(value)
            elif name == "cleaned":
                value = int(bool(value))
            values[name] = value
        return values

    def _create_values(self):
        """What db.instance_create takes for this new instance, and the
        attributes the read back does not return."""
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if self.obj_attr_is_set("deleted") and self.deleted:
            raise exception.ObjectActionError(action="create", reason="already deleted")
        if not self.obj_attr_is_set("uuid"):
            self.uuid = uuidutils.generate_uuid()
        self.obj_set_defaults("locked", "auto_disk_config", "shutdown_terminate",
                              "disable_terminate", "cleaned", "hidden")
        changes = self.obj_get_changes()
        values = self._column_values(changes)
        values["metadata"] = changes.get("metadata") or {}
        values["system_metadata"] = changes.get("system_metadata") or {}
        if changes.get("info_cache") is not None:
            network_info = self.info_cache.network_info
            values["info_cache"] = {"network_info": jsonutils.dumps(
                network_info if network_info is not None else [])}
        extra = {}
        if any(a in changes for a in _FLAVOR_ATTRS):
            extra["flavor"] = self._flavors_to_db()
        if changes.get("keypairs") is not None:
            extra["keypairs"] = jsonutils.dumps(self.keypairs.obj_to_primitive())
        if changes.get("device_metadata") is not None:
            extra["device_metadata"] = jsonutils.dumps(self.device_metadata)
        values["extra"] = extra
        if changes.get("tags") is not None:
            if len(self.tags) > MAX_TAG_COUNT:
                raise exception.TagLimitExceeded(max=MAX_TAG_COUNT)
            values["tags"] = [t.tag for t in self.tags]
        kept = {a: getattr(self, a) for a in _FLAVOR_ATTRS + ("keypairs", "fault")
                if self.obj_attr_is_set(a)}
        return values, kept

    def _created(self, row, kept):
        self._from_db_object(self._context, self, row,
                             ["metadata", "system_metadata", "info_cache", "tags"])
        for attr, value in kept.items():
            setattr(self, attr, value)
            if value is not None:
                value.obj_reset_changes(recursive=True)
        self.obj_reset_changes()

    @base.remotable
    def create(self):
        values, kept = self._create_values()
        self._created(db.instance_create(self._context, values), kept)

    @classmethod
    def create_many(cls, context, instances):
        """Create new ``instances`` (all of one cell) with a few statements.

        Not remotable: for callers next to the database (the conductor).
        InstanceExists when one of the uuids is taken.
        """
        prepared = [instance._create_values() for instance in instances]
        rows = db.instance_create_many(context, [values for values, _ in prepared])
        for instance, row, (_, kept) in zip(instances, rows, prepared):
            instance._context = context
            instance._created(row, kept)

    @base.remotable
    def save(self, expected_vm_state=None, expected_task_state=None,
             admin_state_reset=False):
        """Write the changes; with expected_* only if the instance still is in
        one of those states (else UnexpectedTaskStateError and friends).

        A list given as expected_task_state may contain None ("no task").
        """
        changes = self.obj_what_changed()
        values = self._column_values({name: getattr(self, name) for name in changes})
        if "metadata" in changes:
            values["metadata"] = dict(self.metadata)
        if "system_metadata" in changes:
            values["system_metadata"] = dict(self.system_metadata)
        extra = {}
        if any(a in changes for a in _FLAVOR_ATTRS):
            # The three flavors share one column: load the ones not held here
            # so that writing one does not drop the others.
            for attr in _FLAVOR_ATTRS:
                getattr(self, attr)
            extra["flavor"] = self._flavors_to_db()
        if "keypairs" in changes and self.keypairs is not None:
            extra["keypairs"] = jsonutils.dumps(self.keypairs.obj_to_primitive())
        if "device_metadata" in changes:
            extra["device_metadata"] = None if self.device_metadata is None else \
                jsonutils.dumps(self.device_metadata)
        if extra:
            values["extra"] = extra
        expected = {}
        if expected_vm_state is not None:
            expected["vm_state"] = expected_vm_state
        if expected_task_state is not None:
            expected["task_state"] = expected_task_state

        if "info_cache" in changes and self.info_cache is not None:
            self.info_cache.save()

        if values or expected:
            row = db.instance_update(self._context, self.uuid, values, expected=expected)
            for field in self.fields:
                if field in INSTANCE_OPTIONAL_ATTRS or field not in row:
                    continue
                if field == "deleted":
                    self.deleted = bool(row["deleted"])
                elif field == "cleaned":
                    self.cleaned = bool(row["cleaned"])
                else:
                    setattr(self, field, row[field])
        for attr in _FLAVOR_ATTRS + ("keypairs",):
            value = getattr(self, attr) if self.obj_attr_is_set(attr) else None
            if value is not None:
                value.obj_reset_changes(recursive=True)
        self.obj_reset_changes()

    @base.remotable
    def destroy(self, hard_delete=False):
        """Delete the instance and its child rows (soft delete unless
        ``hard_delete``). An instance never given a host is only deleted
        while it still has none, so a racing scheduler cannot lose it."""
        if not self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="destroy", reason="already destroyed")
        if not self.obj_attr_is_set("uuid"):
            raise exception.ObjectActionError(action="destroy", reason="no uuid")
        host_must_be_unset = not self.obj_attr_is_set("host") or not self.host
        row = db.instance_destroy(self._context, self.uuid,
                                  host_must_be_unset=host_must_be_unset,
                                  hard_delete=hard_delete)
        self.deleted = True
        self.deleted_at = row["deleted_at"]
        self.obj_reset_changes(["deleted", "deleted_at"])
        del self.id

    @base.remotable
    def refresh(self, use_slave=False):
        loaded = [a for a in INSTANCE_OPTIONAL_ATTRS if self.obj_attr_is_set(a)]
        current = self.__class__.get_by_uuid(self._context, uuid=self.uuid,
                                             expected_attrs=loaded)
        current._context = None
        for field in self.fields:
            if not self.obj_attr_is_set(field) or not current.obj_attr_is_set(field):
                continue
            if getattr(self, field) != getattr(current, field):
                setattr(self, field, getattr(current, field))
        self.obj_reset_changes()

    @base.remotable
    def delete_metadata_key(self, key):
        """Remove one user metadata key, in the database and here."""
        metadata_db.instance_metadata_delete(self._context, self.uuid, key)
        changed = "metadata" in self.obj_what_changed()
        self.metadata.pop(key, None)
        if not changed:
            self.obj_reset_changes(["metadata"])

    # -- lazy loading

    def _loader_context(self):
        ctxt = self._context
        if self.obj_attr_is_set("deleted") and self.deleted and ctxt.read_deleted != "yes":
            ctxt = copy.copy(ctxt)
            ctxt.read_deleted = "yes"
        return ctxt

    def obj_load_attr(self, attrname):
        if attrname not in INSTANCE_OPTIONAL_ATTRS:
            raise exception.ObjectActionError(
                action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_load_attr",
                                                objtype=self.obj_name())
        if not self.obj_attr_is_set("uuid"):
            raise exception.ObjectActionError(action="obj_load_attr",
                                              reason="cannot load %s without uuid" % attrname)
        LOG.debug("Lazy-loading '%s' on Instance uuid %s", attrname, self.uuid)
        ctxt = self._loader_context()
        if attrname == "fault":
            self.fault = instance_fault.InstanceFault.get_latest_for_instance(ctxt, self.uuid)
        elif attrname == "info_cache":
            try:
                self.info_cache = instance_info_cache.InstanceInfoCache.get_by_instance_uuid(
                    ctxt, self.uuid)
            except exception.InstanceInfoCacheNotFound:
                self.info_cache = None
        elif attrname == "tags":
            if self.obj_attr_is_set("deleted") and self.deleted:
                self.tags = tag_obj.TagList(self._context, objects=[])
            else:
                self.tags = tag_obj.TagList.get_by_resource_id(ctxt, self.uuid)
        else:
            loaded = self.__class__.get_by_uuid(ctxt, uuid=self.uuid,
                                                expected_attrs=[attrname])
            names = [a for a in _FLAVOR_ATTRS if not self.obj_attr_is_set(a)] \
                if attrname in _FLAVOR_ATTRS else [attrname]
            for name in names:
                setattr(self, name, getattr(loaded, name))
            self.obj_reset_changes(names, recursive=True)
            return
        self.obj_reset_changes([attrname], recursive=True)

    # -- helpers used by the compute and API layers

    def get_flavor(self, namespace=None):
        return getattr(self, "%s_flavor" % namespace if namespace else "flavor")

    def set_flavor(self, flavor, namespace=None):
        setattr(self, "%s_flavor" % namespace if namespace else "flavor", flavor)

    def delete_flavor(self, namespace):
        setattr(self, "%s_flavor" % namespace, None)

    def get_network_info(self):
        if self.info_cache is None or self.info_cache.network_info is None:
            return []
        return self.info_cache.network_info


# The instance's own columns, as _from_db_object copies them.
_COLUMN_FIELDS = tuple(name for name in Instance.fields
                       if name not in INSTANCE_OPTIONAL_ATTRS and
                       name not in ("deleted", "cleaned"))


def _make_instance_list(context, inst_list, db_inst_list, expected_attrs):
    expected_attrs = list(expected_attrs or ())
    inst_list._context = context
    get_fault = "fault" in expected_attrs
    if get_fault:
        expected_attrs.remove("fault")
    cache = {}
    inst_list.objects = [Instance._from_db_object(context, Instance(context), row,
                                                  expected_attrs, cache=cache)
                         for row in db_inst_list]
    if get_fault:
        inst_list.fill_faults()
    inst_list.obj_reset_changes()
    return inst_list


@base.NovaObjectRegistry.register
class InstanceList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Instance")}

    @base.remotable_classmethod
    def get_by_filters(cls, context, filters, sort_key="created_at", sort_dir="desc",
                       limit=None, marker=None, expected_attrs=None, use_slave=False,
                       sort_keys=None, sort_dirs=None):
        """Instances matching ``filters`` (see
        nova.db.main.instances.instance_get_all_by_filters_sort), ``limit``
        at most, after the instance whose uuid is ``marker``."""
        if not sort_keys and not sort_dirs:
            sort_keys, sort_dirs = [sort_key], [sort_dir]
        rows = db.instance_get_all_by_filters_sort(
            context, filters, limit=limit, marker=marker,
            columns_to_join=expected_attrs_to_columns(expected_attrs),
            sort_keys=sort_keys, sort_dirs=sort_dirs)
        return _make_instance_list(context, cls(), rows, expected_attrs)

    @base.remotable_classmethod
    def get_by_host(cls, context, host, expected_attrs=None, use_slave=False):
        rows = db.instance_get_all_by_host(
            context, host, columns_to_join=expected_attrs_to_columns(expected_attrs))
        return _make_instance_list(context, cls(), rows, expected_attrs)

    @base.remotable_classmethod
    def get_by_host_and_node(cls, context, host, node, expected_attrs=None):
        rows = db.instance_get_all_by_host(
            context, host, node=node,
            columns_to_join=expected_attrs_to_columns(expected_attrs))
        return _make_instance_list(context, cls(), rows, expected_attrs)

    @base.remotable_classmethod
    def get_uuids_by_host(cls, context, host):
        return db.instance_get_uuids_by_host(context, host)

    @base.remotable_classmethod
    def get_uuids_by_host_and_node(cls, context, host, node):
        return db.instance_get_uuids_by_host(context, host, node=node)

    @base.remotable_classmethod
    def get_all(cls, context, expected_attrs=None):
        return cls.get_by_filters(context, {}, sort_keys=["id"], sort_dirs=["asc"],
                                  expected_attrs=expected_attrs)

    @base.remotable_classmethod
    def get_active_by_window_joined(cls, context, begin, end=None, project_id=None,
                                    host=None, expected_attrs=None, use_slave=False):
        """Instances (deleted ones too) that were alive at some time between
        ``begin`` and ``end``, for usage reports."""
        rows = db.instance_get_active_by_window(
            context, begin, end, project_id=project_id, host=host,
            columns_to_join=expected_attrs_to_columns(expected_attrs))
        return _make_instance_list(context, cls(), rows, expected_attrs)

    @base.remotable_classmethod
    def get_counts(cls, context, project_id, user_id=None):
        """{'project': {'instances', 'cores', 'ram'}, 'user': {...}} counted
        for quota; 'user' only when ``user_id`` is given."""
        return db.instance_get_counts(context, project_id, user_id=user_id)

    def fill_faults(self):
        """Set each instance's latest fault (None if it has none); returns the
        uuids of the instances that have one."""
        uuids = [inst.uuid for inst in self.objects]
        faults = instance_fault.InstanceFaultList.get_by_instance_uuids(
            self._context, uuids, latest=True) if uuids else []
        by_uuid = {}
        for fault in faults:
            by_uuid.setdefault(fault.instance_uuid, fault)
        for inst in self.objects:
            inst.fault = by_uuid.get(inst.uuid)
            inst.obj_reset_changes(["fault"])
        return set(by_uuid)
