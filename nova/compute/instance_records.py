"""Read-only records of listed instances: what the server list views read.

A 1,000-server listing spent more time building Instance objects (their
fields, info caches, flavors and tag lists) than on anything else, only for
the views to read a few values back. ``from_rows`` makes one
``InstanceRecord`` per database row instead:

* column values are kept as the database returns them when the field would
  keep them unchanged (or only attach a time zone the views do not print),
  and coerced by the field otherwise (IP addresses, enums);
* ``flavor``/``old_flavor``/``new_flavor`` are real Flavor objects, built
  once per distinct instance_extra.flavor text and shared by the records
  holding that text;
* ``info_cache.network_info`` stays the stored JSON text (the views parse
  it, as plain dicts);
* ``tags`` is a tuple of ``(tag,)`` named tuples, sorted; ``fault`` is set
  by the caller, to a ``Fault`` tuple from ``latest_faults`` or None.

A record answers the same attribute names and ``obj_attr_is_set`` as an
Instance, and keeps its values in ``__dict__`` under the same keys (see
``nova.objects.bulk.StateKeys``), so the views take either. Records are for
reading: nothing saves or sends them anywhere.
"""

import collections
import datetime
import operator

from oslo_versionedobjects import fields as ovo_fields

from nova.db.main import instance_faults as faults_db
from nova.objects import bulk
from nova.objects import instance as instance_obj

_KEYS = bulk.StateKeys()
_Instance = instance_obj.Instance

Tag = collections.namedtuple("Tag", "tag")
InfoCache = collections.namedtuple("InfoCache", "instance_uuid network_info")
# The fields of an InstanceFault the views read.
Fault = collections.namedtuple("Fault", "instance_uuid code message details created_at")

# Field types whose database values the views read as they are.
_AS_STORED = {ovo_fields.Integer: int, ovo_fields.String: str, ovo_fields.Boolean: bool,
              ovo_fields.Float: float, ovo_fields.UUID: str,
              ovo_fields.DateTime: datetime.datetime}
# deleted and cleaned are stored as integers: from_rows makes them booleans.
_COLUMNS = tuple(name for name in _Instance.fields
                 if name not in instance_obj.INSTANCE_OPTIONAL_ATTRS and
                 name not in ("deleted", "cleaned"))


def _column_plan():
    plan = []
    for name in _COLUMNS:
        field = _Instance.fields[name]
        plan.append((name, _KEYS[name], field, _AS_STORED.get(type(field._type)),
                     field.nullable))
    return tuple(plan)


_PLAN = _column_plan()
_STATE_KEYS = tuple(key for _name, key, _field, _stored, _nullable in _PLAN)
_read_columns = operator.itemgetter(*[name for name, _k, _f, _s, _n in _PLAN])
_NONE = type(None)


def _as_stored(types):
    """Whether columns of these value types are all kept as they are."""
    return all((kind is stored) or (kind is _NONE and nullable)
               for kind, (_n, _k, _f, stored, nullable) in zip(types, _PLAN))


class InstanceRecord:
    """The values of one listed instance, read like an Instance's."""

    fields = _Instance.fields
    name = _Instance.name  # the hypervisor-side name, as the object computes it
    # Asked of every listed server: answered here rather than by __getattr__.
    _build_request = None  # not a build request's instance
    _down_cell = False  # not the minimal record of a down cell's server

    def __getattr__(self, name):
        # Only reached for what __dict__ does not hold under the name itself.
        try:
            return self.__dict__[_KEYS[name]]
        except KeyError:
            raise AttributeError(name) from None

    def obj_attr_is_set(self, name):
        return _KEYS[name] in self.__dict__


def set_value(record, name, value):
    """Give ``record`` the field ``name`` (as loading it would)."""
    record.__dict__[_KEYS[name]] = value


def _probe(context):
    """An empty Instance the fields' coercions may look at."""
    probe = _Instance.__new__(_Instance)
    probe._changed_fields = set()
    probe._context = context
    return probe


def from_rows(context, rows, expected_attrs, cache):
    """One record per instance row of nova.db.main.instances (with the related
    data of ``expected_attrs`` joined). ``fault`` is left to the caller;
    ``cache`` is a dict kept for one listing (shared flavors)."""
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
            state.update(zip(_STATE_KEYS, values))
        else:
            for (name, key, field, stored, nullable), value in zip(_PLAN, values):
                if not ((value is None and nullable) or type(value) is stored):
                    value = field.coerce(probe, name, value)
                state[key] = value
        # Read for every server: also under their own names (no __getattr__).
        state["uuid"] = state[_KEYS["uuid"]]
        state["host"] = state[_KEYS["host"]]
        state[_KEYS["deleted"]] = bool(row["deleted"])
        state[_KEYS["cleaned"]] = bool(row["cleaned"])
        if want_metadata:
            state[_KEYS["metadata"]] = row["metadata"]
        if want_sysmeta:
            state[_KEYS["system_metadata"]] = row["system_metadata"]
        if want_cache:
            cache_row = row.get("info_cache")
            state[_KEYS["info_cache"]] = None if cache_row is None else InfoCache(
                cache_row["instance_uuid"], cache_row["network_info"])
        if want_tags:
            state[_KEYS["tags"]] = tuple(Tag(t) for t in sorted(row["tags"]))
        if want_flavor:
            text = row["extra"]["flavor"]
            shared = flavors.get(text)
            if shared is None:
                shared = flavors[text] = instance_obj._flavors_from_text(text, context)
            for attr, flavor in shared.items():
                state[_KEYS[attr]] = flavor
        records.append(record)
    return records


def latest_faults(context, instance_uuids):
    """{instance uuid: the newest Fault} of those instances that have one."""
    latest = {}
    for row in faults_db.instance_fault_get_by_instance_uuids(context, instance_uuids,
                                                              latest=True):
        latest.setdefault(row["instance_uuid"], Fault(
            row["instance_uuid"], row["code"], row["message"], row["details"],
            row["created_at"]))
    return latest
