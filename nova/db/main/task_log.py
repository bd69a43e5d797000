"""The task_log table: periodic task runs per host and period."""

from oslo_db import exception as db_exc
from oslo_utils import timeutils

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _query(context, task_name, begin, end, host=None, state=None):
    query = query_utils.model_query(context, models.TaskLog).filter_by(
        task_name=task_name, period_beginning=query_utils.naive_time(begin),
        period_ending=query_utils.naive_time(end))
    if host is not None:
        query = query.filter_by(host=host)
    if state is not None:
        query = query.filter_by(state=state)
    return query


@api.reader
def task_log_get(context, task_name, begin, end, host, state=None):
    row = _query(context, task_name, begin, end, host, state).first()
    return dict(row) if row is not None else None


@api.reader
def task_log_get_all(context, task_name, begin, end, host=None, state=None):
    return [dict(r) for r in _query(context, task_name, begin, end, host, state).all()]


@api.writer
def task_log_begin_task(context, task_name, begin, end, host, task_items=None,
                        message=None):
    """Record that ``host`` started ``task_name`` for the period; TaskAlreadyRunning
    when it already has a record for it."""
    row = models.TaskLog(task_name=task_name, host=host, state="RUNNING",
                         period_beginning=query_utils.naive_time(begin),
                         period_ending=query_utils.naive_time(end),
                         task_items=task_items or 0, errors=0, message=message or "")
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.TaskAlreadyRunning(task_name=task_name, host=host)
    return dict(row)


@api.writer
def task_log_end_task(context, task_name, begin, end, host, errors, message=None,
                      task_items=None):
    values = {"state": "DONE", "errors": errors, "message": message or "",
              "updated_at": timeutils.utcnow()}
    if task_items is not None:
        values["task_items"] = task_items
    rows = _query(context, task_name, begin, end, host).update(values)
    if not rows:
        raise exception.TaskNotRunning(task_name=task_name, host=host)
