"""API-database queries on host aggregates, their hosts and their metadata."""

from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.api import api
from nova.db.api import models
from nova import exception


def _query(context):
    return context.session.query(models.Aggregate).options(
        orm.selectinload(models.Aggregate._hosts),
        orm.selectinload(models.Aggregate._metadata))


def _to_dict(row):
    return {
        "id": row.id, "uuid": row.uuid, "name": row.name,
        "created_at": row.created_at, "updated_at": row.updated_at,
        "hosts": sorted(h.host for h in row._hosts),
        "metadata": {m.key: m.value for m in row._metadata},
    }


def _get_row(context, aggregate_id):
    row = _query(context).filter_by(id=aggregate_id).first()
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


@api.reader
def aggregate_get(context, aggregate_id):
    return _to_dict(_get_row(context, aggregate_id))


@api.reader
def aggregate_get_by_uuid(context, uuid):
    row = _query(context).filter_by(uuid=uuid).first()
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=uuid)
    return _to_dict(row)


@api.reader
def aggregate_get_all(context):
    return [_to_dict(r) for r in _query(context).order_by(models.Aggregate.id)]


@api.reader
def aggregate_get_by_host(context, host, key=None):
    query = _query(context).filter(models.Aggregate._hosts.any(host=host))
    if key is not None:
        query = query.filter(models.Aggregate._metadata.any(key=key))
    return [_to_dict(r) for r in query.order_by(models.Aggregate.id)]


@api.reader
def aggregate_get_by_metadata(context, key=None, value=None):
    """Aggregates with metadata ``key`` (any value unless ``value`` is given)."""
    conditions = {}
    if key is not None:
        conditions["key"] = key
    if value is not None:
        conditions["value"] = value
    query = _query(context)
    if conditions:
        query = query.filter(models.Aggregate._metadata.any(**conditions))
    return [_to_dict(r) for r in query.order_by(models.Aggregate.id)]


@api.reader
def aggregate_get_by_metadata_keys_not_matching(context, keys, key_prefix, value):
    """Aggregates with a ``key_prefix*`` key, none of ``keys``, set to ``value``."""
    query = _query(context).filter(models.Aggregate._metadata.any(
        sa.and_(models.AggregateMetadata.key.like(key_prefix + "%"),
                models.AggregateMetadata.value == value,
                models.AggregateMetadata.key.not_in(list(keys)))))
    return [_to_dict(r) for r in query.order_by(models.Aggregate.id)]


def _metadata_set(context, row, metadata, replace):
    existing = {m.key: m for m in row._metadata}
    for key, value in metadata.items():
        if key in existing:
            existing[key].value = value
        else:
            row._metadata.append(models.AggregateMetadata(key=key, value=value))
    if replace:
        for key in set(existing) - set(metadata):
            row._metadata.remove(existing[key])


@api.writer
def aggregate_create(context, values, metadata=None):
    name = values["name"]
    if context.session.query(models.Aggregate.id).filter_by(name=name).first():
        raise exception.AggregateNameExists(aggregate_name=name)
    row = models.Aggregate()
    row.update(values)
    if metadata:
        _metadata_set(context, row, metadata, replace=False)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AggregateNameExists(aggregate_name=name)
    return _to_dict(row)


@api.writer
def aggregate_update(context, aggregate_id, values):
    """Rename, and/or replace the metadata (availability_zone merges into it)."""
    values = dict(values)
    row = _get_row(context, aggregate_id)
    metadata = values.pop("metadata", None)
    replace = metadata is not None
    if "availability_zone" in values:
        metadata = dict(metadata or {})
        metadata["availability_zone"] = values.pop("availability_zone")
    if metadata is not None:
        _metadata_set(context, row, metadata, replace=replace)
    if "name" in values and values["name"] != row.name:
        if context.session.query(models.Aggregate.id).filter_by(name=values["name"]).first():
            raise exception.AggregateNameExists(aggregate_name=values["name"])
    row.update(values)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AggregateNameExists(aggregate_name=values.get("name"))
    return _to_dict(row)


@api.writer
def aggregate_destroy(context, aggregate_id):
    context.session.delete(_get_row(context, aggregate_id))


@api.writer
def aggregate_metadata_add(context, aggregate_id, metadata):
    row = _get_row(context, aggregate_id)
    _metadata_set(context, row, metadata, replace=False)
    context.session.flush()


@api.writer
def aggregate_metadata_delete(context, aggregate_id, key):
    count = context.session.query(models.AggregateMetadata).filter_by(
        aggregate_id=aggregate_id, key=key).delete(synchronize_session=False)
    if not count:
        raise exception.AggregateMetadataNotFound(aggregate_id=aggregate_id, metadata_key=key)


@api.writer
def aggregate_host_add(context, aggregate_id, host):
    _get_row(context, aggregate_id)
    try:
        context.session.add(models.AggregateHost(aggregate_id=aggregate_id, host=host))
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AggregateHostExists(host=host, aggregate_id=aggregate_id)


@api.writer
def aggregate_host_delete(context, aggregate_id, host):
    count = context.session.query(models.AggregateHost).filter_by(
        aggregate_id=aggregate_id, host=host).delete(synchronize_session=False)
    if not count:
        raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
