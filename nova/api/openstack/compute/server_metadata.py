"""/servers/{server_id}/metadata: the user's key/value pairs on a server.

POST merges the given items into the server's metadata, PUT on the
collection replaces it, PUT on one key sets that key. Changes count against
the ``metadata_items`` quota (403 when over) and are refused (409) while the
server is locked or not in a state that allows them.
"""

import webob.exc

from nova.api.openstack.compute.schemas import server_metadata as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception

POLICY = "os_compute_api:server-metadata:%s"


def _server(req, server_id, rule):
    context = req.context
    instance = servers.get_server(req, server_id, expected_attrs=["metadata"])
    context.can(POLICY % rule, target={"project_id": instance.project_id})
    return instance


def _not_found(key):
    return webob.exc.HTTPNotFound(explanation="Metadata item was not found")


def _change(req, instance, server_id, metadata, delete):
    try:
        return servers.COMPUTE.update_instance_metadata(req.context, instance, metadata,
                                                        delete=delete)
    except exception.InstanceIsLocked as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "update metadata", server_id)
    except exception.MetadataLimitExceeded as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())


@wsgi.expected_errors(404)
def index(req, server_id):
    instance = _server(req, server_id, "index")
    return {"metadata": dict(instance.metadata)}


@wsgi.expected_errors((403, 404, 409))
@validation.schema(schemas.create)
def create(req, server_id):
    instance = _server(req, server_id, "create")
    metadata = req.get_json()["metadata"]
    return {"metadata": _change(req, instance, server_id, metadata, delete=False)}


@wsgi.expected_errors((403, 404, 409))
@validation.schema(schemas.update_all)
def update_all(req, server_id):
    instance = _server(req, server_id, "update_all")
    metadata = req.get_json()["metadata"]
    return {"metadata": _change(req, instance, server_id, metadata, delete=True)}


@wsgi.expected_errors((400, 403, 404, 409))
@validation.schema(schemas.update)
def update(req, server_id, key):
    meta = req.get_json()["meta"]
    if key not in meta:
        raise webob.exc.HTTPBadRequest(explanation="Request body and URI mismatch")
    instance = _server(req, server_id, "update")
    _change(req, instance, server_id, meta, delete=False)
    return {"meta": meta}


@wsgi.expected_errors(404)
def show(req, server_id, key):
    instance = _server(req, server_id, "show")
    if key not in instance.metadata:
        raise _not_found(key)
    return {"meta": {key: instance.metadata[key]}}


@wsgi.expected_errors((404, 409))
@wsgi.response(204)
def delete(req, server_id, key):
    instance = _server(req, server_id, "delete")
    if key not in instance.metadata:
        raise _not_found(key)
    try:
        servers.COMPUTE.delete_instance_metadata(req.context, instance, key)
    except exception.MetadataNotFound:
        raise _not_found(key)
    except exception.InstanceIsLocked as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.InstanceInvalidState as exc:
        raise servers.conflict_for_state(exc, "delete metadata", server_id)


ROUTES = [
    ("/servers/{server_id}/metadata", {"GET": index, "POST": create, "PUT": update_all}),
    ("/servers/{server_id}/metadata/{key}", {"GET": show, "PUT": update,
                                             "DELETE": delete}),
]
