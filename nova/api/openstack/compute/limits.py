"""GET /limits: the project's absolute limits and what it uses of them."""

from nova.api.openstack.compute.schemas import limits as schema
from nova.api.openstack.compute.views import limits as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova import quota

BASE = "os_compute_api:limits"
OTHER_PROJECT = "os_compute_api:limits:other_project"


@wsgi.expected_errors(())
@validation.query_schema(schema.index_query, "2.1", "2.74")
@validation.query_schema(schema.index_query_v275, "2.75")
def index(req):
    """The caller's project, or (admin) the one named by ``tenant_id``."""
    ctxt = req.context
    ctxt.can(BASE, target={"project_id": ctxt.project_id})
    project_id = ctxt.project_id
    requested = req.GET.get("tenant_id")
    if requested and requested != project_id:
        ctxt.can(OTHER_PROJECT, target={"project_id": requested})
        project_id = requested
    quotas = quota.QUOTAS.get_project_quotas(ctxt, project_id, usages=True)
    return views.build(req, quotas)


ROUTES = [
    ("/limits", {"GET": index}),
]
