"""Cell-database queries on instance_metadata and instance_system_metadata.

Both tables hold key/value rows per instance; a removed key is soft-deleted.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def rows(instance_uuid, metadata):
    """The rows that hold ``metadata`` of an instance."""
    return [{"instance_uuid": instance_uuid, "key": key, "value": value}
            for key, value in (metadata or {}).items()]



def _update(context, model, instance_uuid, metadata, delete):
    """Set ``metadata`` on the instance; with ``delete`` drop the other keys.

    Returns the instance's metadata as it now is in the database.
    """
    table = model.__table__
    rows = context.session.execute(
        sa.select(table.c.id, table.c.key, table.c.value).where(
            table.c.instance_uuid == instance_uuid, table.c.deleted == 0)
        .order_by(table.c.id)).all()
    current = {}
    ids = {}
    for row_id, key, value in rows:
        current[key] = value
        ids.setdefault(key, []).append(row_id)
    if delete:
        gone = [row_id for key in current if key not in metadata for row_id in ids[key]]
        if gone:
            context.session.execute(
                sa.update(table).where(table.c.id.in_(gone)).values(
                    deleted=table.c.id, deleted_at=timeutils.utcnow()))
            current = {k: v for k, v in current.items() if k in metadata}
    added = []
    for key, value in metadata.items():
        if key not in current:
            added.append({"instance_uuid": instance_uuid, "key": key, "value": value})
        elif current[key] != value:
            context.session.execute(
                sa.update(table).where(table.c.id.in_(ids[key])).values(value=value))
        current[key] = value
    if added:
        context.session.execute(sa.insert(table), added)
    return current


@api.writer
def instance_metadata_delete(context, instance_uuid, key):
    count = query_utils.model_query(context, models.InstanceMetadata).filter_by(
        instance_uuid=instance_uuid, key=key).update(
        query_utils.soft_delete_values(models.InstanceMetadata, timeutils.utcnow()),
        synchronize_session=False)
    if not count:
        raise exception.NotFound("Instance %s has no metadata with key %s."
                                 % (instance_uuid, key))

