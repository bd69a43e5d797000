"""Views of servers in a cell that does not answer (microversion 2.69).

Such a server is a minimal record (nova.compute.down_cells): its status is
``UNKNOWN`` and it shows only what the API database knows. The list view
has the id, status and links; the detailed list adds the project and the
creation time; a single server also shows its user, flavor, image,
availability zone (``UNKNOWN`` when none was asked for), power state 0 and,
from 2.71, its server groups.
"""


from nova.api.openstack import common
from nova.compute import down_cells

COLLECTION = "servers"
POLICY = "os_compute_api:servers:%s"


def _isotime(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def basic(req, instance):
    """The list (index) view of a server in a down cell."""
    return {"id": instance.uuid, "status": down_cells.UNKNOWN,
            "links": common.resource_links(req, COLLECTION, instance.uuid)}


def detail(req, instance):
    """The /servers/detail view of a server in a down cell."""
    view = basic(req, instance)
    view["tenant_id"] = instance.project_id
    view["created"] = _isotime(instance.created_at)
    return view


def _image(req, instance):
    if not instance.image_ref:
        return ""  # booted from a volume
    return {"id": instance.image_ref,
            "links": [{"rel": "bookmark",
                       "href": common.bookmark_for(req, "images", instance.image_ref)}]}


def show(req, instance, ctx):
    """The GET /servers/{id} view of a server in a down cell (``ctx``: its
    ServerContext)."""
    from nova.api.openstack.compute.views import servers as views

    view = detail(req, instance)
    view.update({
        "user_id": instance.user_id or down_cells.UNKNOWN,
        "image": _image(req, instance),
        "flavor": views._flavor(req, instance, ctx),
        "OS-EXT-AZ:availability_zone": instance.availability_zone or down_cells.UNKNOWN,
        "OS-EXT-STS:power_state": instance.power_state,
    })
    if req.is_at_least("2.71"):
        view["server_groups"] = ctx.server_groups.get(instance.uuid, [])
    return {"server": view}
