"""API-database queries on request_specs (one serialized RequestSpec per instance)."""

from oslo_db import exception as db_exc

from nova.db.api import api
from nova.db.api import models
from nova import exception


@api.reader
def request_spec_get_by_instance_uuid(context, instance_uuid):
    row = context.session.query(models.RequestSpec).filter_by(
        instance_uuid=instance_uuid).first()
    if row is None:
        raise exception.RequestSpecNotFound(instance_uuid=instance_uuid)
    return row


@api.reader
def request_spec_texts_by_instance_uuids(context, instance_uuids):
    """``[(instance_uuid, spec JSON text), ...]`` of the instances' request specs
    (only those two columns: a server list reads a thousand at once)."""
    return context.session.query(
        models.RequestSpec.instance_uuid, models.RequestSpec.spec).filter(
        models.RequestSpec.instance_uuid.in_(list(instance_uuids))).all()


@api.writer
def request_spec_create(context, values):
    row = models.RequestSpec()
    row.update(values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.ObjectActionError(
            action="create",
            reason="a request spec for instance %s exists" % values.get("instance_uuid"))
    return row


@api.writer
def request_spec_update(context, spec_id, values):
    row = context.session.query(models.RequestSpec).filter_by(id=spec_id).first()
    if row is None:
        raise exception.RequestSpecNotFound(instance_uuid=values.get("instance_uuid", spec_id))
    row.update(values)
    context.session.flush()
    return row


@api.writer
def request_spec_destroy(context, instance_uuid):
    count = context.session.query(models.RequestSpec).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)
    if not count:
        raise exception.RequestSpecNotFound(instance_uuid=instance_uuid)


@api.writer
def request_spec_destroy_bulk(context, instance_uuids):
    return context.session.query(models.RequestSpec).filter(
        models.RequestSpec.instance_uuid.in_(list(instance_uuids))).delete(
        synchronize_session=False)
