"""Usage reports over the instances table: one SELECT of the few columns a
report needs (the flavor text from instance_extra included), never whole rows."""

import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils

# The columns a usage row carries, in order. The sizes a report charges come
# from the flavor, so the instance's own size columns are not read: a column
# less is ~1000 fewer values for the driver to decode on a page of 1,000 servers.
USAGE_COLUMNS = ("uuid", "project_id", "display_name", "vm_state", "launched_at",
                 "terminated_at", "flavor")

_I = models.Instance.__table__
_X = models.InstanceExtra.__table__


def _window_statement():
    # An instance counts when it was launched before the end of the window
    # and not terminated before its start (deleted instances included).
    extra = sa.select(_X.c.flavor).where(_X.c.instance_uuid == _I.c.uuid).order_by(
        _X.c.deleted, _X.c.id).limit(1).scalar_subquery()
    columns = [_I.c[name] for name in USAGE_COLUMNS[:-1]] + [extra.label("flavor")]
    return sa.select(*columns).where(
        sa.or_(_I.c.terminated_at.is_(None),
               _I.c.terminated_at > sa.bindparam("begin")),
        _I.c.launched_at < sa.bindparam("end"))


_WINDOW = _window_statement()


@api.reader
def instance_usage_in_window(context, begin, end, project_id=None, limit=None,
                             after=None):
    """Tuples of USAGE_COLUMNS of the instances alive at some time in
    [begin, end), ordered by (project_id, uuid); ``after`` is the
    (project_id, uuid) to continue after and ``limit`` the most rows."""
    stmt = _WINDOW
    if project_id is not None:
        stmt = stmt.where(_I.c.project_id == project_id)
    if after is not None:
        stmt = stmt.where(sa.or_(_I.c.project_id > after[0],
                                 sa.and_(_I.c.project_id == after[0],
                                         _I.c.uuid > after[1])))
    stmt = stmt.order_by(_I.c.project_id, _I.c.uuid)
    if limit is not None:
        stmt = stmt.limit(limit)
    params = {"begin": query_utils.naive_time(begin), "end": query_utils.naive_time(end)}
    return context.session.execute(stmt, params).all()


@api.reader
def instance_project_of(context, uuid):
    """The project_id of instance ``uuid`` (deleted ones too), or None."""
    return context.session.execute(
        sa.select(_I.c.project_id).where(_I.c.uuid == uuid)).scalar()
