"""Which projects may use a private flavor: os-flavor-access and its two actions."""

import webob.exc

from nova.api.openstack import api_version
from nova.api.openstack.compute import flavors
from nova.api.openstack.compute.schemas import flavor_access as schema
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception

BASE = "os_compute_api:os-flavor-access"
POLICY = BASE + ":%s"


def _access_list(flavor):
    return {"flavor_access": [{"flavor_id": flavor.flavorid, "tenant_id": project}
                              for project in sorted(flavor.projects)]}


@wsgi.expected_errors(404)
def index(req, flavor_id):
    """GET /flavors/{id}/os-flavor-access: the projects of a private flavor."""
    req.context.can(BASE, target={})
    flavor = flavors.get_flavor(req, flavor_id)
    if flavor.is_public:
        raise webob.exc.HTTPNotFound(
            explanation="Access list not available for public flavors.")
    return _access_list(flavor)


@validation.schema(schema.add_tenant_access)
def _add(req, flavor_id):
    req.context.can(POLICY % "add_tenant", target={})
    tenant = req.get_json()["addTenantAccess"]["tenant"]
    flavor = flavors.get_flavor(req, flavor_id)
    # Before 2.7 access to a public flavor was recorded (and had no effect).
    if flavor.is_public and api_version.is_supported(req, "2.7"):
        raise webob.exc.HTTPConflict(explanation="Can not add access to a public flavor.")
    try:
        flavor.add_access(tenant)
    except exception.FlavorAccessExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return _access_list(flavor)


@validation.schema(schema.remove_tenant_access)
def _remove(req, flavor_id):
    req.context.can(POLICY % "remove_tenant", target={})
    tenant = req.get_json()["removeTenantAccess"]["tenant"]
    flavor = flavors.get_flavor(req, flavor_id)
    try:
        flavor.remove_access(tenant)
    except (exception.FlavorAccessNotFound, exception.FlavorNotFound) as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    return _access_list(flavor)


ACTIONS = {"addTenantAccess": _add, "removeTenantAccess": _remove}


@wsgi.expected_errors((400, 403, 404, 409))
def action(req, flavor_id):
    """POST /flavors/{id}/action: addTenantAccess / removeTenantAccess."""
    return wsgi.action_function(req, ACTIONS)(req, flavor_id)


ROUTES = [
    ("/flavors/{flavor_id}/os-flavor-access", {"GET": index}),
    ("/flavors/{flavor_id}/action", {"POST": action}),
]
