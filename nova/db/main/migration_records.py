"""Cell-database queries on migrations (resize, cold/live migration, evacuation)."""

import datetime

from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception

# Statuses after which a migration no longer holds resources on its hosts.
# ('finished' is missing on purpose: a finished resize still waits for its
# confirm or revert and keeps both hosts' resources.)
DONE_STATUSES = ("confirmed", "reverted", "error", "failed", "completed", "cancelled",
                 "done")
# Statuses of a live migration that is under way.
LIVE_IN_PROGRESS_STATUSES = ("queued", "preparing", "running", "post-migrating")

_Migration = models.Migration


def _query(context):
    return query_utils.model_query(context, _Migration)


@api.writer
def migration_create(context, values):
    values = dict(values)
    values.setdefault("uuid", uuidutils.generate_uuid())
    row = _Migration()
    row.update(values)
    context.session.add(row)
    context.session.flush()
    return row


@api.writer
def migration_update(context, migration_id, values):
    row = _query(context).filter_by(id=migration_id).first()
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    row.update(values)
    row.updated_at = timeutils.utcnow()
    context.session.flush()
    return row


@api.reader
def migration_get(context, migration_id):
    row = _query(context).filter_by(id=migration_id).first()
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return row


@api.reader
def migration_get_by_uuid(context, migration_uuid):
    row = _query(context).filter_by(uuid=migration_uuid).first()
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_uuid)
    return row


@api.reader
def migration_get_by_id_and_instance(context, migration_id, instance_uuid):
    row = _query(context).filter_by(id=migration_id, instance_uuid=instance_uuid).first()
    if row is None:
        raise exception.MigrationNotFoundForInstance(migration_id=migration_id,
                                                     instance_id=instance_uuid)
    return row


@api.reader
def migration_get_by_instance_and_status(context, instance_uuid, status):
    row = _query(context).filter_by(instance_uuid=instance_uuid, status=status).order_by(
        _Migration.created_at.desc(), _Migration.id.desc()).first()
    if row is None:
        raise exception.MigrationNotFoundByStatus(instance_id=instance_uuid, status=status)
    return row


@api.reader
def migration_get_in_progress_by_host_and_node(context, host, node):
    return _query(context).filter(sa.or_(
        sa.and_(_Migration.source_compute == host, _Migration.source_node == node),
        sa.and_(_Migration.dest_compute == host, _Migration.dest_node == node))).filter(
        sa.not_(_Migration.status.in_(DONE_STATUSES))).order_by(_Migration.id).all()


@api.reader
def migration_get_in_progress_by_instance(context, instance_uuid, migration_type=None):
    query = _query(context).filter_by(instance_uuid=instance_uuid).filter(
        _Migration.status.in_(LIVE_IN_PROGRESS_STATUSES))
    if migration_type is not None:
        query = query.filter_by(migration_type=migration_type)
    return query.order_by(_Migration.id).all()


@api.reader
def migration_get_unconfirmed_by_dest_compute(context, confirm_window, dest_compute):
    """'finished' migrations to ``dest_compute`` untouched for confirm_window seconds."""
    limit = timeutils.utcnow() - datetime.timedelta(seconds=confirm_window)
    return _query(context).filter(
        _Migration.updated_at <= limit, _Migration.status == "finished",
        _Migration.dest_compute == dest_compute).order_by(_Migration.id).all()


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


@api.reader
def migration_get_all_by_filters(context, filters, sort_keys=None, sort_dirs=None,
                                 limit=None, marker=None):
    """Migrations matching ``filters``.

    Filters: uuid, status (one or a list), host (source or destination),
    source_compute, node (source or destination), instance_uuid,
    migration_type, hidden, user_id, project_id, changes-since,
    changes-before. Sorted by created_at/id descending unless told
    otherwise; ``marker`` is a migration uuid.
    """
    filters = filters or {}
    query = _query(context)
    if "uuid" in filters:
        query = query.filter(_Migration.uuid.in_(_as_list(filters["uuid"])))
    if filters.get("changes-since") is not None:
        query = query.filter(_Migration.updated_at >= query_utils.naive_time(
            filters["changes-since"]))
    if filters.get("changes-before") is not None:
        query = query.filter(_Migration.updated_at <= query_utils.naive_time(
            filters["changes-before"]))
    if "status" in filters:
        query = query.filter(_Migration.status.in_(_as_list(filters["status"])))
    if "host" in filters:
        host = filters["host"]
        query = query.filter(sa.or_(_Migration.source_compute == host,
                                    _Migration.dest_compute == host))
    elif "source_compute" in filters:
        query = query.filter(_Migration.source_compute == filters["source_compute"])
    if "node" in filters:
        node = filters["node"]
        query = query.filter(sa.or_(_Migration.source_node == node,
                                    _Migration.dest_node == node))
    for name in ("instance_uuid", "migration_type", "hidden", "user_id", "project_id"):
        if name in filters:
            query = query.filter(getattr(_Migration, name) == filters[name])
    marker_row = None
    if marker is not None:
        marker_row = query_utils.model_query(context, _Migration, read_deleted="yes").filter_by(
            uuid=marker).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    if limit is not None or marker is not None or sort_keys or sort_dirs:
        sort_keys, sort_dirs = query_utils.process_sort_params(sort_keys, sort_dirs)
        query = query_utils.paginate(query, _Migration, limit, sort_keys, sort_dirs,
                                     marker_row)
    else:
        query = query.order_by(_Migration.id)
    return query.all()


@api.writer
def migration_destroy(context, migration_id):
    count = _query(context).filter_by(id=migration_id).update(
        query_utils.soft_delete_values(_Migration, timeutils.utcnow()),
        synchronize_session=False)
    if not count:
        raise exception.MigrationNotFound(migration_id=migration_id)
