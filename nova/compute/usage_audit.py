"""The instance usage audit: once per period, each compute host records in
task_log how many of its instances were alive in the last completed period.

``[DEFAULT] instance_usage_audit`` turns it on; ``instance_usage_audit_period``
is ``hour``, ``day``, ``month`` (default) or ``year``, optionally with an
offset after ``@`` (``month@15``: months start on the 15th; ``day@6``: at
06:00; ``hour@30``: at half past; ``year@7``: in July).
os-instance_usage_audit_log reports the records.
"""

import datetime
import time

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
TASK_NAME = "instance_usage_audit"


def last_completed_audit_period(unit=None, before=None):
    """(begin, end) of the last complete period of ``unit`` ending at or
    before ``before`` (default now), naive UTC datetimes."""
    unit = unit or CONF.instance_usage_audit_period
    offset = 0
    if "@" in unit:
        unit, offset_text = unit.split("@", 1)
        offset = int(offset_text)
    now = before or timeutils.utcnow()
    if unit == "hour":
        end = now.replace(minute=offset, second=0, microsecond=0)
        if end > now:
            end -= datetime.timedelta(hours=1)
        return end - datetime.timedelta(hours=1), end
    if unit == "day":
        end = now.replace(hour=offset, minute=0, second=0, microsecond=0)
        if end > now:
            end -= datetime.timedelta(days=1)
        return end - datetime.timedelta(days=1), end
    if unit == "month":
        day = offset or 1
        end = now.replace(day=day, hour=0, minute=0, second=0, microsecond=0)
        if end > now:
            end = _add_months(end, -1)
        return _add_months(end, -1), end
    if unit == "year":
        month = offset or 1
        end = now.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        if end > now:
            end = end.replace(year=end.year - 1)
        return end.replace(year=end.year - 1), end
    raise ValueError("unknown instance_usage_audit_period %r" % unit)


def _add_months(value, months):
    month = value.month - 1 + months
    return value.replace(year=value.year + month // 12, month=month % 12 + 1)


class UsageAuditOperations:
    """Mixin of ComputeManager: the periodic usage audit of this host."""

    def audit_instance_usage(self, context):
        """The periodic task's body (ComputeManager._instance_usage_audit)."""
        if not CONF.instance_usage_audit:
            return
        begin, end = last_completed_audit_period()
        log = objects.TaskLog(context, task_name=TASK_NAME, host=self.host,
                              period_beginning=begin, period_ending=end, task_items=0,
                              errors=0, message="Instance usage audit started...")
        try:
            log.begin_task()
        except exception.TaskAlreadyRunning:
            return  # this host audited the period already
        started = time.monotonic()
        instances = objects.InstanceList.get_active_by_window_joined(
            context, begin, end, host=self.host)
        errors = 0
        for instance in instances:
            try:
                LOG.debug("Usage of %s audited for %s - %s", instance.uuid, begin, end)
            except Exception:
                errors += 1
        log.task_items = len(instances)
        log.errors = errors
        log.message = ("Instance usage audit ran for host %s, %s instances in %s seconds."
                       % (self.host, len(instances), round(time.monotonic() - started, 3)))
        log.end_task()
        LOG.info(log.message)
