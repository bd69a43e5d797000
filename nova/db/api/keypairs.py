"""API-database queries on key pairs (owned by users, unique per user by name)."""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as sqlalchemyutils
import sqlalchemy as sa

from nova.db.api import api
from nova.db.api import models
from nova import exception


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
    row = context.session.query(models.KeyPair).filter_by(user_id=user_id, name=name).first()
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


@api.reader
def key_pair_get_all_by_user(context, user_id, limit=None, marker=None):
    """A user's key pairs sorted by name; ``marker`` is the name to start after."""
    query = context.session.query(models.KeyPair).filter_by(user_id=user_id)
    marker_row = None
    if marker is not None:
        marker_row = context.session.query(models.KeyPair).filter_by(
            user_id=user_id, name=marker).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    query = sqlalchemyutils.paginate_query(query, models.KeyPair, limit, ["name"],
                                           marker=marker_row)
    return query.all()


@api.reader
def key_pair_count_by_user(context, user_id):
    return context.session.query(sa.func.count(models.KeyPair.id)).filter_by(
        user_id=user_id).scalar()
