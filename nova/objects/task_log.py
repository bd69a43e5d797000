"""TaskLog: a periodic task's run over one period on one host (the usage audit)."""

from nova.db.main import task_log as db
from nova.objects import base
from nova.objects import fields


@base.NovaObjectRegistry.register
class TaskLog(base.NovaPersistentObject, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "task_name": fields.StringField(),
        "state": fields.StringField(read_only=True),
        "host": fields.StringField(),
        "period_beginning": fields.DateTimeField(),
        "period_ending": fields.DateTimeField(),
        "message": fields.StringField(),
        "task_items": fields.IntegerField(),
        "errors": fields.IntegerField(),
    }

    @staticmethod
    def _from_db_object(context, log, row):
        for key in log.fields:
            value = row[key]
            if key == "deleted":
                value = bool(value)
            setattr(log, key, value)
        log._context = context
        log.obj_reset_changes()
        return log

    @base.remotable
    def begin_task(self):
        """Record the start; TaskAlreadyRunning when this host has a record
        for the period already (it ran, or is running)."""
        row = db.task_log_begin_task(self._context, self.task_name,
                                     self.period_beginning, self.period_ending,
                                     self.host, task_items=self.task_items,
                                     message=self.message)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def end_task(self):
        db.task_log_end_task(self._context, self.task_name, self.period_beginning,
                             self.period_ending, self.host, errors=self.errors,
                             message=self.message, task_items=self.task_items)


@base.NovaObjectRegistry.register
class TaskLogList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("TaskLog")}

    @base.remotable_classmethod
    def get_all(cls, context, task_name, period_beginning, period_ending, host=None,
                state=None):
        rows = db.task_log_get_all(context, task_name, period_beginning, period_ending,
                                   host=host, state=state)
        return base.obj_make_list(context, cls(context), TaskLog, rows)
