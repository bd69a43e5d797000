"""API-database queries on flavors, their extra specs and their project access.

Reads are SQLAlchemy Core selects returning plain dicts: a listing of a
thousand flavors costs one query for the flavors and, only when the caller
asks for them, one more for all their extra specs. Project access lists are
never read with a listing (only the flavor-access API needs them).
"""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as sqlalchemyutils
import sqlalchemy as sa

from nova.db.api import api
from nova.db.api import models
from nova import exception

_FLAVORS = models.Flavor.__table__
_SPECS = models.FlavorExtraSpecs.__table__
_ACCESS = models.FlavorProjects.__table__

# The columns of a flavor row, in table order (the keys of every flavor dict).
COLUMNS = tuple(_FLAVORS.c.keys())


def _shared_with(project_id):
    """The flavors whose access list names ``project_id``."""
    return sa.exists().where(_ACCESS.c.flavor_id == _FLAVORS.c.id,
                             _ACCESS.c.project_id == project_id)


def _visible(context, stmt):
    """Flavors the caller may see: all for admins, else public or shared with them."""
    if context.is_admin:
        return stmt
    return stmt.where(sa.or_(_FLAVORS.c.is_public == sa.true(),
                             _shared_with(context.project_id)))


def _flavor_rows(context, stmt):
    return [dict(zip(COLUMNS, row)) for row in context.session.execute(stmt)]


def _specs_by_flavor(context, ids_stmt):
    """``{flavor primary key: {key: value}}`` for the flavors ``ids_stmt`` selects."""
    ids = ids_stmt.subquery()
    stmt = (sa.select(_SPECS.c.flavor_id, _SPECS.c.key, _SPECS.c.value)
            .join(ids, ids.c.id == _SPECS.c.flavor_id))
    specs = {}
    for flavor_id, key, value in context.session.execute(stmt):
        specs.setdefault(flavor_id, {})[key] = value
    return specs


def _specs_of(context, flavor_id):
    rows = context.session.execute(
        sa.select(_SPECS.c.key, _SPECS.c.value).where(_SPECS.c.flavor_id == flavor_id))
    return dict(rows.all())


def _to_dict(row):
    """The dict of an ORM flavor row (writers), with its specs and projects."""
    values = {name: getattr(row, name) for name in COLUMNS}
    values["extra_specs"] = {spec.key: spec.value for spec in row.extra_specs}
    values["projects"] = sorted(p.project_id for p in row.projects)
    return values


def _get(context, **filters):
    stmt = _visible(context, sa.select(_FLAVORS).filter_by(**filters))
    rows = _flavor_rows(context, stmt.limit(1))
    if not rows:
        return None
    flavor = rows[0]
    flavor["extra_specs"] = _specs_of(context, flavor["id"])
    return flavor


@api.reader
def flavor_get(context, id):
    flavor = _get(context, id=id)
    if flavor is None:
        raise exception.FlavorNotFound(flavor_id=id)
    return flavor


@api.reader
def flavor_get_by_flavor_id(context, flavorid):
    flavor = _get(context, flavorid=flavorid)
    if flavor is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return flavor


@api.reader
def flavor_get_by_name(context, name):
    flavor = _get(context, name=name)
    if flavor is None:
        raise exception.FlavorNotFoundByName(flavor_name=name)
    return flavor


@api.reader
def flavor_get_all(context, filters=None, sort_key="flavorid", sort_dir="asc",
                   limit=None, marker=None, with_extra_specs=True):
    """Flavors as dicts, filtered and paginated; ``marker`` is a flavorid.

    Each dict holds the flavor's columns and, with ``with_extra_specs``, an
    ``extra_specs`` dict read for the whole page in one more query.
    """
    filters = filters or {}
    flavors = _FLAVORS.c
    stmt = _visible(context, sa.select(_FLAVORS))
    if "min_memory_mb" in filters:
        stmt = stmt.where(flavors.memory_mb >= filters["min_memory_mb"])
    if "min_root_gb" in filters:
        stmt = stmt.where(flavors.root_gb >= filters["min_root_gb"])
    if "disabled" in filters:
        stmt = stmt.where(flavors.disabled == bool(filters["disabled"]))
    if filters.get("is_public") is not None:
        public = flavors.is_public == bool(filters["is_public"])
        if filters["is_public"] and context.project_id is not None:
            # A project sees the flavors shared with it beside the public ones.
            public = sa.or_(public, _shared_with(context.project_id))
        stmt = stmt.where(public)
    marker_row = None
    if marker is not None:
        marker_row = context.session.execute(
            _visible(context, sa.select(_FLAVORS).where(flavors.flavorid == marker))
            .limit(1)).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    stmt = sqlalchemyutils.paginate_query(stmt, models.Flavor, limit, [sort_key, "id"],
                                          marker=marker_row, sort_dir=sort_dir)
    rows = _flavor_rows(context, stmt)
    if with_extra_specs and rows:
        ids = stmt.with_only_columns(flavors.id)
        if limit is None:
            ids = ids.order_by(None)  # the order only matters to pick a page
        specs = _specs_by_flavor(context, ids)
        for row in rows:
            row["extra_specs"] = specs.get(row["id"], {})
    return rows


@api.reader
def extra_specs_get(context, flavor_id):
    """The extra specs of the flavor with primary key ``flavor_id``."""
    return _specs_of(context, flavor_id)


@api.writer
def flavor_create(context, values, projects=None):
    values = dict(values)
    extra_specs = values.pop("extra_specs", None) or {}
    row = models.Flavor()
    row.update(values)
    row.extra_specs = [models.FlavorExtraSpecs(key=k, value=v) for k, v in extra_specs.items()]
    row.projects = [models.FlavorProjects(project_id=p) for p in set(projects or [])]
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry as exc:
        if "flavorid" in (exc.columns or []):
            raise exception.FlavorIdExists(flavor_id=values["flavorid"])
        raise exception.FlavorExists(name=values["name"])
    return _to_dict(row)


@api.writer
def flavor_update(context, id, values):
    """Change the updatable columns (only the description in practice)."""
    row = context.session.query(models.Flavor).filter_by(id=id).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=id)
    row.update(values)
    context.session.flush()
    return _to_dict(row)


@api.writer
def flavor_destroy(context, flavorid):
    row = context.session.query(models.Flavor).filter_by(flavorid=flavorid).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    # The cascade removes the extra specs and the project access rows.
    context.session.delete(row)
    return _to_dict(row)


@api.writer
def extra_specs_update(context, flavor_id, specs):
    """Add or change extra specs of the flavor with primary key ``flavor_id``."""
    existing = {spec.key: spec for spec in context.session.query(
        models.FlavorExtraSpecs).filter_by(flavor_id=flavor_id)}
    for key, value in specs.items():
        if key in existing:
            existing[key].value = value
        else:
            context.session.add(models.FlavorExtraSpecs(flavor_id=flavor_id, key=key,
                                                        value=value))
    context.session.flush()


@api.writer
def extra_specs_delete(context, flavor_id, key):
    count = context.session.query(models.FlavorExtraSpecs).filter_by(
        flavor_id=flavor_id, key=key).delete(synchronize_session=False)
    if not count:
        flavorid = context.session.query(models.Flavor.flavorid).filter_by(
            id=flavor_id).scalar()
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid or flavor_id,
                                                 extra_specs_key=key)


@api.writer
def project_add(context, flavor_id, project_id):
    """Give ``project_id`` access to the flavor with primary key ``flavor_id``."""
    flavorid = context.session.query(models.Flavor.flavorid).filter_by(id=flavor_id).scalar()
    if flavorid is None:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    try:
        context.session.add(models.FlavorProjects(flavor_id=flavor_id, project_id=project_id))
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id)


@api.writer
def project_remove(context, flavor_id, project_id):
    count = context.session.query(models.FlavorProjects).filter_by(
        flavor_id=flavor_id, project_id=project_id).delete(synchronize_session=False)
    if not count:
        flavorid = context.session.query(models.Flavor.flavorid).filter_by(
            id=flavor_id).scalar()
        raise exception.FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)


@api.reader
def projects_get(context, flavor_id):
    rows = context.session.query(models.FlavorProjects.project_id).filter_by(
        flavor_id=flavor_id).order_by(models.FlavorProjects.project_id)
    return [r[0] for r in rows]

