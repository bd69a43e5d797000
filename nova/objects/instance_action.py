"""InstanceAction and InstanceActionEvent: the os-instance-actions record.

An action is one user request on a server (create, reboot, resize...),
keyed by the request id; its events are the steps services ran for it.
"""

import traceback

from oslo_utils import timeutils

from nova.db.main import instance_actions as db
from nova import exception
from nova.objects import base
from nova.objects import fields


def _fill(obj, context, row):
    for key in obj.fields:
        value = getattr(row, key)
        if key == "deleted":
            value = bool(value)
        setattr(obj, key, value)
    obj._context = context
    obj.obj_reset_changes()
    return obj


@base.NovaObjectRegistry.register
class InstanceAction(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "action": fields.StringField(nullable=True),
        "instance_uuid": fields.UUIDField(nullable=True),
        "request_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        # 'Error' once any of its events failed.
        "message": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, action, db_action):
        return _fill(action, context, db_action)

    @staticmethod
    def pack_action_start(context, instance_uuid, action_name):
        return {"request_id": context.request_id, "instance_uuid": instance_uuid,
                "user_id": context.user_id, "project_id": context.project_id,
                "action": action_name, "start_time": context.timestamp,
                "updated_at": context.timestamp}

    @staticmethod
    def pack_action_finish(context, instance_uuid):
        now = timeutils.utcnow()
        return {"request_id": context.request_id, "instance_uuid": instance_uuid,
                "finish_time": now, "updated_at": now}

    @base.remotable_classmethod
    def get_by_request_id(cls, context, instance_uuid, request_id):
        row = db.action_get_by_request_id(context, instance_uuid, request_id)
        return cls._from_db_object(context, cls(), row) if row is not None else None

    @base.remotable_classmethod
    def action_start(cls, context, instance_uuid, action_name, want_result=True):
        row = db.action_start(context, cls.pack_action_start(context, instance_uuid,
                                                             action_name),
                              want_row=want_result)
        if want_result:
            return cls._from_db_object(context, cls(), row)

    @classmethod
    def action_start_many(cls, context, instance_uuids, action_name):
        """Record ``action_name`` on several instances at once. Not remotable:
        for callers next to the database (the conductor)."""
        db.action_start_many(context, [cls.pack_action_start(context, uuid, action_name)
                                       for uuid in instance_uuids])

    @base.remotable_classmethod
    def action_finish(cls, context, instance_uuid, want_result=True):
        row = db.action_finish(context, cls.pack_action_finish(context, instance_uuid))
        if want_result:
            return cls._from_db_object(context, cls(), row)

    @base.remotable
    def finish(self):
        values = self.pack_action_finish(self._context, self.instance_uuid)
        values["request_id"] = self.request_id
        self._from_db_object(self._context, self, db.action_finish(self._context, values))


@base.NovaObjectRegistry.register
class InstanceActionList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceAction")}

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid, limit=None, marker=None,
                             filters=None, changes_since=None, changes_before=None):
        """Actions of the instance, newest first.

        ``marker`` is the request id of the last action already seen
        (MarkerNotFound when there is none); changes-since/changes-before
        come either in ``filters`` (as the API passes them) or as keywords.
        """
        filters = dict(filters or {})
        if changes_since is not None:
            filters["changes-since"] = changes_since
        if changes_before is not None:
            filters["changes-before"] = changes_before
        rows = db.actions_get(context, instance_uuid, limit=limit, marker=marker,
                              filters=filters)
        return base.obj_make_list(context, cls(context), InstanceAction, rows)


def _format_exc_val(exc_val):
    if exc_val is None or isinstance(exc_val, str):
        return exc_val
    message = exc_val.format_message() if isinstance(
        exc_val, exception.NovaException) else str(exc_val)
    return message or type(exc_val).__name__


def _format_traceback(exc_tb):
    if exc_tb is None or isinstance(exc_tb, str):
        return exc_tb
    return "".join(traceback.format_tb(exc_tb))


@base.NovaObjectRegistry.register
class InstanceActionEvent(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "event": fields.StringField(nullable=True),
        "action_id": fields.IntegerField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        # 'Success' or 'Error' once finished.
        "result": fields.StringField(nullable=True),
        "traceback": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        # The failure's message, without the traceback.
        "details": fields.StringField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, event, db_event):
        return _fill(event, context, db_event)

    @staticmethod
    def pack_action_event_start(context, instance_uuid, event_name, host=None):
        return {"event": event_name, "instance_uuid": instance_uuid,
                "request_id": context.request_id, "start_time": timeutils.utcnow(),
                "host": host}

    @staticmethod
    def pack_action_event_finish(context, instance_uuid, event_name, exc_val=None,
                                 exc_tb=None):
        values = {"event": event_name, "instance_uuid": instance_uuid,
                  "request_id": context.request_id, "finish_time": timeutils.utcnow()}
        if exc_tb is None:
            values["result"] = "Success"
        else:
            values["result"] = "Error"
            values["traceback"] = _format_traceback(exc_tb)
            if exc_val is not None:
                values["details"] = _format_exc_val(exc_val)
        return values

    @base.remotable_classmethod
    def get_by_id(cls, context, action_id, event_id):
        return cls._from_db_object(context, cls(),
                                   db.action_event_get_by_id(context, action_id, event_id))

    @base.remotable_classmethod
    def event_start(cls, context, instance_uuid, event_name, want_result=True, host=None):
        row = db.action_event_start(context, cls.pack_action_event_start(
            context, instance_uuid, event_name, host=host), want_row=bool(want_result))
        if want_result:
            return cls._from_db_object(context, cls(), row)

    @classmethod
    def event_finish_with_failure(cls, context, instance_uuid, event_name, exc_val=None,
                                  exc_tb=None, want_result=None):
        """Finish the event: 'Error' with the traceback when ``exc_tb`` is
        given, else 'Success'. A failure also marks the action 'Error'.

        The exception and traceback become strings here, before the call may
        cross RPC to the conductor.
        """
        return cls._finish(context, instance_uuid, event_name, None,
                           _format_exc_val(exc_val) if exc_tb is not None else None,
                           _format_traceback(exc_tb), want_result)

    @base.remotable_classmethod
    def _finish(cls, context, instance_uuid, event_name, action_id, exc_val, exc_tb,
                want_result):
        values = cls.pack_action_event_finish(context, instance_uuid, event_name,
                                              exc_val=exc_val, exc_tb=exc_tb)
        row = db.action_event_finish(context, values, action_id=action_id,
                                     want_row=bool(want_result))
        if want_result:
            return cls._from_db_object(context, cls(), row)

    @classmethod
    def event_finish(cls, context, instance_uuid, event_name, want_result=True):
        return cls.event_finish_with_failure(context, instance_uuid, event_name,
                                             want_result=want_result)

    def finish_with_failure(self, exc_val, exc_tb):
        finished = self._finish(self._context, None, self.event, self.action_id,
                                _format_exc_val(exc_val) if exc_tb is not None else None,
                                _format_traceback(exc_tb), True)
        self._from_db_object(self._context, self, finished)

    def finish(self):
        self.finish_with_failure(exc_val=None, exc_tb=None)


@base.NovaObjectRegistry.register
class InstanceActionEventList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceActionEvent")}

    @base.remotable_classmethod
    def get_by_action(cls, context, action_id):
        rows = db.action_events_get(context, action_id)
        return base.obj_make_list(context, cls(context), InstanceActionEvent, rows)
