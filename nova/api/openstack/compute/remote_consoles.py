"""Remote consoles of a server: a URL with a fresh console token.

POST /servers/{id}/remote-consoles (2.6+) takes ``{"remote_console":
{"protocol", "type"}}`` and answers 200 ``{"remote_console": {"protocol",
"type", "url"}}``; before 2.6 the actions os-getVNCConsole,
os-getSPICEConsole and os-getSerialConsole answer ``{"console": {"type",
"url"}}``. Policy os_compute_api:os-remote-consoles (the server's project).

Errors, as upstream: 400 for a console type the protocol does not have, or
one that is disabled here or that this guest lacks; 404 for an unknown
server; 409 for a server without a host, not running, or being deleted, or
whose compute is down; 501 for a hypervisor without such consoles (mks
everywhere: no driver of ours has one).
"""

import webob.exc

from nova.api.openstack.compute.schemas import remote_consoles as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova import exception

POLICY = "os_compute_api:os-remote-consoles"
COMPUTE = compute_api.API()

# protocol -> the compute API's method
_HANDLERS = {"vnc": "get_vnc_console", "spice": "get_spice_console",
             "serial": "get_serial_console"}
NOT_SUPPORTED = "The requested functionality is not supported."


def _console(req, server_id, protocol, console_type, legacy_name=None):
    """{"url": ...} from the compute, with the HTTP error of each refusal."""
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY, target={"project_id": instance.project_id,
                                    "user_id": instance.user_id})
    method = _HANDLERS.get(protocol)
    try:
        if method is None:
            # rdp (no Hyper-V driver) and mks (no VMware driver) consoles.
            raise NotImplementedError()
        return getattr(COMPUTE, method)(req.context, instance, console_type)
    except exception.InstanceNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.InstanceNotReady as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, method or protocol, server_id)
    except (exception.ConsoleTypeInvalid, exception.ConsoleTypeUnavailable,
            exception.SocketPortRangeExhaustedException) as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except NotImplementedError:
        if legacy_name:
            raise webob.exc.HTTPNotImplemented(
                explanation="Unable to get %s console, functionality not implemented"
                % legacy_name)
        raise webob.exc.HTTPNotImplemented(explanation=NOT_SUPPORTED)


@wsgi.api_version("2.6")
@wsgi.expected_errors((400, 404, 409, 501))
@validation.schema(schemas.create_v26, "2.6", "2.7")
@validation.schema(schemas.create_v28, "2.8", "2.98")
@validation.schema(schemas.create_v299, "2.99")
def create(req, server_id):
    """POST /servers/{server_id}/remote-consoles."""
    body = req.get_json()["remote_console"]
    protocol, console_type = body["protocol"], body["type"]
    if console_type == "spice-direct" and protocol != "spice":
        raise webob.exc.HTTPBadRequest(
            explanation="spice-direct is a console type of the spice protocol")
    output = _console(req, server_id, protocol, console_type)
    return {"remote_console": {"protocol": protocol, "type": console_type,
                               "url": output["url"]}}


def _legacy_action(action, protocol, legacy_name):
    def handler(req, id):
        console_type = req.get_json()[action]["type"]
        output = _console(req, id, protocol, console_type, legacy_name=legacy_name)
        return wsgi.ResponseObject({"console": {"type": console_type,
                                                "url": output["url"]}}, code=200)
    handler.__name__ = "_" + action.replace("-", "_")
    return handler


# The actions of POST /servers/{id}/action, up to 2.5 (nova.api...server_actions).
get_vnc_console = wsgi.api_version("2.1", "2.5")(validation.schema(
    schemas.get_vnc_console)(_legacy_action("os-getVNCConsole", "vnc", "vnc")))
get_spice_console = wsgi.api_version("2.1", "2.5")(validation.schema(
    schemas.get_spice_console)(_legacy_action("os-getSPICEConsole", "spice", "spice")))
get_serial_console = wsgi.api_version("2.1", "2.5")(validation.schema(
    schemas.get_serial_console)(_legacy_action("os-getSerialConsole", "serial",
                                               "serial")))

ACTIONS = {"os-getVNCConsole": get_vnc_console, "os-getSPICEConsole": get_spice_console,
           "os-getSerialConsole": get_serial_console}

ROUTES = [
    ("/servers/{server_id}/remote-consoles", {"POST": create}),
]
