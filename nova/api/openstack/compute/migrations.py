"""GET /os-migrations: the migrations of every cell (admin).

Filters: host (source or destination), source_compute, status,
instance_uuid, migration_type (2.23). Fields by microversion: 2.23 adds
``migration_type`` and, for a live migration in progress, ``links`` to
/servers/{id}/migrations/{id}; 2.59 adds ``uuid``, pages the list (limit,
marker = migration uuid, ``migrations_links``) and filters on
changes-since; 2.66 changes-before; 2.80 ``user_id``/``project_id`` (fields
and filters). Newest first.
"""

from oslo_utils import timeutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import migrations as schemas
from nova.api.openstack import wsgi
from nova.api import validation
from nova import context as nova_context
from nova import exception
from nova import objects

POLICY = "os_compute_api:os-migrations:index"

LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")

_BASE_FIELDS = ("id", "status", "instance_uuid", "source_node", "source_compute",
                "dest_node", "dest_compute", "dest_host", "old_instance_type_id",
                "new_instance_type_id", "created_at", "updated_at")


def _time(name, value):
    try:
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation="Invalid input for query parameter %s: %s" % (name, value))


def _filters(req):
    filters = {}
    names = ["host", "source_compute", "status", "instance_uuid"]
    if req.is_at_least("2.23"):
        names.append("migration_type")
    if req.is_at_least("2.80"):
        names += ["user_id", "project_id"]
    for name in names:
        if name in req.GET:
            filters[name] = req.GET.getall(name)[-1]
    if req.is_at_least("2.59"):
        for name in ("changes-since", "changes-before"):
            if name in req.GET and (name == "changes-since" or req.is_at_least("2.66")):
                filters[name] = _time(name, req.GET.getall(name)[-1])
        since, before = filters.get("changes-since"), filters.get("changes-before")
        if since and before and before < since:
            raise webob.exc.HTTPBadRequest(
                explanation="The value of changes-since must be less than or equal to "
                            "changes-before.")
    filters["hidden"] = False
    return filters


def _time_text(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def _view(req, migration):
    body = {name: getattr(migration, name) for name in _BASE_FIELDS}
    body["created_at"] = _time_text(migration.created_at)
    body["updated_at"] = _time_text(migration.updated_at)
    if req.is_at_least("2.23"):
        body["migration_type"] = migration.migration_type
        if (migration.migration_type == "live-migration"
                and migration.status in LIVE_IN_PROGRESS):
            parts = ("servers", migration.instance_uuid, "migrations", str(migration.id))
            body["links"] = [{"rel": "self", "href": common.url_for(req, *parts)},
                             {"rel": "bookmark",
                              "href": common.bookmark_for(req, *parts)}]
    if req.is_at_least("2.59"):
        body["uuid"] = migration.uuid
    if req.is_at_least("2.80"):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


def _all_cells(context, filters):
    found = []
    for cell in objects.CellMappingList.get_all(context):
        if cell.is_cell0():
            continue
        with nova_context.target_cell(context, cell) as cctxt:
            found.extend(objects.MigrationList.get_by_filters(cctxt, filters))
    found.sort(key=lambda m: (m.created_at, m.id), reverse=True)
    return found


@wsgi.expected_errors((400, 403))
@validation.query_schema(schemas.list_query, "2.1", "2.58")
@validation.query_schema(schemas.list_query_v259, "2.59", "2.65")
@validation.query_schema(schemas.list_query_v266, "2.66", "2.79")
@validation.query_schema(schemas.list_query_v280, "2.80")
def index(req):
    context = req.context
    context.can(POLICY, target={})
    filters = _filters(req)
    migrations = _all_cells(context, filters)
    if not req.is_at_least("2.59"):
        return {"migrations": [_view(req, m) for m in migrations]}
    limit, marker = common.get_limit_and_marker(req)
    if marker is not None:
        uuids = [m.uuid for m in migrations]
        if marker not in uuids:
            raise webob.exc.HTTPBadRequest(
                explanation=exception.MarkerNotFound(marker=marker).format_message())
        migrations = migrations[uuids.index(marker) + 1:]
    page = [_view(req, m) for m in migrations[:limit]]
    body = {"migrations": page}
    links = common.collection_links(req, page, "os-migrations", id_key="uuid")
    if links:
        body["migrations_links"] = links
    return body


ROUTES = [
    ("/os-migrations", {"GET": index}),
]
