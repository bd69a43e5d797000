"""/servers/{server_id}/tags: strings a user attaches to a server (2.26 and later).

A server holds at most 50 tags of 1-60 characters without "/" or ",". Tags
change only while the server is active, paused, suspended, stopped or
shelved (409 otherwise).
"""

import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import server_tags as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import validators
from nova import exception
from nova.objects import tag as tag_obj

POLICY = "os_compute_api:os-server-tags:%s"
_TAG_VALIDATOR = validators.SchemaValidator(schemas.tag)


def _server(req, server_id, rule):
    context = req.context
    instance = servers.get_server(req, server_id)
    context.can(POLICY % rule, target={"project_id": instance.project_id})
    return instance


def _conflict(exc, action, server_id):
    return servers.conflict_for_state(exc, action, server_id)


@wsgi.expected_errors(404)
@wsgi.api_version("2.26")
def index(req, server_id):
    instance = _server(req, server_id, "index")
    return {"tags": servers.COMPUTE.get_tags(req.context, instance)}


@wsgi.expected_errors(404)
@wsgi.api_version("2.26")
@wsgi.response(204)
def show(req, server_id, tag):
    instance = _server(req, server_id, "show")
    if not servers.COMPUTE.has_tag(req.context, instance, tag):
        raise webob.exc.HTTPNotFound(
            explanation="Server %s doesn't have tag %s" % (server_id, tag))


@wsgi.expected_errors((400, 404, 409))
@wsgi.api_version("2.26")
@validation.schema(schemas.update_all)
def update_all(req, server_id):
    instance = _server(req, server_id, "update_all")
    tags = req.get_json()["tags"]
    try:
        return {"tags": servers.COMPUTE.set_tags(req.context, instance, tags)}
    except exception.InstanceInvalidState as exc:
        raise _conflict(exc, "update tags", server_id)
    except exception.TagLimitExceeded as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


@wsgi.expected_errors((400, 404, 409))
@wsgi.api_version("2.26")
def update(req, server_id, tag):
    error = _TAG_VALIDATOR.first_error(tag)
    if error is not None:
        raise webob.exc.HTTPBadRequest(
            explanation="Tag '%s' is invalid. It must be a non empty string without "
                        "characters '/' and ','. Validation error message: %s"
                        % (tag, error))
    instance = _server(req, server_id, "update")
    try:
        tags = servers.COMPUTE.get_tags(req.context, instance)
        if tag in tags:
            return wsgi.ResponseObject(None, code=204)
        if len(tags) >= tag_obj.MAX_TAG_COUNT:
            raise webob.exc.HTTPBadRequest(
                explanation="The number of tags exceeded the per-server limit %d"
                            % tag_obj.MAX_TAG_COUNT)
        servers.COMPUTE.add_tag(req.context, instance, tag)
    except exception.InstanceInvalidState as exc:
        raise _conflict(exc, "update tag", server_id)
    except exception.TagLimitExceeded as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    location = common.url_for(req, "servers", server_id, "tags", tag)
    return wsgi.ResponseObject(None, code=201, headers={"Location": location})


@wsgi.expected_errors((404, 409))
@wsgi.api_version("2.26")
@wsgi.response(204)
def delete(req, server_id, tag):
    instance = _server(req, server_id, "delete")
    try:
        servers.COMPUTE.delete_tag(req.context, instance, tag)
    except exception.InstanceInvalidState as exc:
        raise _conflict(exc, "delete tag", server_id)
    except exception.TagNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


@wsgi.expected_errors((404, 409))
@wsgi.api_version("2.26")
@wsgi.response(204)
def delete_all(req, server_id):
    instance = _server(req, server_id, "delete_all")
    try:
        servers.COMPUTE.delete_all_tags(req.context, instance)
    except exception.InstanceInvalidState as exc:
        raise _conflict(exc, "delete tags", server_id)


ROUTES = [
    ("/servers/{server_id}/tags", {"GET": index, "PUT": update_all,
                                   "DELETE": delete_all}),
    ("/servers/{server_id}/tags/{tag}", {"GET": show, "PUT": update, "DELETE": delete}),
]
