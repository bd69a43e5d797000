"""Cell-database queries on block_device_mapping."""

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _query(context):
    return query_utils.model_query(context, models.BlockDeviceMapping)


_TABLE = models.BlockDeviceMapping.__table__
_CREATED = sa.select(_TABLE).where(_TABLE.c.uuid.in_(sa.bindparam("uuids", expanding=True)))


@api.writer
def block_device_mapping_create(context, values):
    return block_device_mapping_create_many(context, [values])[0]


@api.writer
def block_device_mapping_create_many(context, values_list):
    """Insert mappings (one statement per set of keys); the new rows as dicts, in order."""
    rows = []
    for values in values_list:
        values = dict(values)
        values.setdefault("uuid", uuidutils.generate_uuid())
        rows.append(values)
    query_utils.insert_rows(context.session, sa.insert(_TABLE), rows)
    uuids = [values["uuid"] for values in rows]
    found = {row["uuid"]: dict(row) for row in context.session.execute(
        _CREATED, {"uuids": uuids}).mappings()}
    return [found[uuid] for uuid in uuids]


@api.writer
def block_device_mapping_update(context, bdm_id, values):
    row = _query(context).filter_by(id=bdm_id).first()
    if row is None:
        raise exception.BDMNotFound(id=bdm_id)
    row.update(values)
    row.updated_at = timeutils.utcnow()
    context.session.flush()
    return row


@api.reader
def block_device_mapping_get_by_id(context, bdm_id):
    row = _query(context).filter_by(id=bdm_id).first()
    if row is None:
        raise exception.BDMNotFound(id=bdm_id)
    return row


@api.reader
def block_device_mapping_get_by_uuid(context, bdm_uuid):
    row = _query(context).filter_by(uuid=bdm_uuid).first()
    if row is None:
        raise exception.BDMNotFound(id=bdm_uuid)
    return row


@api.reader
def block_device_mapping_get_all_by_instance_uuids(context, instance_uuids):
    if not instance_uuids:
        return []
    return _query(context).filter(
        models.BlockDeviceMapping.instance_uuid.in_(list(instance_uuids))).order_by(
        models.BlockDeviceMapping.id).all()


@api.reader
def block_device_mapping_get_all_by_volume_id(context, volume_id):
    return _query(context).filter_by(volume_id=volume_id).order_by(
        models.BlockDeviceMapping.id).all()


@api.reader
def block_device_mapping_get_by_instance_and_volume_id(context, volume_id, instance_uuid):
    return _query(context).filter_by(volume_id=volume_id,
                                     instance_uuid=instance_uuid).first()


@api.writer
def block_device_mapping_destroy(context, bdm_id):
    count = _query(context).filter_by(id=bdm_id).update(
        query_utils.soft_delete_values(models.BlockDeviceMapping, timeutils.utcnow()),
        synchronize_session=False)
    if not count:
        raise exception.BDMNotFound(id=bdm_id)
