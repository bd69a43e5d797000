"""The cell-database reads of a server listing, and the records they make.

``nova.compute.instance_list`` merges the instances of every cell into one
sorted page; the reads it makes in each cell are here, in the objects layer
(the only one besides nova/db that opens the databases).

A 1,000-server listing spent more time building Instance objects (their
fields, info caches, flavors and tag lists) than on anything else, only for
the views to read a few values back. ``from_rows`` makes one
``InstanceRecord`` per database row instead: the one light, read-only type
that stands for a listed instance. See its docstring for what it holds.
"""

import collections
import datetime
import operator

from oslo_versionedobjects import fields as ovo_fields

from nova.db.main import instance_faults as faults_db
from nova.db.main import instances as instances_db
from nova.db.main import query_utils
from nova.objects import instance as instance_obj

_Instance = instance_obj.Instance

Tag = collections.namedtuple("Tag", "tag")
InfoCache = collections.namedtuple("InfoCache", "instance_uuid network_info")
# The fields of an InstanceFault the views read.
Fault = collections.namedtuple("Fault", "instance_uuid code message details created_at")


# -- the reads of one cell -----------------------------------------------------

def process_sort_params(sort_keys, sort_dirs):
    """``(sort_keys, sort_dirs)`` completed as every cell sorts its instances."""
    return query_utils.process_sort_params(sort_keys, sort_dirs)


def get_rows(cctxt, filters, limit, marker_values, sort_keys, sort_dirs, columns):
    """The instance rows (mappings, with the related data of ``columns``) of
    the cell ``cctxt`` targets, sorted, after ``marker_values``, at most
    ``limit``."""
    return instances_db.instance_get_all_by_filters_sort(
        cctxt, filters, limit=limit, marker_values=marker_values,
        columns_to_join=columns, sort_keys=sort_keys, sort_dirs=sort_dirs)


def get_sort_values(cctxt, uuid, sort_keys):
    """{key: value} of instance ``uuid`` (deleted or not) for ``sort_keys``;
    InstanceNotFound when the cell has no such instance."""
    row = instances_db.instance_get_by_uuid(cctxt, uuid, read_deleted="yes")
    return {key: row[key] for key in sort_keys}


def get_volume_attachments(cctxt, uuids):
    """``[(instance uuid, volume_id, delete_on_termination), ...]`` in one query."""
    return instances_db.instance_volume_attachments(cctxt, uuids)


def latest_faults(context, instance_uuids):
    """{instance uuid: the newest Fault} of those instances that have one."""
    latest = {}
    for row in faults_db.instance_fault_get_by_instance_uuids(context, instance_uuids,
                                                              latest=True):
        latest.setdefault(row["instance_uuid"], Fault(
            row["instance_uuid"], row["code"], row["message"], row["details"],
            row["created_at"]))
    return latest


# -- records -------------------------------------------------------------------

# Field types whose database values the views read as they are.
_AS_STORED = {ovo_fields.Integer: int, ovo_fields.String: str, ovo_fields.Boolean: bool,
              ovo_fields.Float: float, ovo_fields.UUID: str,
              ovo_fields.DateTime: datetime.datetime}
# deleted and cleaned are stored as integers: from_rows makes them booleans.
COLUMNS = tuple(name for name in _Instance.fields
                if name not in instance_obj.INSTANCE_OPTIONAL_ATTRS and
                name not in ("deleted", "cleaned"))


def _column_plan():
    plan = []
    for name in COLUMNS:
        field = _Instance.fields[name]
        plan.append((name, field, _AS_STORED.get(type(field._type)), field.nullable))
    return tuple(plan)


_PLAN = _column_plan()
_read_columns = operator.itemgetter(*COLUMNS)
_NONE = type(None)


def _as_stored(types):
    """Whether columns of these value types are all kept as they are."""
    return all((kind is stored) or (kind is _NONE and nullable)
               for kind, (_n, _f, stored, nullable) in zip(types, _PLAN))


class InstanceRecord:
    """The values of one listed instance, read like an Instance's.

    The one read-only stand-in for an Instance that listings hand to the
    views. It answers what the views use of an Instance, the same way:

    * every loaded field as an attribute of the same name (an unloaded one
      raises AttributeError: records never load anything);
    * ``obj_attr_is_set(name)``, ``name`` (the hypervisor-side name) and
      ``fields``.

    Values: columns as the database returns them when the field would keep
    them unchanged (or only attach a time zone the views do not print), and
    coerced by the field otherwise (IP addresses, enums); ``flavor``,
    ``old_flavor`` and ``new_flavor`` are real Flavor objects shared by the
    records of one listing with the same stored flavor; ``info_cache`` is an
    ``InfoCache`` whose ``network_info`` stays the stored JSON text;
    ``tags`` a sorted tuple of ``Tag``; ``fault`` a ``Fault`` or None (set
    by the listing). Records are for reading: nothing saves or sends them.
    """

    fields = _Instance.fields
    name = _Instance.name  # the hypervisor-side name, as the object computes it
    # Asked of every listed server: not a build request's instance, not the
    # minimal record of a down cell's server.
    _build_request = None
    _down_cell = False

    def obj_attr_is_set(self, name):
        return name in self.__dict__

    def set_field(self, name, value):
        """Give the record the field ``name`` (as loading it would)."""
        setattr(self, name, value)


def _probe(context):
    """An empty Instance the fields' coercions may look at."""
    return _Instance(context)


def from_rows(context, rows, expected_attrs, cache):
    """One record per instance row of ``get_rows`` (with the related data of
    ``expected_attrs`` joined). ``fault`` is left to the caller; ``cache``
    is a dict kept for one listing (shared flavors)."""
    probe = _probe(context)
    want_metadata = "metadata" in expected_attrs
    want_sysmeta = "system_metadata" in expected_attrs
    want_cache = "info_cache" in expected_attrs
    want_tags = "tags" in expected_attrs
    want_flavor = any(a in expected_attrs for a in ("flavor", "old_flavor", "new_flavor"))
    flavors = cache.setdefault("record_flavors", {})
    new = InstanceRecord.__new__
    records = []
    kept = set()  # value type tuples seen to need no coercion
    for row in rows:
        record = new(InstanceRecord)
        state = record.__dict__
        state["_context"] = context
        values = _read_columns(row)
        types = tuple(map(type, values))
        if types in kept or _as_stored(types):
            kept.add(types)
            state.update(zip(COLUMNS, values))
        else:
            for (name, field, stored, nullable), value in zip(_PLAN, values):
                if not ((value is None and nullable) or type(value) is stored):
                    value = field.coerce(probe, name, value)
                state[name] = value
        state["deleted"] = bool(row["deleted"])
        state["cleaned"] = bool(row["cleaned"])
        if want_metadata:
            state["metadata"] = row["metadata"]
        if want_sysmeta:
            state["system_metadata"] = row["system_metadata"]
        if want_cache:
            cache_row = row.get("info_cache")
            state["info_cache"] = None if cache_row is None else InfoCache(
                cache_row["instance_uuid"], cache_row["network_info"])
        if want_tags:
            state["tags"] = tuple(Tag(t) for t in sorted(row["tags"]))
        if want_flavor:
            text = row["extra"]["flavor"]
            shared = flavors.get(text)
            if shared is None:
                shared = flavors[text] = instance_obj._flavors_from_text(text, context)
            state.update(shared)
        records.append(record)
    return records
