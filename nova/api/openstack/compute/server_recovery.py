"""The recovery actions of POST /servers/{id}/action: rebuild, rescue, unrescue,
changePassword, os-resetState and injectNetworkInfo.

server_actions.ACTIONS takes this module's ACTIONS. Answers, as the API
reference gives them: rebuild 202 with the server (its view by microversion,
the new admin password, key_name from 2.54 and user_data from 2.57) and its
URL in Location; rescue 200 ``{"adminPass": ...}``; the others 202 without a
body. A state that forbids the action is Nova's 409.
"""

import base64
import binascii

import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import server_actions as schemas
from nova.api.openstack.compute import server_context
from nova.api.openstack.compute import servers
from nova.api.openstack.compute.views import servers as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova.compute import api_snapshot
from nova import exception

SERVERS = "os_compute_api:servers:%s"
RESCUE = "os_compute_api:os-rescue"
UNRESCUE = "os_compute_api:os-unrescue"
ADMIN_PASSWORD = "os_compute_api:os-admin-password"
ADMIN_ACTIONS = "os_compute_api:os-admin-actions:%s"

COMPUTE = compute_api.API()

_BAD_REQUEST = (
    exception.ImageNotActive, exception.FlavorMemoryTooSmall,
    exception.FlavorDiskSmallerThanMinDisk, exception.FlavorDiskSmallerThanImage,
    exception.InstanceUserDataTooLarge, exception.InstanceUserDataMalformed,
    exception.InvalidInput, exception.InstanceNotRescuable, exception.ImageNotAuthorized)


def _find(req, server_id, rule, expected_attrs=None):
    instance = servers.get_server(req, server_id, expected_attrs=expected_attrs)
    req.context.can(rule, target={"project_id": instance.project_id,
                                  "user_id": instance.user_id})
    return instance


def _call(action, server_id, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the errors every recovery action shares mapped."""
    try:
        return fn(*args, **kwargs)
    except (exception.InstanceIsLocked, exception.InstanceNotReady,
            api_snapshot.ComputeNotAnswering) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except (exception.InstanceInvalidState, exception.UnexpectedTaskStateError) as exc:
        raise servers.conflict_for_state(exc, action, server_id)
    except _BAD_REQUEST as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


def _generate_password():
    from nova.api.openstack.compute import server_create
    return server_create._generate_password()


def _personality(files):
    injected = []
    for item in files or []:
        path = item.get("path")
        try:
            contents = base64.b64decode(item.get("contents") or "", validate=True)
        except (binascii.Error, ValueError):
            raise webob.exc.HTTPBadRequest(
                explanation="Personality content for %s cannot be decoded" % path)
        injected.append((path, contents))
    return injected


# -- rebuild --------------------------------------------------------------------------

_REBUILD_FIELDS = (("name", "display_name"), ("description", "display_description"),
                   ("metadata", "metadata"), ("accessIPv4", "access_ip_v4"),
                   ("accessIPv6", "access_ip_v6"), ("hostname", "hostname"))


@validation.schema(schemas.rebuild, "2.1", "2.18")
@validation.schema(schemas.rebuild_v219, "2.19", "2.53")
@validation.schema(schemas.rebuild_v254, "2.54", "2.56")
@validation.schema(schemas.rebuild_v257, "2.57", "2.62")
@validation.schema(schemas.rebuild_v263, "2.63", "2.89")
@validation.schema(schemas.rebuild_v290, "2.90", "2.93")
@validation.schema(schemas.rebuild_v294, "2.94")
def _rebuild(req, id):
    body = req.get_json()["rebuild"]
    context = req.context
    instance = _find(req, id, SERVERS % "rebuild", expected_attrs=servers.DETAIL_ATTRS)
    updates = {field: body[key] for key, field in _REBUILD_FIELDS if key in body}
    for key in ("accessIPv4", "accessIPv6"):
        if key in body and not body[key]:
            updates["access_ip_v%s" % key[-1]] = None
    if "OS-DCF:diskConfig" in body:
        updates["auto_disk_config"] = body["OS-DCF:diskConfig"] == "AUTO"
    if "key_name" in body:
        updates["key_name"] = body["key_name"]
    if "user_data" in body:
        updates["user_data"] = "".join(body["user_data"].split()) \
            if body["user_data"] else None
    if "trusted_image_certificates" in body:
        context.can(SERVERS % "rebuild:trusted_certs",
                    target={"project_id": instance.project_id,
                            "user_id": instance.user_id})
        updates["trusted_certs"] = body["trusted_image_certificates"]
    password = body.get("adminPass") or _generate_password()
    try:
        instance = _call("rebuild", id, COMPUTE.rebuild, context, instance,
                         body["imageRef"], password,
                         files_to_inject=_personality(body.get("personality")),
                         preserve_ephemeral=bool(body.get("preserve_ephemeral", False)),
                         **updates)
    except exception.ImageNotFound:
        raise webob.exc.HTTPBadRequest(explanation="Cannot find image for rebuild")
    except exception.KeypairNotFound:
        raise webob.exc.HTTPBadRequest(explanation="Invalid key_name provided.")
    except exception.MetadataLimitExceeded as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())
    view = views.show(req, instance, server_context.for_show(req, instance, COMPUTE),
                      update=True)
    view["server"]["adminPass"] = password
    if req.is_at_least("2.54"):
        view["server"]["key_name"] = instance.key_name
    if req.is_at_least("2.57"):
        view["server"]["user_data"] = instance.user_data
    return wsgi.ResponseObject(view, code=202, headers={
        "Location": common.url_for(req, "servers", instance.uuid)})


# -- rescue, unrescue ------------------------------------------------------------------

@validation.schema(schemas.rescue)
def _rescue(req, id):
    body = req.get_json()["rescue"] or {}
    instance = _find(req, id, RESCUE)
    password = body.get("adminPass") or _generate_password()
    try:
        _call("rescue", id, COMPUTE.rescue, req.context, instance,
              rescue_password=password, rescue_image_ref=body.get("rescue_image_ref"),
              allow_bfv_rescue=req.is_at_least("2.87"))
    except exception.ImageNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return wsgi.ResponseObject({"adminPass": password}, code=200)


@validation.schema(schemas.unrescue)
def _unrescue(req, id):
    instance = _find(req, id, UNRESCUE)
    _call("unrescue", id, COMPUTE.unrescue, req.context, instance)


# -- changePassword, os-resetState, injectNetworkInfo ------------------------------------

@validation.schema(schemas.change_password)
def _change_password(req, id):
    password = req.get_json()["changePassword"]["adminPass"]
    instance = _find(req, id, ADMIN_PASSWORD)
    try:
        _call("changePassword", id, COMPUTE.set_admin_password, req.context, instance,
              password)
    except (exception.InstancePasswordSetFailed, exception.SetAdminPasswdNotSupported,
            exception.InstanceAgentNotEnabled) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except NotImplementedError:
        raise webob.exc.HTTPNotImplemented(
            explanation="Unable to set password on instance")


@validation.schema(schemas.reset_state)
def _reset_state(req, id):
    state = req.get_json()["os-resetState"]["state"]
    instance = _find(req, id, ADMIN_ACTIONS % "reset_state")
    _call("os-resetState", id, COMPUTE.reset_state, req.context, instance, state)


@validation.schema(schemas.inject_network_info)
def _inject_network_info(req, id):
    instance = _find(req, id, ADMIN_ACTIONS % "inject_network_info")
    _call("injectNetworkInfo", id, COMPUTE.inject_network_info, req.context, instance)


ACTIONS = {
    "rebuild": _rebuild, "rescue": _rescue, "unrescue": _unrescue,
    "changePassword": _change_password, "os-resetState": _reset_state,
    "injectNetworkInfo": _inject_network_info,
}
