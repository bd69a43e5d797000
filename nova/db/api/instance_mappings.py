"""API-database queries on instance_mappings (which cell an instance lives in)."""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nova.db.api import api
from nova.db.api import cell_mappings
from nova.db.api import models
from nova import exception

IM = models.InstanceMapping


def _query(context):
    return cell_mappings.with_cell(context.session.query(IM), IM)


def _not_queued(query):
    return query.filter(sa.or_(IM.queued_for_delete == sa.false(),
                               IM.queued_for_delete.is_(None)))


@api.reader
def instance_mapping_get_by_instance_uuid(context, instance_uuid):
    row = _query(context).filter_by(instance_uuid=instance_uuid).first()
    if row is None:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)
    return row


@api.reader
def instance_mapping_get_by_project_id(context, project_id):
    return _query(context).filter_by(project_id=project_id).order_by(IM.id).all()


@api.reader
def instance_mapping_get_by_cell_id(context, cell_id):
    return _query(context).filter_by(cell_id=cell_id).order_by(IM.id).all()


@api.reader
def instance_mapping_get_by_instance_uuids(context, uuids):
    if not uuids:
        return []
    return _query(context).filter(IM.instance_uuid.in_(list(uuids))).order_by(IM.id).all()


@api.reader
def instance_mapping_get_not_deleted_by_cell_and_project(context, cell_uuid, project_id,
                                                         limit=None):
    query = _not_queued(_query(context).join(IM.cell_mapping).filter(
        models.CellMapping.uuid == cell_uuid))
    if project_id is not None:
        query = query.filter(IM.project_id == project_id)
    query = query.order_by(IM.id)
    if limit is not None:
        query = query.limit(limit)
    return query.all()


@api.reader
def instance_mapping_count_by_project(context, project_id, user_id=None):
    """Instances of a project (and of one user in it) not queued for delete."""
    base = _not_queued(context.session.query(sa.func.count(IM.id)).filter(
        IM.project_id == project_id))
    counts = {"project": {"instances": base.scalar() or 0}}
    if user_id is not None:
        counts["user"] = {"instances": base.filter(IM.user_id == user_id).scalar() or 0}
    return counts


@api.reader
def instance_mapping_count_by_uuids_and_user(context, uuids, user_id):
    return context.session.query(sa.func.count(IM.id)).filter(
        IM.instance_uuid.in_(list(uuids)), IM.user_id == user_id).scalar() or 0


@api.writer
def instance_mapping_create(context, values):
    row = IM()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry:
        raise exception.InstanceMappingExists(uuid=values.get("instance_uuid"))
    return _query(context).filter_by(id=row.id).one()


@api.writer
def instance_mapping_update(context, instance_uuid, values):
    if not context.session.execute(sa.update(IM.__table__).where(
            IM.__table__.c.instance_uuid == instance_uuid).values(values)).rowcount:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)
    return _query(context).filter_by(instance_uuid=instance_uuid).one()


_SET_CELL = sa.update(IM.__table__).where(
    IM.__table__.c.instance_uuid.in_(sa.bindparam("uuids", expanding=True))).values(
    cell_id=sa.bindparam("b_cell_id"))


@api.writer
def instance_mapping_set_cell(context, instance_uuids, cell_id):
    """Point the mappings of ``instance_uuids`` at the cell ``cell_id``; how many there were."""
    if not instance_uuids:
        return 0
    return context.session.execute(_SET_CELL, {"uuids": list(instance_uuids),
                                               "b_cell_id": cell_id}).rowcount


@api.writer
def instance_mapping_destroy(context, instance_uuid):
    count = context.session.query(IM).filter_by(instance_uuid=instance_uuid).delete()
    if not count:
        raise exception.InstanceMappingNotFound(uuid=instance_uuid)


@api.writer
def instance_mapping_destroy_bulk(context, instance_uuids):
    if not instance_uuids:
        return 0
    return context.session.query(IM).filter(
        IM.instance_uuid.in_(list(instance_uuids))).delete(synchronize_session=False)


@api.writer
def instance_mapping_destroy_by_cell_id(context, cell_id):
    return context.session.query(IM).filter_by(cell_id=cell_id).delete(
        synchronize_session=False)
