"""/servers/{server_id}/os-server-password: the password a server's guest posted.

The guest (cloud-init, an agent) POSTs its administrative password,
encrypted with the server's public key, to the metadata API once; its owner
reads it here and clears it (after which the guest may post a new one).
"""

from nova.api.metadata import password
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.compute import api as compute_api

POLICY = "os_compute_api:os-server-password:%s"


def _server(req, server_id, rule):
    instance = servers.get_server(req, server_id, expected_attrs=["system_metadata"])
    req.context.can(POLICY % rule, target={"project_id": instance.project_id})
    return instance


@wsgi.expected_errors(404)
def index(req, server_id):
    instance = _server(req, server_id, "show")
    return {"password": password.extract_password(instance.system_metadata or {})}


@wsgi.expected_errors(404)
@wsgi.response(204)
def clear(req, server_id):
    instance = _server(req, server_id, "clear")
    if compute_api.is_building(instance):
        return  # nothing posted yet: a build request has no guest
    if password.extract_password(instance.system_metadata or {}):
        password.clear_password(instance)


ROUTES = [
    ("/servers/{server_id}/os-server-password", {"GET": index, "DELETE": clear}),
]
