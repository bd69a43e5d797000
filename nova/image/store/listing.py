"""GET /v2/images: which images a caller sees, filters, sorting and paging."""

from urllib import parse

import sqlalchemy as sa
from oslo_utils import strutils
from oslo_utils import timeutils
import webob.exc

from nova.image.store import db
from nova.image.store import schema

images = db.images
_PAGING = ("limit", "marker", "sort_key", "sort_dir", "sort")
_SPECIAL = ("visibility", "member_status", "tag", "size_min", "size_max", "os_hidden",
            "protected", "created_at", "updated_at")
_IN_ALLOWED = ("id", "name", "status", "container_format", "disk_format", "owner")
_DATE_OPS = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__",
             "eq": "__eq__", "neq": "__ne__"}


def _bad(message):
    raise webob.exc.HTTPBadRequest(explanation=message)


def _member_exists(project_id, status=None):
    cond = [db.members.c.image_id == images.c.id, db.members.c.member == project_id]
    if status is not None:
        cond.append(db.members.c.status == status)
    return sa.exists(sa.select(db.members.c.image_id).where(*cond))


def visible_condition(ctx, visibility, member_status):
    """Images the caller may list, narrowed to ``visibility`` when given."""
    if member_status not in ("accepted", "pending", "rejected", "all"):
        _bad("Invalid status value: %s" % member_status)
    status = None if member_status == "all" else member_status
    if visibility is not None and visibility not in schema.VISIBILITIES + ["all"]:
        _bad("Invalid visibility value: %s" % visibility)
    if ctx.is_admin:
        if visibility in (None, "all"):
            return sa.true()
        return images.c.visibility == visibility
    project = ctx.project_id
    own = images.c.owner == project
    shared = sa.and_(images.c.visibility == "shared",
                     sa.or_(own, _member_exists(project, status)))
    if visibility is None:
        return sa.or_(own, images.c.visibility == "public", shared)
    if visibility == "all":
        return sa.or_(own, images.c.visibility.in_(("public", "community")), shared)
    if visibility == "private":
        return sa.and_(images.c.visibility == "private", own)
    if visibility == "shared":
        return shared
    return images.c.visibility == visibility


def _date_condition(column, raw):
    op, sep, value = raw.partition(":")
    if not sep or op not in _DATE_OPS:
        op, value = "eq", raw
    try:
        when = timeutils.parse_isotime(value).replace(tzinfo=None)
    except ValueError:
        _bad("Unable to filter on a date: %r is not an ISO 8601 time." % value)
    return getattr(column, _DATE_OPS[op])(when)


def _int(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        _bad("%s must be an integer, not %r." % (name, value))
    if number < 0:
        _bad("%s must be a non-negative integer." % name)
    return number


def _bool(value, name):
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        _bad("Invalid value for %s: %r (expected true or false)." % (name, value))


def conditions(ctx, params):
    """SQL conditions for the filters of ``params`` (a webob MultiDict)."""
    where = [visible_condition(ctx, params.get("visibility"),
                               params.get("member_status", "accepted"))]
    if "os_hidden" in params:
        where.append(images.c.os_hidden == _bool(params["os_hidden"], "os_hidden"))
    else:
        where.append(images.c.os_hidden == sa.false())
    if "protected" in params:
        where.append(images.c.protected == _bool(params["protected"], "protected"))
    if "size_min" in params:
        where.append(images.c.size >= _int(params["size_min"], "size_min"))
    if "size_max" in params:
        where.append(images.c.size <= _int(params["size_max"], "size_max"))
    for key in ("created_at", "updated_at"):
        if key in params:
            where.append(_date_condition(images.c[key], params[key]))
    for tag in params.getall("tag"):
        where.append(sa.exists(sa.select(db.tags.c.image_id).where(
            db.tags.c.image_id == images.c.id, db.tags.c.value == tag)))
    for key, value in params.items():
        if key in _PAGING or key in _SPECIAL:
            continue
        if key in db.CORE_COLUMNS:
            if value.startswith("in:"):
                if key not in _IN_ALLOWED:
                    _bad("The 'in' operator is not supported for %s." % key)
                where.append(images.c[key].in_(_split_in(value[3:])))
            elif key in ("min_ram", "min_disk"):
                where.append(images.c[key] == _int(value, key))
            else:
                where.append(images.c[key] == value)
        else:
            where.append(sa.exists(sa.select(db.properties.c.image_id).where(
                db.properties.c.image_id == images.c.id, db.properties.c.name == key,
                db.properties.c.value == value)))
    return where


def _split_in(raw):
    # Values may be quoted to hold commas: in:"a,b",c
    values, current, quoted = [], "", False
    for char in raw:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            values.append(current)
            current = ""
        else:
            current += char
    values.append(current)
    return values


def sorting(params):
    """[(key, direction)] from ``sort`` or ``sort_key``/``sort_dir``; created_at desc."""
    if "sort" in params and ("sort_key" in params or "sort_dir" in params):
        _bad("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.")
    result = []
    if "sort" in params:
        for item in params["sort"].split(","):
            key, _sep, direction = item.strip().partition(":")
            result.append((key, direction or "desc"))
    else:
        keys = [k.strip() for v in params.getall("sort_key") for k in v.split(",")]
        dirs = [d.strip() for v in params.getall("sort_dir") for d in v.split(",")]
        if len(dirs) > 1 and len(dirs) != len(keys):
            _bad("Number of sort dirs does not match the number of sort keys.")
        for i, key in enumerate(keys):
            direction = dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc")
            result.append((key, direction))
        if not keys and dirs:
            result.append(("created_at", dirs[0]))
    for key, direction in result:
        if key not in db.SORT_KEYS:
            _bad("Invalid sort key: %s. It should be one of the following: %s." % (
                key, ", ".join(sorted(db.SORT_KEYS))))
        if direction not in ("asc", "desc"):
            _bad("Invalid sort direction: %s" % direction)
    return result or [("created_at", "desc")]


def limit(params, default, maximum):
    if "limit" not in params:
        return default
    return min(_int(params["limit"], "limit"), maximum)


def page_links(params, last_id, more):
    """``first`` and (when there is more) ``next``, keeping the caller's filters."""
    kept = [(k, v) for k, v in params.items() if k != "marker"]
    first = "/v2/images" + ("?" + parse.urlencode(kept) if kept else "")
    links = {"first": first}
    if more and last_id:
        links["next"] = "/v2/images?" + parse.urlencode(kept + [("marker", last_id)])
    return links
