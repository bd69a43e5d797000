"""DELETE /servers/{id} and the actions of POST /servers/{id}/action.

Power and lock actions, createImage (a snapshot), os-getConsoleOutput and the
legacy console actions (nova.api.openstack.compute.remote_consoles).

An action is a function of ``ACTIONS``, decorated as any route function is
(``wsgi.api_version`` for the microversions that know it, a schema of its
body); an action unknown at the request's microversion is a 400.
Every action answers 202 (the compute does the work) or 409 with Nova's
"Cannot '<action>' instance <id> while it is in <attr> <state>" when the
server's state forbids it, and 409 when it is locked by someone else.
"""

import re

import webob.exc

from nova.api.openstack.compute import remote_consoles
from nova.api.openstack.compute.schemas import server_actions as schemas
from nova.api.openstack.compute import server_migrate
from nova.api.openstack.compute import server_recovery
from nova.api.openstack.compute import security_groups
from nova.api.openstack.compute import server_shelve
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova import exception

SERVERS = "os_compute_api:servers:%s"
LOCK = "os_compute_api:os-lock-server:%s"
PAUSE = "os_compute_api:os-pause-server:%s"
SUSPEND = "os_compute_api:os-suspend-server:%s"
DEFERRED_DELETE = "os_compute_api:os-deferred-delete:%s"
CONSOLE_OUTPUT = "os_compute_api:os-console-output"

COMPUTE = compute_api.API()


def _target(instance):
    return {"project_id": instance.project_id, "user_id": instance.user_id}


def _run(req, server_id, action, rule, call, *args):
    """Find the server, check ``rule``, call COMPUTE.<call>; 409s for bad states."""
    instance = servers.get_server(req, server_id)
    req.context.can(rule, target=_target(instance))
    try:
        return getattr(COMPUTE, call)(req.context, instance, *args)
    except (exception.InstanceIsLocked, exception.InstanceNotReady) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except (exception.InstanceInvalidState, exception.UnexpectedTaskStateError) as exc:
        raise servers.conflict_for_state(exc, action, server_id)


@wsgi.expected_errors((404, 409))
@wsgi.response(204)
def delete(req, id):
    """DELETE /servers/{id}."""
    _run(req, id, "delete", SERVERS % "delete", "delete")
    return wsgi.ResponseObject(None, code=204)


@validation.schema(schemas.reboot)
def _reboot(req, id):
    reboot_type = req.get_json()["reboot"]["type"].upper()
    _run(req, id, "reboot", SERVERS % "reboot", "reboot", reboot_type)


@validation.schema(schemas.start)
def _start(req, id):
    _run(req, id, "start", SERVERS % "start", "start")


@validation.schema(schemas.stop)
def _stop(req, id):
    _run(req, id, "stop", SERVERS % "stop", "stop")


@validation.schema(schemas.pause)
def _pause(req, id):
    _run(req, id, "pause", PAUSE % "pause", "pause")


@validation.schema(schemas.unpause)
def _unpause(req, id):
    _run(req, id, "unpause", PAUSE % "unpause", "unpause")


@validation.schema(schemas.suspend)
def _suspend(req, id):
    _run(req, id, "suspend", SUSPEND % "suspend", "suspend")


@validation.schema(schemas.resume)
def _resume(req, id):
    _run(req, id, "resume", SUSPEND % "resume", "resume")


@validation.schema(schemas.force_delete)
def _force_delete(req, id):
    _run(req, id, "forceDelete", DEFERRED_DELETE % "force", "force_delete")


@wsgi.api_version("2.17")
@validation.schema(schemas.trigger_crash_dump)
def _trigger_crash_dump(req, id):
    _run(req, id, "trigger_crash_dump", SERVERS % "trigger_crash_dump",
         "trigger_crash_dump")


@validation.schema(schemas.lock, "2.1", "2.72")
@validation.schema(schemas.lock_v273, "2.73")
def _lock(req, id):
    body = req.get_json()["lock"] or {}
    reason = body.get("locked_reason") if req.is_at_least("2.73") else None
    _run(req, id, "lock", LOCK % "lock", "lock", reason)


@validation.schema(schemas.unlock)
def _unlock(req, id):
    instance = servers.get_server(req, id)
    context = req.context
    context.can(LOCK % "unlock", target=_target(instance))
    if not COMPUTE.is_expected_locked_by(context, instance):
        # Someone else's lock (an admin's, for an owner): only an override lifts it.
        context.can(LOCK % "unlock:unlock_override", target=_target(instance))
    try:
        COMPUTE.unlock(context, instance)
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "unlock", id)


@validation.schema(schemas.create_image)
def _create_image(req, id):
    """A snapshot: 202 with the image's URL in Location (before 2.45) or
    ``{"image_id": ...}`` in the body (2.45 and later)."""
    body = req.get_json()["createImage"]
    image = _run(req, id, "createImage", SERVERS % "create_image", "snapshot",
                 body["name"], body.get("metadata") or {})
    if req.is_at_least("2.45"):
        return wsgi.ResponseObject({"image_id": image["id"]}, code=202)
    url = COMPUTE.image_url(req.context, image["id"])
    return wsgi.ResponseObject(None, code=202, headers={"Location": url})


# Control characters a console log may hold that JSON clients choke on
# (upstream strips them too); tab and newline stay.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f]")


@validation.schema(schemas.get_console_output)
def _get_console_output(req, id):
    """The last ``length`` lines of the serial log: 200 ``{"output": ...}``."""
    length = (req.get_json()["os-getConsoleOutput"] or {}).get("length")
    if length is not None:
        length = int(length)
        if length < 0:
            length = None  # -1: the whole log
    try:
        output = _run(req, id, "get_console_output", CONSOLE_OUTPUT,
                      "get_console_output", length)
    except exception.ConsoleNotAvailable as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except NotImplementedError:
        raise webob.exc.HTTPNotImplemented(
            explanation="Unable to get console log, functionality not implemented")
    return wsgi.ResponseObject({"output": _CONTROL_CHARACTERS.sub("", output or "")},
                               code=200)


ACTIONS = {
    "reboot": _reboot, "os-start": _start, "os-stop": _stop, "pause": _pause,
    "unpause": _unpause, "suspend": _suspend, "resume": _resume, "lock": _lock,
    "unlock": _unlock, "forceDelete": _force_delete,
    "trigger_crash_dump": _trigger_crash_dump, "createImage": _create_image,
    "os-getConsoleOutput": _get_console_output,
    # os-getVNCConsole, os-getSPICEConsole, os-getSerialConsole (up to 2.5).
    **remote_consoles.ACTIONS,
    **server_recovery.ACTIONS,
    **server_shelve.ACTIONS,
    **server_migrate.ACTIONS,
    **security_groups.ACTIONS,
}


@wsgi.expected_errors((400, 403, 404, 409, 501))
@wsgi.response(202)
def action(req, id):
    """POST /servers/{id}/action: one of ACTIONS (202 unless it answers itself)."""
    result = wsgi.action_function(req, ACTIONS)(req, id)
    if isinstance(result, wsgi.ResponseObject):
        return result
    return wsgi.ResponseObject(None, code=202)


ROUTES = [
    ("/servers/{id}", {"DELETE": delete}),
    ("/servers/{id}/action", {"POST": action}),
]
