"""Query building blocks shared by the cell database's per-resource modules."""

from oslo_db.sqlalchemy import utils as sqlalchemyutils
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception


def model_query(context, model, read_deleted=None, project_only=False):
    """A session query on ``model`` honouring the context's read_deleted.

    ``project_only`` limits an ordinary user's context to rows of its own
    project (admin contexts see everything).
    """
    query = context.session.query(model)
    read_deleted = read_deleted or getattr(context, "read_deleted", "no")
    if hasattr(model, "deleted"):
        query = query.filter(*deleted_clauses(model.deleted, read_deleted))
    if project_only and nova_context.is_user_context(context):
        query = query.filter(model.project_id == context.project_id)
    return query


def deleted_clauses(column, read_deleted):
    """The WHERE clauses (a list, maybe empty) that ``read_deleted`` ("no",
    "only" or "yes") puts on a soft-delete ``deleted`` column."""
    if read_deleted == "no":
        return [column == 0]
    if read_deleted == "only":
        return [column != 0]
    if read_deleted != "yes":
        raise ValueError("Unrecognized read_deleted value %r" % read_deleted)
    return []


def insert_rows(session, stmt, rows):
    """Run the INSERT ``stmt`` for every dict of ``rows``: one executemany per
    distinct set of keys (an executemany needs the same keys in every row)."""
    groups = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        session.execute(stmt, group)


def process_sort_params(sort_keys, sort_dirs, default_keys=("created_at", "id"),
                        default_dir="desc"):
    """Complete the sort keys/directions so that the ordering is total.

    The first given direction (or ``default_dir``) applies to keys without
    one, and to the default keys appended when they are not already there.
    """
    default_dir_value = sort_dirs[0] if sort_dirs else default_dir
    result_keys = list(sort_keys) if sort_keys else []
    if sort_dirs:
        for sort_dir in sort_dirs:
            if sort_dir not in ("asc", "desc"):
                raise exception.InvalidInput(
                    reason="Unknown sort direction, must be 'desc' or 'asc'")
        result_dirs = list(sort_dirs)
    else:
        result_dirs = [default_dir_value] * len(result_keys)
    if len(result_dirs) > len(result_keys):
        raise exception.InvalidInput(reason="Sort direction size exceeds sort key size")
    while len(result_dirs) < len(result_keys):
        result_dirs.append(default_dir_value)
    for key in default_keys:
        if key not in result_keys:
            result_keys.append(key)
            result_dirs.append(default_dir_value)
    return result_keys, result_dirs


def paginate(query, model, limit, sort_keys, sort_dirs, marker_row=None):
    """Order ``query`` by the keys and cut it after ``marker_row``/``limit``."""
    for key in sort_keys:
        column = getattr(model, key, None)
        if column is None or not hasattr(column, "property") or \
                not hasattr(column.property, "columns"):
            raise exception.InvalidSortKey(key=key)
    return sqlalchemyutils.paginate_query(query, model, limit, sort_keys,
                                          marker=marker_row, sort_dirs=sort_dirs)


def soft_delete_values(model, now):
    """UPDATE values that soft-delete rows of ``model`` (deleted = id)."""
    return {"deleted": model.id, "deleted_at": now, "updated_at": model.updated_at}


def naive_time(value):
    """A naive UTC datetime from an ISO 8601 string or an aware/naive datetime."""
    if isinstance(value, str):
        value = timeutils.parse_isotime(value)
    if getattr(value, "tzinfo", None) is not None:
        value = timeutils.normalize_time(value)
    return value
