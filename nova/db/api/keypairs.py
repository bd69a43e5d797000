"""API-database queries on key pairs (owned by users, unique per user by name).

Reads are SQLAlchemy Core selects that return plain dicts keyed by column.
"""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as sqlalchemyutils
import sqlalchemy as sa

from nova.db.api import api
from nova.db.api import models
from nova import exception

_KEYPAIRS = models.KeyPair.__table__

# The columns of a key pair row, in table order (the keys of every dict read).
COLUMNS = tuple(_KEYPAIRS.c.keys())


def _rows(context, stmt):
    return [dict(zip(COLUMNS, row)) for row in context.session.execute(stmt)]


@api.writer
def key_pair_create(context, values):
    row = models.KeyPair()
    row.update(values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.KeyPairExists(key_name=values["name"])
    return row


@api.writer
def key_pair_destroy(context, user_id, name):
    count = context.session.query(models.KeyPair).filter_by(
        user_id=user_id, name=name).delete(synchronize_session=False)
    if not count:
        raise exception.KeypairNotFound(user_id=user_id, name=name)


@api.reader
def key_pair_get(context, user_id, name):
    rows = _rows(context, sa.select(_KEYPAIRS).where(
        _KEYPAIRS.c.user_id == user_id, _KEYPAIRS.c.name == name))
    if not rows:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return rows[0]


@api.reader
def key_pair_get_all_by_user(context, user_id, limit=None, marker=None):
    """A user's key pairs sorted by name; ``marker`` is the name to start after."""
    stmt = sa.select(_KEYPAIRS).where(_KEYPAIRS.c.user_id == user_id)
    marker_row = None
    if marker is not None:
        marker_row = context.session.execute(
            stmt.where(_KEYPAIRS.c.name == marker)).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    # Names are unique per user; the id only makes the order provably stable.
    stmt = sqlalchemyutils.paginate_query(stmt, models.KeyPair, limit, ["name", "id"],
                                          marker=marker_row)
    return _rows(context, stmt)


@api.reader
def key_pair_count_by_user(context, user_id):
    return context.session.query(sa.func.count(models.KeyPair.id)).filter_by(
        user_id=user_id).scalar()
