"""The resize, confirmResize, revertResize and migrate server actions.

Bodies of POST /servers/{id}/action, merged into server_actions.ACTIONS.
resize, revertResize and migrate answer 202, confirmResize 204 (as the API
reference gives them). A state that forbids the move is Nova's 409; the
same flavor, an unknown flavor, a smaller disk, an unknown host or the
server's own host are 400s.
"""

import webob.exc

from nova.api.openstack.compute.schemas import server_migrate as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova.compute import api_migrate
from nova import exception

SERVERS = "os_compute_api:servers:%s"
MIGRATE = "os_compute_api:os-migrate-server:%s"

COMPUTE = compute_api.API()

_BAD_REQUEST = (exception.ComputeServiceInUse, exception.CannotResizeToSameFlavor, exception.CannotResizeDisk,
                exception.FlavorNotFound, exception.InvalidRequest,
                exception.ComputeHostNotFound, api_migrate.CannotMigrateToSameHost,
                api_migrate.MigrationNotFinished, api_migrate.UnableToMigrateToSelf,
                api_migrate.ComputeServiceUnavailable)


def _target(instance):
    return {"project_id": instance.project_id, "user_id": instance.user_id}


def _run(req, server_id, action, rule, call, *args, **kwargs):
    instance = servers.get_server(req, server_id, expected_attrs=["flavor",
                                                                  "system_metadata"])
    req.context.can(rule, target=_target(instance))
    try:
        return getattr(COMPUTE, call)(req.context, instance, *args, **kwargs)
    except (exception.InstanceIsLocked, exception.InstanceNotReady) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except (exception.InstanceInvalidState, exception.UnexpectedTaskStateError) as exc:
        raise servers.conflict_for_state(exc, action, server_id)
    except _BAD_REQUEST as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


@validation.schema(schemas.resize)
def _resize(req, id):
    body = req.get_json()["resize"]
    kwargs = {}
    if "OS-DCF:diskConfig" in body:
        kwargs["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
    _run(req, id, "resize", SERVERS % "resize", "resize",
         flavor_id=str(body["flavorRef"]), **kwargs)


@validation.schema(schemas.confirm_resize)
def _confirm_resize(req, id):
    _run(req, id, "confirmResize", SERVERS % "confirm_resize", "confirm_resize")
    return wsgi.ResponseObject(None, code=204)


@validation.schema(schemas.revert_resize)
def _revert_resize(req, id):
    _run(req, id, "revertResize", SERVERS % "revert_resize", "revert_resize")


@validation.schema(schemas.migrate, "2.1", "2.55")
@validation.schema(schemas.migrate_v256, "2.56")
def _migrate(req, id):
    body = req.get_json()["migrate"]
    host = (body or {}).get("host") if req.is_at_least("2.56") else None
    if host:
        instance = servers.get_server(req, id)
        req.context.can(MIGRATE % "migrate:host", target=_target(instance))
    _run(req, id, "migrate", MIGRATE % "migrate", "resize", host_name=host or None)


def _bool(value):
    from oslo_utils import strutils
    return strutils.bool_from_string(value, strict=True)


@validation.schema(schemas.migrate_live, "2.1", "2.24")
@validation.schema(schemas.migrate_live_v225, "2.25", "2.29")
@validation.schema(schemas.migrate_live_v230, "2.30", "2.67")
@validation.schema(schemas.migrate_live_v268, "2.68")
def _migrate_live(req, id):
    body = req.get_json()["os-migrateLive"]
    block_migration = body["block_migration"]
    if block_migration == "auto" and req.is_at_least("2.25"):
        block_migration = None
    else:
        block_migration = _bool(block_migration)
    disk_over_commit = None
    if not req.is_at_least("2.25"):
        disk_over_commit = _bool(body["disk_over_commit"])
    force = False
    if req.is_at_least("2.30") and not req.is_at_least("2.68"):
        force = _bool(body.get("force", False))
    _run(req, id, "os-migrateLive", MIGRATE % "migrate_live", "live_migrate",
         block_migration=block_migration, disk_over_commit=disk_over_commit,
         host_name=body.get("host"), force=force)


@validation.schema(schemas.evacuate, "2.1", "2.13")
@validation.schema(schemas.evacuate_v214, "2.14", "2.28")
@validation.schema(schemas.evacuate_v229, "2.29", "2.67")
@validation.schema(schemas.evacuate_v268, "2.68")
def _evacuate(req, id):
    """200; before 2.14 with ``{"adminPass": ...}`` (the given or a generated one)."""
    body = req.get_json()["evacuate"]
    password = body.get("adminPass")
    if password is None and not req.is_at_least("2.14"):
        from nova.api.openstack.compute import server_create
        password = server_create._generate_password()
    force = _bool(body.get("force", False)) if req.is_at_least("2.29") else False
    try:
        _run(req, id, "evacuate", "os_compute_api:os-evacuate", "evacuate",
             host=body.get("host"), admin_password=password, force=force,
             stop_after=req.is_at_least("2.95"))
    except exception.ComputeServiceInUse as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if req.is_at_least("2.14"):
        return wsgi.ResponseObject(None, code=200)
    return wsgi.ResponseObject({"adminPass": password}, code=200)


ACTIONS = {
    "resize": _resize, "confirmResize": _confirm_resize, "revertResize": _revert_resize,
    "migrate": _migrate, "os-migrateLive": _migrate_live, "evacuate": _evacuate,
}
