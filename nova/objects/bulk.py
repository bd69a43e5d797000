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
