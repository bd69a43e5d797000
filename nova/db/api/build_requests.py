"""API-database queries on build_requests: servers accepted but not yet in a cell."""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from nova.db.api import api
from nova.db.api import models
from nova import exception


@api.reader
def build_request_get_by_instance_uuid(context, instance_uuid):
    row = context.session.query(models.BuildRequest).filter_by(
        instance_uuid=instance_uuid).first()
    if row is None:
        raise exception.BuildRequestNotFound(uuid=instance_uuid)
    return row


@api.reader
def build_request_get_all(context, project_id=None):
    query = context.session.query(models.BuildRequest)
    if project_id is not None:
        query = query.filter_by(project_id=project_id)
    return query.order_by(models.BuildRequest.id).all()


@api.writer
def build_request_create(context, values):
    row = models.BuildRequest()
    row.update(values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.ObjectActionError(
            action="create",
            reason="a build request for instance %s exists" % values.get("instance_uuid"))
    return row


@api.writer
def build_request_update(context, build_request_id, values):
    row = context.session.query(models.BuildRequest).filter_by(id=build_request_id).first()
    if row is None:
        raise exception.BuildRequestNotFound(uuid=values.get("instance_uuid", build_request_id))
    row.update(values)
    context.session.flush()
    return row


@api.writer
def build_request_destroy(context, instance_uuid):
    count = context.session.query(models.BuildRequest).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)
    if not count:
        raise exception.BuildRequestNotFound(uuid=instance_uuid)


_TABLE = models.BuildRequest.__table__
_PRESENT = sa.select(_TABLE.c.instance_uuid).where(
    _TABLE.c.instance_uuid.in_(sa.bindparam("uuids", expanding=True))).with_for_update()
_DELETE = sa.delete(_TABLE).where(
    _TABLE.c.instance_uuid.in_(sa.bindparam("uuids", expanding=True)))


@api.writer
def build_request_destroy_many(context, instance_uuids):
    """Delete the build requests of ``instance_uuids``; the uuids that had one, sorted.

    The rows are locked until the transaction ends, so a server delete racing
    with this waits and then finds the instance where it now lives.
    """
    if not instance_uuids:
        return []
    uuids = list(instance_uuids)
    present = sorted(set(context.session.execute(_PRESENT, {"uuids": uuids}).scalars()))
    if present:
        context.session.execute(_DELETE, {"uuids": present})
    return present
