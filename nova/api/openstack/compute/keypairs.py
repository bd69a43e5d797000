"""os-keypairs: users' SSH key pairs and X.509 certificates.

Key pairs belong to a user. From 2.10 an admin may name another user with
``user_id``; from 2.35 the listing pages with ``limit``/``marker`` (the
marker is a key pair name); from 2.92 nova no longer generates keys, so a
``public_key`` is required.
"""

import webob.exc

from nova.api.openstack.compute.schemas import keypairs as schemas
from nova.api.openstack.compute.views import keypairs as views
from nova.api.openstack import common
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import keypairs as keypair_api
from nova import exception

POLICY = "os_compute_api:os-keypairs:%s"


def _user_id(req, given=None):
    """The key pairs' owner: ``given`` (2.10+, admins) or the caller."""
    if given is None and req.is_at_least("2.10"):
        given = req.GET.get("user_id")
    if given and req.is_at_least("2.10"):
        return given
    return req.context.user_id


@wsgi.expected_errors((400, 403, 409))
@wsgi.response(201)
@validation.schema(schemas.create, None, "2.1")
@validation.schema(schemas.create_v22, "2.2", "2.9")
@validation.schema(schemas.create_v210, "2.10", "2.91")
@validation.schema(schemas.create_v292, "2.92")
def create(req):
    context = req.context
    params = req.get_json()["keypair"]
    name = params["name"]
    key_type = params.get("type", "ssh") if req.is_at_least("2.2") else "ssh"
    user_id = _user_id(req, params.get("user_id"))
    context.can(POLICY % "create", target={"user_id": user_id})
    private_key = None
    try:
        if "public_key" in params:
            keypair = keypair_api.import_key_pair(context, user_id, name,
                                                  params["public_key"], key_type)
        else:
            keypair, private_key = keypair_api.create_key_pair(context, user_id, name,
                                                               key_type)
    except keypair_api.KeypairLimitExceeded as exc:
        raise webob.exc.HTTPForbidden(explanation=exc.format_message())
    except keypair_api.InvalidKeypair as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except exception.KeyPairExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    body = views.create(req, keypair, private_key)
    return wsgi.ResponseObject(body, code=201 if req.is_at_least("2.2") else 200)


@wsgi.expected_errors((400,))
@validation.query_schema(schemas.index_query_v210, "2.10", "2.34")
@validation.query_schema(schemas.index_query_v235, "2.35", "2.74")
@validation.query_schema(schemas.index_query_v275, "2.75")
def index(req):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % "index", target={"user_id": user_id})
    limit = marker = None
    if req.is_at_least("2.35"):
        limit, marker = common.get_limit_and_marker(req)
    try:
        keypairs = keypair_api.get_key_pairs(context, user_id, limit=limit, marker=marker)
    except exception.MarkerNotFound as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    links = None
    if req.is_at_least("2.35"):
        links = common.collection_links(req, list(keypairs), "os-keypairs", id_key="name")
    return views.index(req, keypairs, links)


@wsgi.expected_errors(404)
@validation.query_schema(schemas.show_query_v210, "2.10", "2.74")
@validation.query_schema(schemas.show_query_v275, "2.75")
def show(req, keypair_name):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % "show", target={"user_id": user_id})
    try:
        keypair = keypair_api.get_key_pair(context, user_id, keypair_name)
    except exception.KeypairNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return views.show(req, keypair)


@wsgi.expected_errors(404)
@validation.query_schema(schemas.show_query_v210, "2.10", "2.74")
@validation.query_schema(schemas.show_query_v275, "2.75")
def delete(req, keypair_name):
    context = req.context
    user_id = _user_id(req)
    context.can(POLICY % "delete", target={"user_id": user_id})
    try:
        keypair_api.delete_key_pair(context, user_id, keypair_name)
    except exception.KeypairNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return wsgi.ResponseObject(None, code=204 if req.is_at_least("2.2") else 202)


ROUTES = [
    ("/os-keypairs", {"GET": index, "POST": create}),
    ("/os-keypairs/{keypair_name}", {"GET": show, "DELETE": delete}),
]
