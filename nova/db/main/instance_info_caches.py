"""Cell-database queries on instance_info_caches (one row per instance)."""

from oslo_utils import timeutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


@api.reader
def instance_info_cache_get(context, instance_uuid):
    return query_utils.model_query(context, models.InstanceInfoCache).filter_by(
        instance_uuid=instance_uuid).first()


_CACHES = models.InstanceInfoCache.__table__
_LIVE_CACHE = sa.select(_CACHES).where(_CACHES.c.instance_uuid == sa.bindparam("b_uuid"),
                                       _CACHES.c.deleted == 0)


@api.writer
def instance_info_cache_update(context, instance_uuid, values):
    """Update the cache, re-creating it when it is missing or was deleted."""
    values = dict(values)
    values["updated_at"] = timeutils.utcnow()
    # The usual case, a live cache row, in two Core statements.
    if context.session.execute(sa.update(_CACHES).where(
            _CACHES.c.instance_uuid == instance_uuid, _CACHES.c.deleted == 0).values(
            values)).rowcount:
        return dict(context.session.execute(_LIVE_CACHE, {"b_uuid": instance_uuid})
                    .first()._mapping)
    row = context.session.query(models.InstanceInfoCache).filter_by(
        instance_uuid=instance_uuid).first()
    if row is None:
        exists = context.session.query(models.Instance.id).filter_by(
            uuid=instance_uuid).first()
        if exists is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        row = models.InstanceInfoCache(instance_uuid=instance_uuid)
        context.session.add(row)
    elif row.deleted:
        # Only an instance being built again (e.g. unshelve) needs this;
        # a deleted instance keeps its cache deleted.
        instance = context.session.query(models.Instance).filter_by(
            uuid=instance_uuid).first()
        if instance is not None and not instance.deleted:
            row.update({"deleted": 0, "deleted_at": None})
    row.update(values)
    row.updated_at = timeutils.utcnow()
    context.session.flush()
    return row


@api.writer
def instance_info_cache_delete(context, instance_uuid):
    query_utils.model_query(context, models.InstanceInfoCache).filter_by(
        instance_uuid=instance_uuid).update(
        query_utils.soft_delete_values(models.InstanceInfoCache, timeutils.utcnow()),
        synchronize_session=False)
