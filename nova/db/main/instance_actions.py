"""Cell-database queries on instance_actions and instance_actions_events."""

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


@api.writer
def action_start(context, values):
    row = models.InstanceAction()
    row.update(values)
    context.session.add(row)
    context.session.flush()
    return row


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


def _action_for_event(context, values):
    row = _action_by_request_id(context, values["instance_uuid"], values["request_id"])
    if row is None:
        raise exception.InstanceActionNotFound(request_id=values["request_id"],
                                               instance_uuid=values["instance_uuid"])
    return row


def _event_values(values, action_id):
    values = {k: v for k, v in values.items() if k not in ("instance_uuid", "request_id")}
    values["action_id"] = action_id
    return values


@api.writer
def action_event_start(context, values):
    """Record the start of an event of the action with the context's request id."""
    action = _action_for_event(context, values)
    row = models.InstanceActionEvent()
    row.update(_event_values(values, action.id))
    context.session.add(row)
    action.updated_at = values.get("start_time") or timeutils.utcnow()
    context.session.flush()
    return row


@api.writer
def action_event_finish(context, values, action_id=None):
    """Record the end of an event; an error result marks the action 'Error'.

    The action is the one of the context's request id, or ``action_id``.
    """
    if action_id is not None:
        action = query_utils.model_query(context, models.InstanceAction,
                                         read_deleted="yes").filter_by(id=action_id).first()
        if action is None:
            raise exception.InstanceActionNotFound(request_id=values.get("request_id"),
                                                   instance_uuid=values.get("instance_uuid"))
    else:
        action = _action_for_event(context, values)
    row = query_utils.model_query(context, models.InstanceActionEvent).filter_by(
        action_id=action.id, event=values["event"]).order_by(
        models.InstanceActionEvent.id.desc()).first()
    if row is None:
        raise exception.InstanceActionEventNotFound(action_id=action.id,
                                                    event=values["event"])
    row.update(_event_values(values, action.id))
    if (values.get("result") or "").lower() == "error":
        action.message = "Error"
    action.updated_at = values.get("finish_time") or timeutils.utcnow()
    context.session.flush()
    return row


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


@api.reader
def action_count(context, instance_uuid):
    return query_utils.model_query(context, models.InstanceAction).filter_by(
        instance_uuid=instance_uuid).with_entities(sa.func.count()).scalar()

