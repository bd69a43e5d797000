"""Cell-database queries on instance_metadata and instance_system_metadata.

Both tables hold key/value rows per instance; a removed key is soft-deleted.
"""

from oslo_utils import timeutils

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _get(context, model, instance_uuid):
    rows = query_utils.model_query(context, model, read_deleted="no").filter_by(
        instance_uuid=instance_uuid).all()
    return {row.key: row.value for row in rows}


def _update(context, model, instance_uuid, metadata, delete):
    """Set ``metadata`` on the instance; with ``delete`` drop the other keys."""
    rows = {row.key: row for row in query_utils.model_query(
        context, model, read_deleted="no").filter_by(instance_uuid=instance_uuid).all()}
    now = timeutils.utcnow()
    if delete:
        for key, row in rows.items():
            if key not in metadata:
                row.update({"deleted": row.id, "deleted_at": now})
    for key, value in metadata.items():
        row = rows.get(key)
        if row is None:
            row = model()
            row.update({"key": key, "value": value, "instance_uuid": instance_uuid})
            context.session.add(row)
        elif row.value != value:
            row.value = value
    context.session.flush()
    return _get(context, model, instance_uuid)


@api.reader
def instance_metadata_get(context, instance_uuid):
    return _get(context, models.InstanceMetadata, instance_uuid)


@api.writer
def instance_metadata_update(context, instance_uuid, metadata, delete=False):
    return _update(context, models.InstanceMetadata, instance_uuid, metadata, delete)


@api.writer
def instance_metadata_delete(context, instance_uuid, key):
    count = query_utils.model_query(context, models.InstanceMetadata).filter_by(
        instance_uuid=instance_uuid, key=key).update(
        query_utils.soft_delete_values(models.InstanceMetadata, timeutils.utcnow()),
        synchronize_session=False)
    if not count:
        raise exception.NotFound("Instance %s has no metadata with key %s."
                                 % (instance_uuid, key))


@api.reader
def instance_system_metadata_get(context, instance_uuid):
    return _get(context, models.InstanceSystemMetadata, instance_uuid)


@api.writer
def instance_system_metadata_update(context, instance_uuid, metadata, delete=False):
    return _update(context, models.InstanceSystemMetadata, instance_uuid, metadata, delete)
