"""os-quota-sets: a project's (or a project user's) limits and usage.

``GET /os-quota-sets/{project_id}`` shows the limits that apply,
``/detail`` adds usage, ``/defaults`` shows what a project without its own
limits gets. ``PUT`` sets limits; a limit below what is already used (or
already handed out to the project's users) is refused unless ``force`` is
true. ``DELETE`` forgets a project's (or user's) own limits.
"""

from oslo_log import log as logging
import webob.exc

from nova.api.openstack.compute.schemas import quota_sets as schemas
from nova.api.openstack.compute.views import quota_sets as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import parameter_types
from nova import exception
from nova import objects
from nova import quota

LOG = logging.getLogger(__name__)
POLICY = "os_compute_api:os-quota-sets:%s"
QUOTAS = quota.QUOTAS


def _user_id(req):
    return req.GET.get("user_id") or None


def _limits(context, project_id, user_id=None, usages=False):
    if user_id:
        values = QUOTAS.get_user_quotas(context, project_id, user_id, usages=usages)
    else:
        values = QUOTAS.get_project_quotas(context, project_id, usages=usages)
    if usages:
        reserved = QUOTAS.get_reserved()
        return {name: {"limit": v["limit"], "in_use": v.get("in_use", 0),
                       "reserved": reserved}
                for name, v in values.items()}
    return {name: v["limit"] for name, v in values.items()}


def _show(req, project_id, detail):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % ("detail" if detail else "show"),
                target={"project_id": project_id, "user_id": user_id or context.user_id})
    values = _limits(context, project_id, user_id, usages=detail)
    return views.quota_set(req, values, set_id=project_id, detail=detail)


@wsgi.expected_errors(400)
@validation.query_schema(schemas.query, None, "2.74")
@validation.query_schema(schemas.query_v275, "2.75")
def show(req, project_id):
    return _show(req, project_id, detail=False)


@wsgi.expected_errors(400)
@validation.query_schema(schemas.query, None, "2.74")
@validation.query_schema(schemas.query_v275, "2.75")
def detail(req, project_id):
    return _show(req, project_id, detail=True)


@wsgi.expected_errors(())
def defaults(req, project_id):
    context = req.context
    context.can(POLICY % "defaults", target={"project_id": project_id})
    return views.quota_set(req, QUOTAS.get_defaults(context), set_id=project_id)


def _check_limit(resource, limit, minimum, maximum):
    def inf(value):
        return float("inf") if value == quota.UNLIMITED else value

    if limit < quota.UNLIMITED:
        msg = "Quota limit %(limit)s for %(resource)s must be -1 or greater."
    elif inf(limit) < inf(minimum):
        msg = ("Quota limit %(limit)s for %(resource)s must be greater than or equal "
               "to already used and reserved %(minimum)s.")
    elif inf(limit) > inf(maximum):
        msg = ("Quota limit %(limit)s for %(resource)s must be less than or equal "
               "to %(maximum)s.")
    else:
        return
    raise webob.exc.HTTPBadRequest(explanation=msg % {
        "limit": limit, "resource": resource, "minimum": minimum, "maximum": maximum})


def store_limits(context, project_id, new_limits, user_id=None):
    """Create or update the stored limits of a project (or one of its users)."""
    for resource, limit in new_limits.items():
        try:
            objects.Quotas.create_limit(context, project_id, resource, limit,
                                        user_id=user_id)
        except exception.QuotaExists:
            objects.Quotas.update_limit(context, project_id, resource, limit,
                                        user_id=user_id)


@wsgi.expected_errors(400)
@validation.schema(schemas.update, None, "2.35")
@validation.schema(schemas.update_v236, "2.36", "2.56")
@validation.schema(schemas.update_v257, "2.57")
@validation.query_schema(schemas.query, None, "2.74")
@validation.query_schema(schemas.query_v275, "2.75")
def update(req, project_id):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % "update", target={"project_id": project_id})
    requested = dict(req.get_json()["quota_set"])
    force = parameter_types.to_bool(requested.pop("force", False))
    settable = QUOTAS.get_settable_quotas(context, project_id, user_id=user_id)
    new_limits = {}
    for resource, value in requested.items():
        if resource not in settable:
            # A nova-network limit an old client still sends: nothing enforces it.
            LOG.debug("Ignoring the %s quota, which is no longer enforced", resource)
            continue
        limit = int(value)
        if not force:
            _check_limit(resource, limit, settable[resource]["minimum"],
                         settable[resource]["maximum"])
        elif limit < quota.UNLIMITED:
            _check_limit(resource, limit, quota.UNLIMITED, quota.UNLIMITED)
        new_limits[resource] = limit
    store_limits(context, project_id, new_limits, user_id=user_id)
    return views.quota_set(req, _limits(context, project_id, user_id))


@wsgi.expected_errors(())
@wsgi.response(202)
@validation.query_schema(schemas.query, None, "2.74")
@validation.query_schema(schemas.query_v275, "2.75")
def delete(req, project_id):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % "delete", target={"project_id": project_id})
    if user_id:
        objects.Quotas.destroy_all_by_project_and_user(context, project_id, user_id)
    else:
        objects.Quotas.destroy_all_by_project(context, project_id)


ROUTES = [
    ("/os-quota-sets/{project_id}", {"GET": show, "PUT": update, "DELETE": delete}),
    ("/os-quota-sets/{project_id}/detail", {"GET": detail}),
    ("/os-quota-sets/{project_id}/defaults", {"GET": defaults}),
]
