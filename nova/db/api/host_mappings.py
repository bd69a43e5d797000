"""API-database queries on host_mappings (which cell a compute host lives in)."""

from oslo_db import exception as db_exc

from nova.db.api import api
from nova.db.api import cell_mappings
from nova.db.api import models
from nova import exception


def _query(context):
    return cell_mappings.with_cell(context.session.query(models.HostMapping),
                                   models.HostMapping)


@api.reader
def host_mapping_get_by_host(context, host):
    row = _query(context).filter_by(host=host).first()
    if row is None:
        raise exception.HostMappingNotFound(name=host)
    return row


@api.reader
def host_mapping_get_all(context):
    return _query(context).order_by(models.HostMapping.id).all()


@api.reader
def host_mapping_get_by_cell_id(context, cell_id):
    return _query(context).filter_by(cell_id=cell_id).order_by(models.HostMapping.id).all()


@api.writer
def host_mapping_create(context, values):
    row = models.HostMapping()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.HostMappingExists(name=values.get("host"))
    return _query(context).filter_by(id=row.id).one()


@api.writer
def host_mapping_update(context, host_mapping_id, values):
    row = context.session.query(models.HostMapping).filter_by(id=host_mapping_id).first()
    if row is None:
        raise exception.HostMappingNotFound(name=host_mapping_id)
    row.update(values)
    context.session.flush()
    return _query(context).filter_by(id=row.id).one()


@api.writer
def host_mapping_destroy(context, host):
    count = context.session.query(models.HostMapping).filter_by(host=host).delete()
    if not count:
        raise exception.HostMappingNotFound(name=host)
