"""GET /servers/{server_id}/os-volume_attachments[/{volume_id}]: a server's volumes.

The volumes are the server's block device mappings that carry a volume id.
Attaching and detaching (POST/PUT/DELETE) come with block storage; until
then a server built from images lists none. Fields by microversion: ``tag``
from 2.70, ``delete_on_termination`` from 2.79, ``attachment_id`` and
``bdm_uuid`` (and no ``id``) from 2.89.
"""

import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova import objects

POLICY_ROOT = "os_compute_api:os-volumes-attachments:%s"


def _view(req, bdm, server_id):
    view = {"device": bdm.device_name, "serverId": server_id, "volumeId": bdm.volume_id}
    if not req.is_at_least("2.89"):
        view["id"] = bdm.volume_id
    if req.is_at_least("2.70"):
        view["tag"] = bdm.tag
    if req.is_at_least("2.79"):
        view["delete_on_termination"] = bdm.delete_on_termination
    if req.is_at_least("2.89"):
        view["attachment_id"] = bdm.attachment_id
        view["bdm_uuid"] = bdm.uuid
    return view


def _volume_bdms(req, server_id, rule):
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY_ROOT % rule, target={"project_id": instance.project_id})
    if getattr(instance, "_build_request", None) is not None:
        return []  # not in a cell yet: nothing is attached
    bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(instance._context,
                                                               instance.uuid)
    return [bdm for bdm in bdms if bdm.volume_id]


@wsgi.expected_errors(404)
def index(req, server_id):
    bdms = common.limited(_volume_bdms(req, server_id, "index"), req)
    return {"volumeAttachments": [_view(req, bdm, server_id) for bdm in bdms]}


@wsgi.expected_errors(404)
def show(req, server_id, id):
    for bdm in _volume_bdms(req, server_id, "show"):
        if bdm.volume_id == id:
            return {"volumeAttachment": _view(req, bdm, server_id)}
    raise webob.exc.HTTPNotFound(
        explanation="Volume %s is not attached to the instance %s" % (id, server_id))


ROUTES = [
    ("/servers/{server_id}/os-volume_attachments", {"GET": index}),
    ("/servers/{server_id}/os-volume_attachments/{id}", {"GET": show}),
]
