"""os-instance_usage_audit_log: how far the compute hosts got with the usage audit.

``GET /os-instance_usage_audit_log`` reports the last completed audit period
(``[DEFAULT] instance_usage_audit_period``), ``GET
/os-instance_usage_audit_log/{before_timestamp}`` the last one completed
before that time: the compute hosts that have not run it, each host's
record (state, errors, instances, message) and the totals. Admin only.
"""

import datetime

import webob.exc

from nova.api.openstack import wsgi
from nova.compute import usage_audit
from nova import context as nova_context
from nova import objects

POLICY_ROOT = "os_compute_api:os-instance-usage-audit-log:%s"
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def _compute_hosts(ctxt):
    hosts = set()
    results = nova_context.scatter_gather_skip_cell0(
        ctxt, objects.ServiceList.get_by_binary, "nova-compute")
    for result in results.values():
        if not nova_context.is_cell_failure_sentinel(result):
            hosts.update(service.host for service in result)
    return hosts


def _task_logs(ctxt, begin, end):
    logs = []
    results = nova_context.scatter_gather_skip_cell0(
        ctxt, objects.TaskLogList.get_all, usage_audit.TASK_NAME, begin, end)
    for result in results.values():
        if not nova_context.is_cell_failure_sentinel(result):
            logs.extend(result)
    return logs


def _report(ctxt, before=None):
    begin, end = usage_audit.last_completed_audit_period(before=before)
    hosts = _compute_hosts(ctxt)
    logs = _task_logs(ctxt, begin, end)
    done = [log for log in logs if log.state == "DONE"]
    running = [log for log in logs if log.state == "RUNNING"]
    ran = {log.host for log in logs}
    total_errors = sum(log.errors or 0 for log in logs)
    total_items = sum(log.task_items or 0 for log in logs)
    if hosts and len(done) >= len(hosts):
        status = "ALL hosts done. %d errors." % total_errors
    else:
        status = "%d of %d hosts done. %d errors." % (len(done), len(hosts), total_errors)
    return {
        "period_beginning": str(begin), "period_ending": str(end),
        "num_hosts": len(hosts), "num_hosts_done": len(done),
        "num_hosts_running": len(running), "hosts_not_run": sorted(hosts - ran),
        "num_hosts_not_run": len(hosts - ran),
        "total_instances": total_items, "total_errors": total_errors,
        "overall_status": status,
        "log": {log.host: {"state": log.state, "instances": log.task_items,
                           "errors": log.errors, "message": log.message}
                for log in logs},
    }


def _parse(value):
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise webob.exc.HTTPBadRequest(explanation="Invalid timestamp for date %s" % value)


@wsgi.expected_errors(())
def index(req):
    req.context.can(POLICY_ROOT % "list", target={"project_id": req.context.project_id})
    return {"instance_usage_audit_logs": _report(req.context)}


@wsgi.expected_errors(400)
def show(req, id):
    req.context.can(POLICY_ROOT % "show", target={"project_id": req.context.project_id})
    return {"instance_usage_audit_log": _report(req.context, _parse(id))}


ROUTES = [
    ("/os-instance_usage_audit_log", {"GET": index}),
    ("/os-instance_usage_audit_log/{id}", {"GET": show}),
]
