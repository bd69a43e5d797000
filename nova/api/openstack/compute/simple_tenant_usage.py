"""os-simple-tenant-usage: hours, vCPU-, RAM- and disk-hours of projects over a window.

``GET /os-simple-tenant-usage`` (admin) reports every project,
``GET /os-simple-tenant-usage/{tenant_id}`` one project, between ``start``
and ``end`` (each defaults to now). Servers deleted inside the window count
for the time they ran in it. From 2.40 the servers of the report are paged
with ``limit`` and ``marker`` (a server uuid) and a ``next`` link follows a
full page. The rows come from one query per cell of the few columns needed.
"""

import datetime

from oslo_utils import timeutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import simple_tenant_usage as schema
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import parameter_types
from nova.compute import usage as usage_calc
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import instance_usage

POLICY_ROOT = "os_compute_api:os-simple-tenant-usage:%s"
# The time formats ``start`` and ``end`` may take (as upstream accepts them).
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")
SUMMARY_KEYS = ("tenant_id", "start", "stop", "total_hours", "total_local_gb_usage",
                "total_memory_mb_usage", "total_vcpus_usage")


def _parse_time(value):
    if not value:
        return timeutils.utcnow()
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise exception.InvalidInput(reason="Datetime is in invalid format")


def _window(req):
    try:
        begin = _parse_time(req.GET.get("start"))
        end = _parse_time(req.GET.get("end"))
    except exception.InvalidInput as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if begin > end:
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid start time. The start time cannot occur after the end time.")
    return begin, end


def _cells(ctxt):
    cells = [c for c in objects.CellMappingList.get_all(ctxt) if not c.is_cell0()]
    return sorted(cells, key=lambda c: c.uuid)


def _rows(req, begin, end, project_id):
    """Usage rows of the page the request asks for, in (project_id, uuid) order."""
    ctxt = req.context
    limit = marker = None
    if req.is_at_least("2.40"):
        limit, marker = common.get_limit_and_marker(req)
    cells = _cells(ctxt)
    after = None
    if marker is not None:
        for cell in cells:
            with nova_context.target_cell(ctxt, cell) as cctxt:
                found = instance_usage.project_of(cctxt, marker)
            if found is not None:
                after = (found, marker)
                break
        if after is None:
            raise webob.exc.HTTPBadRequest(explanation="marker [%s] not found" % marker)
    rows = []
    for cell in cells:
        with nova_context.target_cell(ctxt, cell) as cctxt:
            rows.extend(instance_usage.usage_in_window(
                cctxt, begin, end, project_id=project_id, limit=limit, after=after))
    if len(cells) > 1:
        rows.sort(key=lambda r: (r["project_id"] or "", r["uuid"]))
    if limit is not None:
        rows = rows[:limit]
    return rows, limit


def _report(req, project_id):
    begin, end = _window(req)
    rows, limit = _rows(req, begin, end, project_id)
    now = timeutils.utcnow()
    usages = [u for u in (usage_calc.server_usage(r, begin, end, now) for r in rows) if u]
    summaries = usage_calc.project_totals(usages, begin, end)
    links = []
    if limit is not None and rows and len(rows) == limit:
        links = [common.next_link(req, _collection(req, project_id), rows[-1]["uuid"])]
    return summaries, links


def _collection(req, project_id):
    return ("os-simple-tenant-usage/%s" % project_id if project_id
            else "os-simple-tenant-usage")


@wsgi.expected_errors(400)
@validation.query_schema(schema.index_query, "2.1", "2.39")
@validation.query_schema(schema.index_query_v240, "2.40", "2.74")
@validation.query_schema(schema.index_query_v275, "2.75")
def index(req):
    """Every project's usage (admin); ``detailed=1`` lists their servers."""
    req.context.can(POLICY_ROOT % "list", target={"project_id": req.context.project_id})
    # "1" as upstream documents it; openstacksdk sends "True".
    detailed = parameter_types.to_bool(req.GET.get("detailed", "0"))
    summaries, links = _report(req, None)
    result = []
    for summary in summaries.values():
        if not detailed:
            summary = {key: summary[key] for key in SUMMARY_KEYS}
        result.append(summary)
    body = {"tenant_usages": result}
    if links:
        body["tenant_usages_links"] = links
    return body


@wsgi.expected_errors(400)
@validation.query_schema(schema.show_query, "2.1", "2.39")
@validation.query_schema(schema.show_query_v240, "2.40", "2.74")
@validation.query_schema(schema.show_query_v275, "2.75")
def show(req, tenant_id):
    """One project's usage with its servers; ``{}`` when it used nothing."""
    req.context.can(POLICY_ROOT % "show", target={"project_id": tenant_id})
    summaries, links = _report(req, tenant_id)
    body = {"tenant_usage": summaries.get(tenant_id, {})}
    if links:
        body["tenant_usage_links"] = links
    return body


ROUTES = [
    ("/os-simple-tenant-usage", {"GET": index}),
    ("/os-simple-tenant-usage/{tenant_id}", {"GET": show}),
]
