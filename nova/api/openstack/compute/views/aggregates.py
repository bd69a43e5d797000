"""Response bodies of os-aggregates."""

from nova.api.openstack.compute.views.services import isotime


def aggregate(req, agg, with_hosts=True):
    """One aggregate; create leaves out hosts and metadata, as upstream does."""
    body = {
        "id": agg.id,
        "name": agg.name,
        "availability_zone": agg.availability_zone,
        "created_at": isotime(agg.created_at),
        "updated_at": isotime(agg.updated_at),
        "deleted_at": None,
        "deleted": False,
    }
    if with_hosts:
        body["hosts"] = list(agg.hosts or [])
        body["metadata"] = dict(agg.metadata or {})
    if req.is_at_least("2.41"):
        body["uuid"] = agg.uuid
    return body
