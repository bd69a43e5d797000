"""API-database queries on cell_mappings."""

from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.api import api
from nova.db.api import models
from nova import exception


@api.reader
def cell_mapping_get_by_uuid(context, cell_uuid):
    row = context.session.query(models.CellMapping).filter_by(uuid=cell_uuid).first()
    if row is None:
        raise exception.CellMappingNotFound(uuid=cell_uuid)
    return row


@api.reader
def cell_mapping_get_all(context, disabled=None):
    query = context.session.query(models.CellMapping)
    if disabled is not None:
        query = query.filter(models.CellMapping.disabled == sa.true() if disabled
                             else sa.or_(models.CellMapping.disabled == sa.false(),
                                         models.CellMapping.disabled.is_(None)))
    return query.order_by(models.CellMapping.id).all()


@api.reader
def cell_mapping_get_by_name(context, name):
    return context.session.query(models.CellMapping).filter_by(name=name) \
        .order_by(models.CellMapping.id).all()


@api.reader
def cell_mapping_get_by_project_id(context, project_id):
    """The cells holding at least one instance mapping of ``project_id``."""
    cell_ids = context.session.query(models.InstanceMapping.cell_id).filter(
        models.InstanceMapping.project_id == project_id,
        models.InstanceMapping.cell_id.isnot(None)).distinct()
    return context.session.query(models.CellMapping).filter(
        models.CellMapping.id.in_(cell_ids)).order_by(models.CellMapping.id).all()


@api.writer
def cell_mapping_create(context, values):
    row = models.CellMapping()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.CellMappingExists(uuid=values.get("uuid"))
    return row


@api.writer
def cell_mapping_update(context, cell_uuid, values):
    row = context.session.query(models.CellMapping).filter_by(uuid=cell_uuid).first()
    if row is None:
        raise exception.CellMappingNotFound(uuid=cell_uuid)
    row.update(values)
    context.session.flush()
    return row


@api.writer
def cell_mapping_destroy(context, cell_uuid):
    count = context.session.query(models.CellMapping).filter_by(uuid=cell_uuid).delete()
    if not count:
        raise exception.CellMappingNotFound(uuid=cell_uuid)


# Eager-load helper for the other mapping modules.
def with_cell(query, model):
    return query.options(orm.joinedload(model.cell_mapping))
