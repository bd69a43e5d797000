"""/servers: list, show and update servers (create, delete and actions live elsewhere).

``GET /servers`` and ``/servers/detail`` list the servers of the caller's
project (every project's with ``all_tenants`` for admins), filtered, sorted
and paged across build requests and every cell. A user without the
``allow_all_filters`` rule may only use the filters listed in
``_user_filters``; others are dropped silently (unknown parameters are a 400
from microversion 2.75).
"""

import re

from oslo_log import log as logging
from oslo_utils import strutils
from oslo_utils import timeutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute import server_context
from nova.api.openstack.compute.schemas import servers as schemas
from nova.api.openstack.compute.views import servers as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova.compute import down_cells
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)
POLICY = "os_compute_api:servers:%s"

COMPUTE = compute_api.API()

# What the list views load with each instance.
DETAIL_ATTRS = ["metadata", "system_metadata", "info_cache", "flavor", "fault", "tags"]

# Filters every user may apply, by the microversion that introduced them.
_USER_FILTERS = (
    ("2.1", ("reservation_id", "name", "status", "image", "flavor", "ip",
             "changes-since", "all_tenants")),
    ("2.5", ("ip6",)),
    ("2.26", ("tags", "tags-any", "not-tags", "not-tags-any")),
    ("2.66", ("changes-before",)),
    ("2.73", ("locked",)),
    ("2.83", ("availability_zone", "config_drive", "key_name", "created_at",
              "launched_at", "terminated_at", "power_state", "task_state", "vm_state",
              "progress", "user_id")),
)
# Not filters: paging and sorting parameters.
_NOT_FILTERS = ("limit", "marker", "sort_key", "sort_dir", "page_size", "offset")
_ADMIN_SORT_KEYS = ("host", "node")
# Filters matched as regular expressions by the databases.
_REGEX_FILTERS = ("name", "display_name", "hostname", "description",
                  "display_description")


def _user_filters(req):
    allowed = set()
    for version, names in _USER_FILTERS:
        if req.is_at_least(version):
            allowed.update(names)
    return allowed


def _list_attrs(req):
    """What a detailed list loads: system metadata (locked reason, trusted
    certificates, image properties) and tags only where the version shows them."""
    attrs = list(DETAIL_ATTRS)
    if not req.is_at_least("2.63"):
        attrs.remove("system_metadata")
    if not req.is_at_least("2.26"):
        attrs.remove("tags")
    return attrs


def get_server(req, server_id, expected_attrs=None, read_deleted=False,
               cell_down_support=False):
    """The server ``server_id`` as the caller may see it; 404 when it may not.

    With ``cell_down_support`` a server whose cell does not answer is its
    minimal record (see nova.compute.down_cells); without it, a 500.
    """
    context = req.context
    if read_deleted:
        context = compute_api.reading_deleted(context)
    instance = COMPUTE.get(context, server_id, expected_attrs=expected_attrs,
                           cell_down_support=cell_down_support)
    # Neither a build request nor a down cell's record is read per project.
    unscoped = compute_api.is_building(instance) or down_cells.is_minimal(instance)
    if unscoped and not context.is_admin and instance.project_id != context.project_id:
        raise exception.InstanceNotFound(instance_id=server_id)
    return instance


def conflict_for_state(exc, action, server_id):
    """The 409 Nova answers when a server is in a state that forbids ``action``."""
    attr = exc.kwargs.get("attr")
    state = exc.kwargs.get("state")
    if attr and state:
        msg = "Cannot '%(action)s' instance %(id)s while it is in %(attr)s %(state)s" % {
            "action": action, "id": server_id, "attr": attr, "state": state}
    else:
        msg = "Instance %(id)s is in an invalid state for '%(action)s'" % {
            "id": server_id, "action": action}
    return webob.exc.HTTPConflict(explanation=msg)


def _parse_time(name, value):
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation="Invalid filter field: %s." % name)


def _bool_param(name, value):
    if value == "":
        return True
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid value '%s' for %s, it must be a boolean." % (value, name))


def _status_filters(req, search_opts, statuses):
    """Turn ``status`` into vm_state/task_state filters; False when nothing matches."""
    vm_state_list, task_state_list = views.states_from_status(statuses)
    if not vm_state_list and not task_state_list:
        if req.is_at_least("2.38"):
            raise webob.exc.HTTPBadRequest(explanation="Invalid status value")
        return False
    search_opts["vm_state"] = vm_state_list
    # "default" means any task state: then the task state does not filter.
    if "default" not in task_state_list:
        search_opts["task_state"] = task_state_list
    return True


def _sort_params(req, context):
    sort_keys, sort_dirs = common.get_sort_params(req)
    ignored = schemas.IGNORED_SORT_KEYS_V273 if req.is_at_least("2.73") \
        else schemas.IGNORED_SORT_KEYS
    keys, dirs = [], []
    for index, key in enumerate(sort_keys):
        if key in ignored:
            continue
        if key in _ADMIN_SORT_KEYS and not context.can(POLICY % "allow_all_filters",
                                                       fatal=False):
            raise webob.exc.HTTPForbidden(
                explanation="Only administrators can sort servers by %s" % key)
        keys.append(key)
        if index < len(sort_dirs):
            dirs.append(sort_dirs[index])
    if len(dirs) > len(keys):
        dirs = dirs[:len(keys)]
    return keys, dirs


def _search_options(req, context):
    """The filters of a list request, cleaned of what the caller may not use.

    None when the listing is known to be empty.
    """
    search_opts = {}
    for key in req.GET:
        if key in _NOT_FILTERS:
            continue
        search_opts[key] = req.GET.getall(key)[-1]
    statuses = req.GET.getall("status")
    if not context.can(POLICY % "allow_all_filters", fatal=False):
        allowed = _user_filters(req)
        search_opts = {k: v for k, v in search_opts.items() if k in allowed}
    if "status" in search_opts:
        search_opts.pop("status")
        if not _status_filters(req, search_opts, statuses):
            return None
    for name in ("changes-since", "changes-before"):
        if name in search_opts:
            search_opts[name] = _parse_time(name, search_opts[name])
    since = search_opts.get("changes-since")
    before = search_opts.get("changes-before")
    if since and before and since > before:
        raise webob.exc.HTTPBadRequest(
            explanation="The value of changes-since must be less than or equal to "
                        "changes-before.")
    if "deleted" not in search_opts:
        if since is None and before is None:
            search_opts["deleted"] = False
    else:
        search_opts["deleted"] = strutils.bool_from_string(search_opts["deleted"],
                                                           default=False)
    if search_opts.get("vm_state") == [vm_states.DELETED]:
        if not context.is_admin:
            raise webob.exc.HTTPForbidden(
                explanation="Only administrators may list deleted instances")
        search_opts["deleted"] = True
    for name in _REGEX_FILTERS:
        if name in search_opts:
            try:
                re.compile(search_opts[name])
            except re.error:
                raise webob.exc.HTTPBadRequest(
                    explanation="Invalid filter field: %s." % name)
    if "locked" in search_opts:
        search_opts["locked"] = _bool_param("locked", search_opts["locked"])
    for name in ("tags", "tags-any", "not-tags", "not-tags-any"):
        if name in search_opts:
            search_opts[name] = [t for t in search_opts[name].split(",") if t]
    if "image" in search_opts:
        search_opts["image"] = common.get_id_from_href(search_opts["image"])
    if "flavor" in search_opts:
        search_opts["flavor"] = common.get_id_from_href(search_opts["flavor"])
    for name in ("soft_deleted", "auto_disk_config"):
        if name in search_opts:
            search_opts[name] = _bool_param(name, search_opts[name])
    return search_opts


def _get_servers(req, is_detail):
    context = req.context
    action = "detail" if is_detail else "index"
    context.can(POLICY % action, target={"project_id": context.project_id})
    search_opts = _search_options(req, context)
    if search_opts is None:
        return views.index(req, []) if not is_detail else {"servers": []}
    all_tenants = _bool_param("all_tenants", search_opts.pop("all_tenants")) \
        if "all_tenants" in search_opts else False
    if all_tenants:
        context.can(POLICY % ("%s:get_all_tenants" % action), target={})
    else:
        search_opts.pop("tenant_id", None)
        if context.project_id:
            search_opts["project_id"] = context.project_id
        else:
            search_opts["user_id"] = context.user_id
    sort_keys, sort_dirs = _sort_params(req, context)
    limit, marker = common.get_limit_and_marker(req)
    # 2.69: servers of a cell that does not answer as minimal records, when
    # the listing asks nothing of them that the API database cannot tell.
    cell_down_support = req.is_at_least("2.69") and \
        down_cells.listing_supports_minimal(req.GET, search_opts)
    try:
        instances = COMPUTE.get_all(context, search_opts=search_opts, limit=limit,
                                    marker=marker,
                                    expected_attrs=_list_attrs(req) if is_detail else [],
                                    sort_keys=sort_keys, sort_dirs=sort_dirs,
                                    cell_down_support=cell_down_support,
                                    records=True)
    except exception.MarkerNotFound:
        raise webob.exc.HTTPBadRequest(explanation="marker [%s] not found" % marker)
    except (exception.InvalidSortKey, exception.InvalidInput) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if is_detail:
        return views.detail_list(req, instances,
                                 server_context.for_list(req, instances, COMPUTE))
    return views.index(req, instances)


@wsgi.expected_errors((400, 403))
@validation.query_schema(schemas.query_params, None, "2.65")
@validation.query_schema(schemas.query_params_v266, "2.66", "2.72")
@validation.query_schema(schemas.query_params_v273, "2.73", "2.74")
@validation.query_schema(schemas.query_params_v275, "2.75")
def index(req):
    return _get_servers(req, is_detail=False)


@wsgi.expected_errors((400, 403))
@validation.query_schema(schemas.query_params, None, "2.65")
@validation.query_schema(schemas.query_params_v266, "2.66", "2.72")
@validation.query_schema(schemas.query_params_v273, "2.73", "2.74")
@validation.query_schema(schemas.query_params_v275, "2.75")
def detail(req):
    return _get_servers(req, is_detail=True)


@wsgi.expected_errors(404)
def show(req, id):
    context = req.context
    instance = get_server(req, id, expected_attrs=DETAIL_ATTRS,
                          cell_down_support=req.is_at_least("2.69"))
    context.can(POLICY % "show", target={"project_id": instance.project_id})
    return views.show(req, instance, server_context.for_show(req, instance, COMPUTE))


_UPDATE_FIELDS = {"name": "display_name", "description": "display_description",
                  "hostname": "hostname"}


@wsgi.expected_errors((400, 404, 409))
@validation.schema(schemas.update, None, "2.18")
@validation.schema(schemas.update_v219, "2.19", "2.89")
@validation.schema(schemas.update_v290, "2.90", "2.93")
@validation.schema(schemas.update_v294, "2.94")
def update(req, id):
    context = req.context
    body = req.get_json()["server"]
    instance = get_server(req, id, expected_attrs=DETAIL_ATTRS)
    context.can(POLICY % "update", target={"user_id": instance.user_id,
                                           "project_id": instance.project_id})
    updates = {}
    for key, field in _UPDATE_FIELDS.items():
        if key in body:
            updates[field] = body[key]
    for key, field in (("accessIPv4", "access_ip_v4"), ("accessIPv6", "access_ip_v6")):
        if key in body:
            updates[field] = body[key] or None
    if "OS-DCF:diskConfig" in body:
        updates["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
    try:
        instance = COMPUTE.update_instance(context, instance, updates)
    except exception.InstanceNotFound:
        raise webob.exc.HTTPNotFound(explanation="Instance could not be found")
    except exception.UnexpectedTaskStateError as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return views.show(req, instance, server_context.for_show(req, instance, COMPUTE),
                      update=True)


ROUTES = [
    ("/servers", {"GET": index}),
    ("/servers/detail", {"GET": detail}),
    ("/servers/{id}", {"GET": show, "PUT": update}),
]
