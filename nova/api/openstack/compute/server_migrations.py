"""/servers/{server_id}/migrations: the live migrations of a server in progress.

2.22 force_complete (POST .../{id}/action, 202; 400 unless the migration
is running, 409 unless the server is migrating), 2.23 the list and one
migration (only in-progress live migrations; others are 404), 2.24 DELETE
aborts one (202; 400 unless it is running, or from 2.65 queued or
preparing too). 2.59 adds ``uuid``, 2.80 ``user_id``/``project_id``.
"""

import webob.exc

from nova.api.openstack.compute.schemas import server_migrate as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception
from nova import objects

POLICY = "os_compute_api:servers:migrations:%s"


def _server(req, server_id, rule):
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY % rule, target={"project_id": instance.project_id})
    return instance


def _time_text(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


def _view(req, migration):
    body = {
        "created_at": _time_text(migration.created_at),
        "dest_compute": migration.dest_compute, "dest_host": migration.dest_host,
        "dest_node": migration.dest_node, "id": migration.id,
        "server_uuid": migration.instance_uuid,
        "source_compute": migration.source_compute,
        "source_node": migration.source_node, "status": migration.status,
        "updated_at": _time_text(migration.updated_at),
    }
    for kind in ("memory", "disk"):
        for part in ("total", "processed", "remaining"):
            body["%s_%s_bytes" % (kind, part)] = getattr(migration,
                                                         "%s_%s" % (kind, part))
    if req.is_at_least("2.59"):
        body["uuid"] = migration.uuid
    if req.is_at_least("2.80"):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


def _migration_id(value):
    try:
        return int(value)
    except ValueError:
        raise webob.exc.HTTPNotFound(
            explanation="Migration %s could not be found." % value) from None


@wsgi.api_version("2.23")
@wsgi.expected_errors(404)
def index(req, server_id):
    instance = _server(req, server_id, "index")
    migrations = objects.MigrationList.get_in_progress_by_instance(
        instance._context, instance.uuid, "live-migration")
    return {"migrations": [_view(req, m) for m in migrations]}


@wsgi.api_version("2.23")
@wsgi.expected_errors(404)
def show(req, server_id, id):
    instance = _server(req, server_id, "show")
    try:
        migration = servers.COMPUTE.get_live_migration(req.context, instance,
                                                       _migration_id(id))
    except exception.MigrationNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return {"migration": _view(req, migration)}


def _call(req, server_id, action, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except exception.MigrationNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.InvalidMigrationState as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except exception.InstanceIsLocked as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, action, server_id)


@validation.schema(schemas.force_complete)
def _force_complete(req, server_id, id):
    instance = _server(req, server_id, "force_complete")
    _call(req, server_id, "force_complete", servers.COMPUTE.live_migrate_force_complete,
          req.context, instance, _migration_id(id))


_ACTIONS = {"force_complete": _force_complete}


@wsgi.api_version("2.22")
@wsgi.expected_errors((400, 403, 404, 409))
@wsgi.response(202)
def action(req, server_id, id):
    wsgi.action_function(req, _ACTIONS)(req, server_id, id)
    return wsgi.ResponseObject(None, code=202)


@wsgi.api_version("2.24")
@wsgi.expected_errors((400, 404, 409))
@wsgi.response(202)
def delete(req, server_id, id):
    instance = _server(req, server_id, "delete")
    _call(req, server_id, "abort live migration", servers.COMPUTE.live_migrate_abort,
          req.context, instance, _migration_id(id), allow_queued=req.is_at_least("2.65"))
    return wsgi.ResponseObject(None, code=202)


ROUTES = [
    ("/servers/{server_id}/migrations", {"GET": index}),
    ("/servers/{server_id}/migrations/{id}", {"GET": show, "DELETE": delete}),
    ("/servers/{server_id}/migrations/{id}/action", {"POST": action}),
]

