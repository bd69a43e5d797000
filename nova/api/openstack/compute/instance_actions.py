"""/servers/{server_id}/os-instance-actions: what was done to a server, and how it went.

Every user request on a server is an action (keyed by its request id);
the services record the steps they ran for it as events. From 2.21 the
actions of deleted servers are shown too; from 2.51 every reader sees the
events (their tracebacks stay behind the ``events`` rule); 2.58 pages the
list (limit, marker = request id, changes-since), 2.62 adds the event's
host (behind ``events``) and hostId, 2.66 changes-before, 2.84 details.
"""

from oslo_utils import timeutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import instance_actions as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack.compute.views import instance_actions as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception

POLICY = "os_compute_api:os-instance-actions:%s"


def _server(req, server_id, rule):
    context = req.context
    instance = servers.get_server(req, server_id, read_deleted=req.is_at_least("2.21"))
    context.can(POLICY % rule, target={"project_id": instance.project_id})
    return instance


def _time(name, value):
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid input for query parameter %s: %s" % (name, value))


def _filters(req):
    filters = {}
    for name in ("changes-since", "changes-before"):
        if name in req.GET and (name == "changes-since" or req.is_at_least("2.66")):
            filters[name] = _time(name, req.GET.getall(name)[-1])
    since, before = filters.get("changes-since"), filters.get("changes-before")
    if since and before and before < since:
        raise webob.exc.HTTPBadRequest(
            explanation="The value of changes-since must be less than or equal to "
                        "changes-before.")
    return filters


@wsgi.expected_errors((400, 404))
@validation.query_schema(schemas.list_query_v258, "2.58", "2.65")
@validation.query_schema(schemas.list_query_v266, "2.66")
def index(req, server_id):
    context = req.context
    instance = _server(req, server_id, "list")
    if req.is_at_least("2.58"):
        limit, marker = common.get_limit_and_marker(req)
        filters = _filters(req)
    else:
        limit = marker = None
        filters = {}
    try:
        actions = servers.COMPUTE.get_actions(context, instance, limit=limit,
                                              marker=marker, filters=filters)
    except exception.MarkerNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return views.index(req, server_id, actions)


@wsgi.expected_errors(404)
def show(req, server_id, id):
    context = req.context
    instance = _server(req, server_id, "show")
    action = servers.COMPUTE.get_action(context, instance, id)
    if action is None:
        raise webob.exc.HTTPNotFound(explanation="Action %s not found" % id)
    body = views.action(req, action)
    target = {"project_id": instance.project_id}
    show_traceback = show_host = False
    if context.can(POLICY % "events", target=target, fatal=False):
        show_events = show_traceback = True
        show_host = req.is_at_least("2.62")
    else:
        show_events = req.is_at_least("2.51")
    if show_events:
        show_details = req.is_at_least("2.84") and context.can(
            POLICY % "events:details", target=target, fatal=False)
        project_id = action.project_id or instance.project_id
        body["events"] = [
            views.event(evt, project_id, show_traceback, show_host,
                        req.is_at_least("2.62"), show_details)
            for evt in servers.COMPUTE.get_action_events(context, instance, action)]
    return {"instanceAction": body}


ROUTES = [
    ("/servers/{server_id}/os-instance-actions", {"GET": index}),
    ("/servers/{server_id}/os-instance-actions/{id}", {"GET": show}),
]
