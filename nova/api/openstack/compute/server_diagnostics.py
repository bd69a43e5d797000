"""GET /servers/{server_id}/diagnostics: what the hypervisor says about a server.

Admin only by default (os_compute_api:os-server-diagnostics). Before 2.48
the body is the driver's own free-form dict; from 2.48 it is the standard
format of nova.virt.diagnostics (every field present, None when unknown).
A server that is not running, or has no host, is a 409; a hypervisor that
cannot tell is a 501.
"""

import webob.exc

from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.compute import api as compute_api
from nova import exception

POLICY = "os_compute_api:os-server-diagnostics"
# The body at 2.48, as the API reference lists it (every field, null when the
# hypervisor cannot tell); nova.virt.diagnostics.Diagnostics fills it.
FIELDS = ("state", "driver", "hypervisor", "hypervisor_os", "uptime", "config_drive",
          "num_cpus", "num_nics", "num_disks", "cpu_details", "nic_details",
          "disk_details", "memory_details")
COMPUTE = compute_api.API()


@wsgi.expected_errors((404, 409, 501))
def index(req, server_id):
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY, target={"project_id": instance.project_id})
    try:
        if req.is_at_least("2.48"):
            found = COMPUTE.get_instance_diagnostics(req.context, instance)
            return {name: found.get(name) for name in FIELDS}
        return COMPUTE.get_diagnostics(req.context, instance)
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "get_diagnostics", server_id)
    except exception.InstanceNotReady as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except NotImplementedError:
        raise webob.exc.HTTPNotImplemented(
            explanation="The requested functionality is not supported.")


ROUTES = [
    ("/servers/{server_id}/diagnostics", {"GET": index}),
]
