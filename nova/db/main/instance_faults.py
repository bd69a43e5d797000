"""Cell-database queries on instance_faults."""

import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils


@api.writer
def instance_fault_create(context, values):
    row = models.InstanceFault()
    row.update(values)
    context.session.add(row)
    context.session.flush()
    return row


def _newest_first(query):
    return query.order_by(models.InstanceFault.created_at.desc(),
                          models.InstanceFault.id.desc())


@api.reader
def instance_fault_get_by_instance_uuids(context, instance_uuids, latest=False):
    """Faults of the instances, newest first; with ``latest`` one per instance."""
    if not instance_uuids:
        return []
    query = query_utils.model_query(context, models.InstanceFault, read_deleted="no")
    query = query.filter(models.InstanceFault.instance_uuid.in_(list(instance_uuids)))
    if latest:
        newest = sa.select(sa.func.max(models.InstanceFault.id)).where(
            models.InstanceFault.instance_uuid.in_(list(instance_uuids)),
            models.InstanceFault.deleted == 0).group_by(
            models.InstanceFault.instance_uuid).scalar_subquery()
        query = query.filter(models.InstanceFault.id.in_(newest))
    return _newest_first(query).all()
