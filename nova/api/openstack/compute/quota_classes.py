"""os-quota-class-sets: the limits of a quota class ("default" applies to all).

The resources shown follow the microversion: the server group limits appear
and the nova-network limits disappear at 2.50; the file-injection limits
disappear at 2.57.
"""

from oslo_log import log as logging

from nova.api.openstack.compute.schemas import quota_sets as schemas
from nova.api.openstack.compute.views import quota_sets as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova import exception
from nova import objects
from nova import quota

LOG = logging.getLogger(__name__)
POLICY = "os_compute_api:os-quota-class-sets:%s"


@wsgi.expected_errors(())
def show(req, id):
    context = req.context
    context.can(POLICY % "show", target={"quota_class": id})
    values = quota.QUOTAS.get_class_quotas(context, id)
    return views.quota_set(req, values, set_id=id, for_class=True)


@wsgi.expected_errors(400)
@validation.schema(schemas.class_update, None, "2.49")
@validation.schema(schemas.class_update_v250, "2.50", "2.56")
@validation.schema(schemas.class_update_v257, "2.57")
def update(req, id):
    context = req.context
    context.can(POLICY % "update", target={"quota_class": id})
    known = set(quota.QUOTAS.resources)
    for resource, value in req.get_json()["quota_class_set"].items():
        if resource not in known:
            LOG.debug("Ignoring the %s quota, which is no longer enforced", resource)
            continue
        try:
            objects.Quotas.update_class(context, id, resource, int(value))
        except exception.QuotaClassNotFound:
            objects.Quotas.create_class(context, id, resource, int(value))
    values = quota.QUOTAS.get_class_quotas(context, id)
    return views.quota_set(req, values, for_class=True)


ROUTES = [
    ("/os-quota-class-sets/{id}", {"GET": show, "PUT": update}),
]
