"""Many objects from database rows or stored primitives, through public calls only.

``build`` makes one clean object per row, ``make_list`` wraps them in a list
object, ``reader`` reads several fields of an object back at once, ``fill``
sets fields from a mapping and ``from_primitive`` decodes a stored
``obj_to_primitive()`` (sharing the decoding of a primitive seen before).

Every value goes through the field's property, as ``setattr`` does: coerced
and checked exactly as anywhere else (enums checked, naive datetimes made
UTC ones). Nothing here touches oslo.versionedobjects' private state; the
objects come out clean, as ``obj_reset_changes()`` leaves them.
"""

import operator

from oslo_versionedobjects import fields as ovo_fields


def build(cls, context, rows, names, constants=None):
    """A clean ``cls`` object per mapping of ``rows``.

    ``names`` (a tuple) are the fields read from each row by the same name;
    ``constants`` maps further fields to one value every object gets.
    """
    constants = tuple((constants or {}).items())
    objs = []
    for row in rows:
        obj = cls(context)
        for name in names:
            setattr(obj, name, row[name])
        for name, value in constants:
            setattr(obj, name, value)
        obj.obj_reset_changes()
        objs.append(obj)
    return objs


def make_list(list_cls, context, objs):
    """A clean ``list_cls`` holding ``objs`` (built by ``build``)."""
    result = list_cls(context, objects=objs)
    result.obj_reset_changes()
    return result


def reader(names):
    """A function returning the tuple of fields ``names`` of an object (read
    through the properties, so lazy-loading fields still load)."""
    names = tuple(names)
    if len(names) < 2:
        raise ValueError("reader() reads two fields or more")
    return operator.attrgetter(*names)


def fill(obj, values):
    """Set ``values`` (field name -> value) on ``obj`` through its properties,
    without leaving them marked changed. Nested objects must already be built."""
    for name, value in values.items():
        setattr(obj, name, value)
    obj.obj_reset_changes(values.keys())


def from_row(cls, context, row, names):
    """A clean ``cls`` object (its __init__ run) from the ``names`` of mapping ``row``."""
    obj = cls(context)
    fill(obj, {name: row[name] for name in names})
    obj.obj_reset_changes()
    return obj


def from_primitive(primitive, context, templates=None):
    """The object a stored ``obj_to_primitive()`` describes, as
    ``obj_from_primitive`` followed by ``obj_reset_changes(recursive=True)``
    leaves it.

    ``templates`` (a dict kept by the caller, with the primitives alive for
    as long) remembers the object built for each primitive: the next call
    for the same primitive copies its field values (new containers) instead
    of decoding it again, when it holds no nested object.
    """
    from nova.objects import base
    if templates is not None:
        template = templates.get(id(primitive))
        if template is not None and template[0] is primitive:
            return _copy_flat(template[1], context)
    obj = base.NovaObject.obj_from_primitive(primitive, context=context)
    obj.obj_reset_changes(recursive=True)
    if templates is not None and _is_flat(obj):
        templates[id(primitive)] = (primitive, obj)
    return obj


def _is_flat(obj):
    return not any(isinstance(field, (ovo_fields.ObjectField,
                                      ovo_fields.ListOfObjectsField))
                   and obj.obj_attr_is_set(name)
                   for name, field in obj.fields.items())


def _copy_flat(template, context):
    """A new object with the values of ``template`` (no nested objects), clean."""
    cls = type(template)
    obj = cls(context)
    if template.VERSION != cls.VERSION:
        obj.VERSION = template.VERSION
    for name in cls.fields:
        if not template.obj_attr_is_set(name):
            continue
        value = getattr(template, name)
        if isinstance(value, dict):
            value = dict(value)
        elif isinstance(value, list):
            value = list(value)
        elif isinstance(value, set):
            value = set(value)
        setattr(obj, name, value)
    obj.obj_reset_changes()
    return obj
