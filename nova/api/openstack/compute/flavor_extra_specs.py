"""/flavors/{flavor_id}/os-extra_specs: a flavor's key/value extra specs.

From 2.86 known keys are checked (flavors_extraspecs_validation); a bad
value of a known key is a 400.
"""

import webob.exc

from nova.api.openstack.compute import flavors
from nova.api.openstack.compute import flavors_extraspecs_validation as spec_validation
from nova.api.openstack.compute.schemas import flavor_extra_specs as schema
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception

POLICY = "os_compute_api:os-flavor-extra-specs:%s"


def _stringify(specs):
    out = {}
    for key, value in specs.items():
        if isinstance(value, bool):
            value = str(value)
        out[key] = str(value) if not isinstance(value, str) else value
    return out


def _check(req, specs):
    for key, value in specs.items():
        if not key.strip() or key != key.strip():
            raise webob.exc.HTTPBadRequest(
                explanation="Extra spec key %r must not be empty or padded." % key)
    if req.is_at_least("2.86"):
        try:
            spec_validation.validate_all(specs)
        except spec_validation.ExtraSpecInvalid as exc:
            raise webob.exc.HTTPBadRequest(explanation=str(exc))


@wsgi.expected_errors(404)
def index(req, flavor_id):
    """GET: every extra spec of the flavor."""
    req.context.can(POLICY % "index", target={"project_id": req.context.project_id})
    flavor = flavors.get_flavor(req, flavor_id)
    return {"extra_specs": dict(flavor.extra_specs)}


@wsgi.expected_errors((400, 404, 409))
@validation.schema(schema.create)
def create(req, flavor_id):
    """POST: add or replace the given extra specs."""
    req.context.can(POLICY % "create", target={})
    specs = _stringify(req.get_json()["extra_specs"])
    _check(req, specs)
    flavor = flavors.get_flavor(req, flavor_id)
    try:
        flavor.save_extra_specs(to_add=specs)
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return {"extra_specs": specs}


@wsgi.expected_errors((400, 404, 409))
@validation.schema(schema.update)
def update(req, flavor_id, key):
    """PUT /{key}: set one extra spec; the body is ``{key: value}``."""
    req.context.can(POLICY % "update", target={})
    body = _stringify(req.get_json())
    if key not in body:
        raise webob.exc.HTTPBadRequest(explanation="Request body and URI mismatch")
    _check(req, body)
    flavor = flavors.get_flavor(req, flavor_id)
    flavor.save_extra_specs(to_add=body)
    return body


@wsgi.expected_errors(404)
def show(req, flavor_id, key):
    """GET /{key}: one extra spec."""
    req.context.can(POLICY % "show", target={"project_id": req.context.project_id})
    flavor = flavors.get_flavor(req, flavor_id)
    if key not in flavor.extra_specs:
        raise webob.exc.HTTPNotFound(explanation=exception.FlavorExtraSpecsNotFound(
            flavor_id=flavor_id, extra_specs_key=key).format_message())
    return {key: flavor.extra_specs[key]}


@wsgi.expected_errors(404)
def delete(req, flavor_id, key):
    """DELETE /{key}: remove one extra spec."""
    req.context.can(POLICY % "delete", target={})
    flavor = flavors.get_flavor(req, flavor_id)
    if key not in flavor.extra_specs:
        raise webob.exc.HTTPNotFound(explanation=exception.FlavorExtraSpecsNotFound(
            flavor_id=flavor_id, extra_specs_key=key).format_message())
    flavor.save_extra_specs(to_delete=[key])


ROUTES = [
    ("/flavors/{flavor_id}/os-extra_specs", {"GET": index, "POST": create}),
    ("/flavors/{flavor_id}/os-extra_specs/{key}",
     {"GET": show, "PUT": update, "DELETE": delete}),
]
