"""The shelve, shelveOffload, unshelve, createBackup and restore server actions.

Bodies of POST /servers/{id}/action, merged into server_actions.ACTIONS.
Each answers 202 (the compute does the work), 409 with Nova's "Cannot
'<action>' instance <id> while it is in <attr> <state>" for a state that
forbids it, and 409 when locked by someone else.
"""

import webob.exc

from nova.api.openstack.compute.schemas import server_shelve as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova.compute import api_shelve
from nova import exception

SHELVE = "os_compute_api:os-shelve:%s"
BACKUP = "os_compute_api:os-create-backup"
RESTORE = "os_compute_api:os-deferred-delete:restore"

COMPUTE = compute_api.API()


def _target(instance):
    return {"project_id": instance.project_id, "user_id": instance.user_id}


def _run(req, server_id, action, rule, call, *args, **kwargs):
    """Find the server, check ``rule``, call COMPUTE.<call>; 409s for bad states."""
    instance = servers.get_server(req, server_id)
    req.context.can(rule, target=_target(instance))
    try:
        return getattr(COMPUTE, call)(req.context, instance, *args, **kwargs)
    except (exception.InstanceIsLocked, exception.InstanceNotReady,
            api_shelve.UnshelveToZoneRefused) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except (exception.InstanceInvalidState, exception.UnexpectedTaskStateError) as exc:
        raise servers.conflict_for_state(exc, action, server_id)


@validation.schema(schemas.shelve)
def _shelve(req, id):
    _run(req, id, "shelve", SHELVE % "shelve", "shelve")


@validation.schema(schemas.shelve_offload)
def _shelve_offload(req, id):
    _run(req, id, "shelveOffload", SHELVE % "shelve_offload", "shelve_offload")


@validation.schema(schemas.unshelve, "2.1", "2.76")
@validation.schema(schemas.unshelve_v277, "2.77", "2.90")
@validation.schema(schemas.unshelve_v291, "2.91")
def _unshelve(req, id):
    body = req.get_json()["unshelve"]
    kwargs = {}
    if req.is_at_least("2.77") and body is not None:
        if "availability_zone" in body:
            kwargs["new_az"] = body["availability_zone"]
        if body.get("host"):
            instance = servers.get_server(req, id)
            req.context.can(SHELVE % "unshelve_to_host", target=_target(instance))
            kwargs["host"] = body["host"]
    try:
        _run(req, id, "unshelve", SHELVE % "unshelve", "unshelve", **kwargs)
    except (exception.InvalidRequest, exception.ComputeHostNotFound,
            api_shelve.HostNotInZone) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


@validation.schema(schemas.create_backup)
def _create_backup(req, id):
    """A backup: 202 with the image's URL in Location (before 2.45; none with
    rotation 0) or ``{"image_id": ...}`` in the body (2.45 and later)."""
    body = req.get_json()["createBackup"]
    rotation = int(body["rotation"])
    try:
        image = _run(req, id, "createBackup", BACKUP, "backup", body["name"],
                     body["backup_type"], rotation, body.get("metadata") or {},
                     check_metadata_quota=not req.is_at_least("2.39"))
    except exception.InvalidRequest as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if req.is_at_least("2.45"):
        return wsgi.ResponseObject({"image_id": image["id"]}, code=202)
    headers = {}
    if rotation > 0:
        headers["Location"] = COMPUTE.image_url(req.context, image["id"])
    return wsgi.ResponseObject(None, code=202, headers=headers)


@validation.schema(schemas.restore)
def _restore(req, id):
    _run(req, id, "restore", RESTORE, "restore")


ACTIONS = {
    "shelve": _shelve, "shelveOffload": _shelve_offload, "unshelve": _unshelve,
    "createBackup": _create_backup, "restore": _restore,
}
