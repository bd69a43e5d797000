"""os-server-groups: groups of servers placed by an (anti-)affinity policy.

Creating a group counts against the ``server_groups`` quota of the project
and user. A group's members are added when servers are booted into it.
"""

from oslo_log import log as logging
import webob.exc

from nova.api.openstack.compute.schemas import server_groups as schemas
from nova.api.openstack.compute.views import server_groups as views
from nova.api.openstack import common
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import parameter_types
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)
POLICY = "os_compute_api:os-server-groups:%s"
QUOTA_MESSAGE = "Quota exceeded, too many server groups."


def _get(context, group_id):
    try:
        return objects.InstanceGroup.get_by_uuid(context, group_id)
    except exception.InstanceGroupNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


def _check_quota(context, delta):
    try:
        objects.Quotas.check_deltas(context, {"server_groups": delta}, context.project_id,
                                    context.user_id)
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(explanation=QUOTA_MESSAGE)


@wsgi.expected_errors((400, 403, 409))
@validation.schema(schemas.create, None, "2.14")
@validation.schema(schemas.create_v215, "2.15", "2.63")
@validation.schema(schemas.create_v264, "2.64")
def create(req):
    context = req.context
    context.can(POLICY % "create", target={"project_id": context.project_id,
                                           "user_id": context.user_id})
    params = req.get_json()["server_group"]
    if req.is_at_least("2.64"):
        policy = params["policy"]
        rules = params.get("rules") or {}
        if rules and policy != "anti-affinity":
            raise webob.exc.HTTPBadRequest(
                explanation="Only anti-affinity policy supports rules.")
        rules = {name: str(value) for name, value in rules.items()}
    else:
        policy = params["policies"][0]
        rules = {}
    _check_quota(context, 1)
    group = objects.InstanceGroup(context, name=params["name"], policy=policy, rules=rules,
                                  project_id=context.project_id, user_id=context.user_id,
                                  members=[])
    try:
        group.create()
    except exception.InstanceGroupIdExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    try:
        # Another request may have created a group at the same time: count again.
        _check_quota(context, 0)
    except webob.exc.HTTPForbidden:
        group.destroy()
        raise
    return views.show(req, group)


@wsgi.expected_errors(400)
@validation.query_schema(schemas.index_query, None, "2.74")
@validation.query_schema(schemas.index_query_v275, "2.75")
def index(req):
    context = req.context
    context.can(POLICY % "index", target={"project_id": context.project_id})
    all_projects = parameter_types.to_bool(req.GET.get("all_projects", False))
    if all_projects:
        context.can(POLICY % "index:all_projects", target={})
        groups = objects.InstanceGroupList.get_all(context)
    else:
        groups = objects.InstanceGroupList.get_by_project_id(context, context.project_id)
    return views.index(req, common.limited(list(groups), req))


@wsgi.expected_errors(404)
def show(req, id):
    context = req.context
    group = _get(context, id)
    context.can(POLICY % "show", target={"project_id": group.project_id,
                                         "user_id": group.user_id})
    return views.show(req, group)


@wsgi.expected_errors(404)
@wsgi.response(204)
def delete(req, id):
    context = req.context
    group = _get(context, id)
    context.can(POLICY % "delete", target={"project_id": group.project_id,
                                           "user_id": group.user_id})
    try:
        group.destroy()
    except exception.InstanceGroupNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


ROUTES = [
    ("/os-server-groups", {"GET": index, "POST": create}),
    ("/os-server-groups/{id}", {"GET": show, "DELETE": delete}),
]
