"""API-database queries on flavors, their extra specs and their project access."""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as sqlalchemyutils
import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.api import api
from nova.db.api import models
from nova import exception


def _visible_query(context):
    """Flavors the caller may see: all for admins, else public or shared with them."""
    query = context.session.query(models.Flavor).options(
        orm.selectinload(models.Flavor.extra_specs),
        orm.selectinload(models.Flavor.projects))
    if not context.is_admin:
        query = query.filter(sa.or_(
            models.Flavor.is_public == sa.true(),
            models.Flavor.projects.any(project_id=context.project_id)))
    return query


def _to_dict(row):
    values = {c.name: getattr(row, c.name) for c in models.Flavor.__table__.columns}
    values["extra_specs"] = {spec.key: spec.value for spec in row.extra_specs}
    values["projects"] = sorted(p.project_id for p in row.projects)
    return values


def _get(context, **filters):
    row = _visible_query(context).filter_by(**filters).first()
    return _to_dict(row) if row is not None else None


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
                   limit=None, marker=None):
    """Flavors as dicts, filtered and paginated; ``marker`` is a flavorid."""
    filters = filters or {}
    query = _visible_query(context)
    if "min_memory_mb" in filters:
        query = query.filter(models.Flavor.memory_mb >= filters["min_memory_mb"])
    if "min_root_gb" in filters:
        query = query.filter(models.Flavor.root_gb >= filters["min_root_gb"])
    if "disabled" in filters:
        query = query.filter(models.Flavor.disabled == bool(filters["disabled"]))
    if filters.get("is_public") is not None:
        public = models.Flavor.is_public == bool(filters["is_public"])
        if filters["is_public"] and context.project_id is not None:
            # A project sees the flavors shared with it beside the public ones.
            public = sa.or_(public, models.Flavor.projects.any(project_id=context.project_id))
        query = query.filter(public)
    marker_row = None
    if marker is not None:
        marker_row = _visible_query(context).filter_by(flavorid=marker).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    query = sqlalchemyutils.paginate_query(query, models.Flavor, limit, [sort_key, "id"],
                                           marker=marker_row, sort_dir=sort_dir)
    return [_to_dict(row) for row in query.all()]


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

