"""Cell-database queries on instance_actions and instance_actions_events."""

from oslo_db import api as oslo_db_api
from oslo_utils import timeutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _action_by_request_id(context, instance_uuid, request_id):
    return query_utils.model_query(context, models.InstanceAction).filter_by(
        instance_uuid=instance_uuid, request_id=request_id).order_by(
        models.InstanceAction.created_at.desc(), models.InstanceAction.id.desc()).first()


# An action's events are recorded by several services at once (the conductor
# finishing its event while the compute starts the next one of the same
# action). Each transaction below touches the action row before the event
# row: inserting or updating an event first would take a shared lock on the
# action row (the foreign key) and the action update then an exclusive one,
# and two such transactions deadlock on MariaDB. A deadlock that still
# happens (other tables, other orders) is retried.
_retry_on_deadlock = oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True,
                                               retry_interval=0.05, max_retry_interval=0.5)

_ACTIONS = models.InstanceAction.__table__
_EVENTS = models.InstanceActionEvent.__table__
# Built once: SQLAlchemy reuses their compiled forms.
_ACTION_ID_BY_REQUEST = sa.select(_ACTIONS.c.id).where(
    _ACTIONS.c.instance_uuid == sa.bindparam("b_instance_uuid"),
    _ACTIONS.c.request_id == sa.bindparam("b_request_id"),
    _ACTIONS.c.deleted == 0).order_by(
    _ACTIONS.c.created_at.desc(), _ACTIONS.c.id.desc()).limit(1)
_ACTION_BY_ID = sa.select(_ACTIONS).where(_ACTIONS.c.id == sa.bindparam("b_id"))
_EVENT_BY_ID = sa.select(_EVENTS).where(_EVENTS.c.id == sa.bindparam("b_id"))
_LAST_EVENT_ID = sa.select(_EVENTS.c.id).where(
    _EVENTS.c.action_id == sa.bindparam("b_action_id"),
    _EVENTS.c.event == sa.bindparam("b_event"),
    _EVENTS.c.deleted == 0).order_by(_EVENTS.c.id.desc()).limit(1)


def _row(context, stmt, row_id):
    """The row ``row_id`` (attribute access like an ORM row), or None."""
    return context.session.execute(stmt, {"b_id": row_id}).first()


def _action_id(context, values):
    action_id = context.session.execute(_ACTION_ID_BY_REQUEST, {
        "b_instance_uuid": values["instance_uuid"],
        "b_request_id": values["request_id"]}).scalar()
    if action_id is None:
        raise exception.InstanceActionNotFound(request_id=values["request_id"],
                                               instance_uuid=values["instance_uuid"])
    return action_id


@api.writer
def action_start(context, values, want_row=True):
    """Record an action; the new row (unless ``want_row`` is False)."""
    result = context.session.execute(sa.insert(_ACTIONS).values(values))
    if want_row:
        return _row(context, _ACTION_BY_ID, result.inserted_primary_key[0])
    return None


@api.writer
def action_start_many(context, values_list):
    """Record several actions with one statement; nothing is read back."""
    if values_list:
        context.session.execute(sa.insert(_ACTIONS), values_list)


@_retry_on_deadlock
@api.writer
def action_finish(context, values):
    row = _action_by_request_id(context, values["instance_uuid"], values["request_id"])
    if row is None:
        raise exception.InstanceActionNotFound(request_id=values["request_id"],
                                               instance_uuid=values["instance_uuid"])
    row.update(values)
    context.session.flush()
    return row


@api.reader
def action_get_by_request_id(context, instance_uuid, request_id):
    return _action_by_request_id(context, instance_uuid, request_id)


@api.reader
def actions_get(context, instance_uuid, limit=None, marker=None, filters=None):
    """Actions of an instance, newest first, paged after the ``marker`` request id."""
    filters = filters or {}
    query = query_utils.model_query(context, models.InstanceAction).filter_by(
        instance_uuid=instance_uuid)
    if filters.get("changes-since") is not None:
        query = query.filter(models.InstanceAction.updated_at >= query_utils.naive_time(
            filters["changes-since"]))
    if filters.get("changes-before") is not None:
        query = query.filter(models.InstanceAction.updated_at <= query_utils.naive_time(
            filters["changes-before"]))
    marker_row = None
    if marker is not None:
        marker_row = _action_by_request_id(context, instance_uuid, marker)
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    query = query_utils.paginate(query, models.InstanceAction, limit, ["created_at", "id"],
                                 ["desc", "desc"], marker_row)
    return query.all()


def _event_values(values, action_id):
    values = {k: v for k, v in values.items() if k not in ("instance_uuid", "request_id")}
    values["action_id"] = action_id
    return values


@_retry_on_deadlock
@api.writer
def action_event_start(context, values, want_row=True):
    """Record the start of an event of the action with the context's request id."""
    action_id = _action_id(context, values)
    context.session.execute(sa.update(_ACTIONS).where(_ACTIONS.c.id == action_id).values(
        updated_at=values.get("start_time") or timeutils.utcnow()))
    result = context.session.execute(sa.insert(_EVENTS).values(
        _event_values(values, action_id)))
    if want_row:
        return _row(context, _EVENT_BY_ID, result.inserted_primary_key[0])
    return None


@_retry_on_deadlock
@api.writer
def action_event_finish(context, values, action_id=None, want_row=True):
    """Record the end of an event; an error result marks the action 'Error'.

    The action is the one of the context's request id, or ``action_id``.
    """
    if action_id is not None:
        if _row(context, _ACTION_BY_ID, action_id) is None:
            raise exception.InstanceActionNotFound(request_id=values.get("request_id"),
                                                   instance_uuid=values.get("instance_uuid"))
    else:
        action_id = _action_id(context, values)
    event_id = context.session.execute(_LAST_EVENT_ID, {
        "b_action_id": action_id, "b_event": values["event"]}).scalar()
    if event_id is None:
        raise exception.InstanceActionEventNotFound(action_id=action_id,
                                                    event=values["event"])
    action_values = {"updated_at": values.get("finish_time") or timeutils.utcnow()}
    if (values.get("result") or "").lower() == "error":
        action_values["message"] = "Error"
    context.session.execute(sa.update(_ACTIONS).where(_ACTIONS.c.id == action_id).values(
        action_values))
    context.session.execute(sa.update(_EVENTS).where(_EVENTS.c.id == event_id).values(
        _event_values(values, action_id)))
    if want_row:
        return _row(context, _EVENT_BY_ID, event_id)
    return None


@api.reader
def action_events_get(context, action_id):
    return query_utils.model_query(context, models.InstanceActionEvent).filter_by(
        action_id=action_id).order_by(models.InstanceActionEvent.created_at.desc(),
                                      models.InstanceActionEvent.id.desc()).all()


@api.reader
def action_event_get_by_id(context, action_id, event_id):
    row = query_utils.model_query(context, models.InstanceActionEvent).filter_by(
        action_id=action_id, id=event_id).first()
    if row is None:
        raise exception.InstanceActionEventNotFound(action_id=action_id, event=event_id)
    return row

