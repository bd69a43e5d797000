"""os-services: list, enable/disable/force down, and delete nova services.

Before 2.53 a service is addressed by host and binary through the action
URLs (enable, disable, disable-log-reason, force-down); from 2.53 by its
UUID with PUT/DELETE /os-services/{service_id}.
"""

from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import services as schemas
from nova.api.openstack.compute.views import services as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import validators
from nova import availability_zones
from nova.compute import host_api
from nova import exception

POLICY = "os_compute_api:os-services:%s"



def _validate(schema, body):
    """Check ``body`` against the schema of the action the URL names."""
    detail = validators.SchemaValidator(schema).first_error(body)
    if detail is not None:
        raise validation.ValidationError(detail=detail)


def _host_api():
    return host_api.HostAPI()


def _view(req, api, service):
    return views.service(req, service, api.service_is_up(service),
                         api.servicegroup_api.get_updated_time(service))


@wsgi.expected_errors(())
@validation.query_schema(schemas.index_query, "2.1", "2.74")
@validation.query_schema(schemas.index_query_v275, "2.75")
def index(req):
    context = req.context
    context.can(POLICY % "list", target={})
    filters = {}
    for key in ("host", "binary"):
        value = req.GET.get(key)
        if value:
            filters[key] = value
    api = _host_api()
    # 2.69: the compute hosts of a cell that does not answer are listed too,
    # as minimal records, rather than left out.
    cell_down_support = req.is_at_least("2.69")
    services = [s for s in api.service_get_all(context, filters=filters, set_zones=True,
                                               cell_down_support=cell_down_support)
                if s.binary not in common.HTTP_ONLY_BINARIES]
    services.sort(key=lambda s: (s.host or "", s.binary or "",
                                 s.id if s.obj_attr_is_set("id") else 0))
    return {"services": [_view(req, api, s) if s.obj_attr_is_set("id")
                         else views.minimal_service(s) for s in services]}


def _update_by_host_binary(req, api, body, values):
    try:
        service = api.service_get_by_host_and_binary(req.context, body["host"], body["binary"])
    except (exception.HostBinaryNotFound, exception.HostMappingNotFound) as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    service.update(values)
    return api.service_update(req.context, service)


def _enable(req, api, body):
    _validate(schemas.service_update, body)
    _update_by_host_binary(req, api, body, {"disabled": False, "disabled_reason": None})
    return {"host": body["host"], "binary": body["binary"], "status": "enabled"}


def _disable(req, api, body):
    _validate(schemas.service_update, body)
    _update_by_host_binary(req, api, body, {"disabled": True})
    return {"host": body["host"], "binary": body["binary"], "status": "disabled"}


def _disable_log_reason(req, api, body):
    _validate(schemas.service_disable_log_reason, body)
    _update_by_host_binary(req, api, body, {"disabled": True,
                                            "disabled_reason": body["disabled_reason"]})
    return {"host": body["host"], "binary": body["binary"], "status": "disabled",
            "disabled_reason": body["disabled_reason"]}


@wsgi.api_version("2.11")
def _force_down(req, api, body):
    _validate(schemas.service_force_down, body)
    forced_down = strutils.bool_from_string(body["forced_down"], strict=True)
    _update_by_host_binary(req, api, body, {"forced_down": forced_down})
    return {"host": body["host"], "binary": body["binary"], "forced_down": forced_down}


# PUT /os-services/<action> before 2.53.
_ACTIONS = {"enable": _enable, "disable": _disable,
            "disable-log-reason": _disable_log_reason, "force-down": _force_down}


def _legacy_action(req, action):
    """PUT /os-services/{enable|disable|disable-log-reason|force-down} (2.1-2.52)."""
    func = _ACTIONS.get(action)
    if func is None or not wsgi.versions_match(func, req):
        raise webob.exc.HTTPNotFound(explanation="Unknown action")
    return {"service": func(req, _host_api(), req.get_json())}


def _update_v253(req, service_id):
    if not uuidutils.is_uuid_like(service_id):
        raise webob.exc.HTTPBadRequest(explanation="Invalid uuid %s" % service_id)
    body = req.get_json()
    _validate(schemas.service_update_v253, body)
    status = body.get("status")
    if "disabled_reason" in body and status != "disabled":
        raise webob.exc.HTTPBadRequest(
            explanation="Specifying 'disabled_reason' with status '%s' is invalid." % status)
    if status is None and "forced_down" not in body:
        raise webob.exc.HTTPBadRequest(
            explanation="No updates were requested. Fields 'status' or 'forced_down' "
                        "should be specified.")
    api = _host_api()
    try:
        service = api.service_get_by_uuid(req.context, service_id)
    except exception.ServiceNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    if service.binary != host_api.COMPUTE_BINARY:
        raise webob.exc.HTTPBadRequest(
            explanation="Updating a %s service is not supported. Only nova-compute "
                        "services can be updated." % service.binary)
    if status is not None:
        service.disabled = status == "disabled"
        service.disabled_reason = body.get("disabled_reason") if service.disabled else None
    if "forced_down" in body:
        service.forced_down = strutils.bool_from_string(body["forced_down"], strict=True)
    api.service_update(req.context, service)
    availability_zones.set_availability_zones(req.context, [service])
    return {"service": _view(req, api, service)}


@wsgi.expected_errors((400, 404))
def update(req, service_id):
    req.context.can(POLICY % "update", target={})
    if req.is_at_least("2.53"):
        return _update_v253(req, service_id)
    return _legacy_action(req, service_id)


@wsgi.expected_errors((400, 404, 409))
@wsgi.response(204)
def delete(req, service_id):
    context = req.context
    context.can(POLICY % "delete", target={})
    api = _host_api()
    try:
        if req.is_at_least("2.53"):
            if not uuidutils.is_uuid_like(service_id):
                raise webob.exc.HTTPBadRequest(explanation="Invalid uuid %s" % service_id)
            service = api.service_get_by_uuid(context, service_id)
        else:
            if not strutils.is_int_like(service_id):
                raise webob.exc.HTTPBadRequest(explanation="Invalid ID %s" % service_id)
            service = api.service_get_by_id(context, int(service_id))
    except exception.ServiceNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    try:
        api.service_delete(context, service)
    except exception.Conflict as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.ServiceNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return None


ROUTES = [
    ("/os-services", {"GET": index}),
    ("/os-services/{service_id}", {"PUT": update, "DELETE": delete}),
]
