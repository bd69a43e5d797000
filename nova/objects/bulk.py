"""Many objects from database rows at once: the fast path of the list queries.

``build`` makes the objects and ``reader`` reads several fields of each back
(the list views), both without going through every field's property.

A list call may build thousands of objects. Setting each field through its
property (coercion, then change tracking) is most of that cost, although the
database already hands back values of the field's Python type. ``build``
stores such values directly and coerces every other value exactly as the
property would (so enums are still checked and naive datetimes still become
UTC ones). The objects come out clean, as ``obj_reset_changes()`` leaves them.
"""

import datetime
import operator

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields as ovo_fields

# Field types whose coercion returns a value of exactly this Python type
# unchanged. Subclasses (Enum is a String) are not listed: they check more.
_PASS_THROUGH = {
    ovo_fields.Integer: int,
    ovo_fields.String: str,
    ovo_fields.Boolean: bool,
    ovo_fields.Float: float,
}

_plans = {}


def _plan(cls, names):
    key = (cls, names)
    plan = _plans.get(key)
    if plan is None:
        plan = tuple((name, ovo_base._get_attrname(name), cls.fields[name],
                      _PASS_THROUGH.get(type(cls.fields[name]._type)),
                      cls.fields[name].nullable)
                     for name in names)
        _plans[key] = plan
    return plan


def build(cls, context, rows, names, constants=None):
    """A clean ``cls`` object per mapping of ``rows``.

    ``names`` (a tuple) are the fields read from each row by the same name;
    ``constants`` maps further fields to one value every object gets (it must
    be immutable or already of the field's type).
    """
    plan = _plan(cls, tuple(names))
    fixed = {}
    if constants:
        probe = cls.__new__(cls)
        probe._changed_fields = set()
        probe._context = context
        for name, value in constants.items():
            fixed[ovo_base._get_attrname(name)] = cls.fields[name].coerce(probe, name, value)
    new = cls.__new__
    objs = []
    append = objs.append
    for row in rows:
        obj = new(cls)
        state = obj.__dict__
        state["_changed_fields"] = set()
        state["_context"] = context
        for name, attr, field, exact, nullable in plan:
            value = row[name]
            if not ((exact is not None and type(value) is exact)
                    or (value is None and nullable)):
                value = field.coerce(obj, name, value)
            state[attr] = value
        if fixed:
            state.update(fixed)
        append(obj)
    return objs


def make_list(list_cls, context, objs):
    """A clean ``list_cls`` holding ``objs`` (built by ``build``)."""
    result = list_cls(context)
    result.__dict__[ovo_base._get_attrname("objects")] = objs
    result.obj_reset_changes()
    return result


def reader(names):
    """A function returning the tuple of fields ``names`` of an object.

    Fields already set are read straight from the object's state; if any is
    not, the properties are used, so lazy-loading fields still load.
    """
    names = tuple(names)
    if len(names) < 2:
        raise ValueError("reader() reads two fields or more")
    from_state = operator.itemgetter(*[ovo_base._get_attrname(n) for n in names])
    from_properties = operator.attrgetter(*names)

    def read(obj):
        try:
            return from_state(obj.__dict__)
        except KeyError:
            return from_properties(obj)
    return read


# -- one object at a time: rows with related data, stored primitives ----------

_fill_plans = {}


def _fill_plan(cls):
    """{field name: (attribute, pass-through type, aware datetime?, nullable, field)}."""
    plan = _fill_plans.get(cls)
    if plan is None:
        plan = {}
        for name, field in cls.fields.items():
            kind = type(field._type)
            if kind is ovo_fields.DateTime and field._type.tzinfo_aware:
                special = _aware_datetime
            elif kind is ovo_fields.UUID:
                special = _uuid
            elif kind is ovo_fields.Dict and \
                    type(field._type._element_type._type) is ovo_fields.String:
                special = _string_dict
            else:
                special = None
            plan[name] = (ovo_base._get_attrname(name), _PASS_THROUGH.get(kind), special,
                          field.nullable, field)
        _fill_plans[cls] = plan
    return plan


def fill(obj, values):
    """Store ``values`` (field name -> value) on ``obj`` as its properties would,
    without marking them changed. Nested objects must already be built."""
    plan = _fill_plan(type(obj))
    state = obj.__dict__
    for name, value in values.items():
        attr, exact, special, nullable, field = plan[name]
        if value is None:
            if not nullable:
                value = field.coerce(obj, name, value)
        elif type(value) is exact:
            pass
        elif special is not None:
            value = special(obj, name, field, value)
        else:
            value = field.coerce(obj, name, value)
        state[attr] = value


def _aware_datetime(obj, name, field, value):
    if type(value) is datetime.datetime:
        return value.replace(tzinfo=datetime.timezone.utc) \
            if value.utcoffset() is None else value
    return field.coerce(obj, name, value)


def _uuid(obj, name, field, value):
    # A stored string is taken as it is: the field's coercion would only warn
    # (not fail) about a malformed one, at a cost that dominates a list.
    return value if type(value) is str else field.coerce(obj, name, value)


def _string_dict(obj, name, field, value):
    """A dict of str (or None where allowed) values, coerced as Dict(String) would
    (the same CoercedDict) without coercing each item again."""
    element = field._type._element_type
    if type(value) is dict:
        nullable = element.nullable
        for key, item in value.items():
            if type(key) is not str or not (type(item) is str or
                                            (item is None and nullable)):
                break
        else:
            result = ovo_fields.CoercedDict()
            result.enable_coercing(element, obj, name)
            dict.update(result, value)
            return result
    return field.coerce(obj, name, value)


def from_row(cls, context, row, names):
    """A clean ``cls`` object (its __init__ run) from the ``names`` of mapping ``row``."""
    obj = cls(context)
    fill(obj, {name: row[name] for name in names})
    obj.obj_reset_changes()
    return obj


_classes = {}


def from_primitive(primitive, context, templates=None):
    """The object a stored ``obj_to_primitive()`` describes, as
    ``obj_from_primitive`` followed by ``obj_reset_changes(recursive=True)``
    leaves it.

    ``templates`` (a dict kept by the caller, with the primitives alive for
    as long) remembers the object built for each primitive: the next call
    for the same primitive copies its values instead of decoding them again.
    """
    from nova.objects import base
    if templates is not None:
        template = templates.get(id(primitive))
        if template is not None and template[0] is primitive:
            return _copy_flat(template[1], context)
    field_of = base.NovaObject._obj_primitive_field
    name = field_of(primitive, "name")
    version = field_of(primitive, "version")
    if field_of(primitive, "namespace") != base.NovaObject.OBJ_PROJECT_NAMESPACE:
        obj = base.NovaObject.obj_from_primitive(primitive, context=context)
        obj.obj_reset_changes(recursive=True)
        return obj
    cls = _classes.get((name, version))
    if cls is None:
        cls = _classes[(name, version)] = base.NovaObject.obj_class_from_name(name,
                                                                              version)
    obj = cls(context)
    if version != cls.VERSION:
        obj.VERSION = version
    fields = cls.fields
    values = {}
    flat = True
    for key, value in field_of(primitive, "data").items():
        field = fields.get(key)
        if field is None:
            continue
        if value is not None:
            if isinstance(field, ovo_fields.ObjectField):
                value = from_primitive(value, context)
                flat = False
            else:
                value = field.from_primitive(obj, key, value)
                if isinstance(field, ovo_fields.ListOfObjectsField):
                    for item in value:
                        item.obj_reset_changes(recursive=True)
                    flat = False
        values[key] = value
    fill(obj, values)
    obj.obj_reset_changes()
    if templates is not None and flat:
        templates[id(primitive)] = (primitive, obj)
    return obj


def _copy_flat(template, context):
    """A new object with the values of ``template`` (no nested objects), clean."""
    cls = type(template)
    obj = cls(context)
    if template.VERSION != cls.VERSION:
        obj.VERSION = template.VERSION
    state = obj.__dict__
    plan = _fill_plan(cls)
    for name, (attr, _exact, special, _nullable, field) in plan.items():
        if attr not in template.__dict__:
            continue
        value = template.__dict__[attr]
        if isinstance(value, (dict, list, set)):
            # Containers are coerced again: new ones, bound to the new object.
            plain = dict(value) if isinstance(value, dict) else \
                list(value) if isinstance(value, list) else set(value)
            value = special(obj, name, field, plain) if special is _string_dict \
                else field.coerce(obj, name, plain)
        state[attr] = value
    obj.obj_reset_changes()
    return obj


class StateKeys(dict):
    """field name -> the key of its value in an object's ``__dict__``.

    ``obj.__dict__.get(keys[name], missing)`` reads a field that is set
    without going through its property (and without lazy-loading it).
    """

    def __missing__(self, name):
        key = self[name] = ovo_base._get_attrname(name)
        return key
