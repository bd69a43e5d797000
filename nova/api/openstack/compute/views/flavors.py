"""Response bodies of /flavors, by microversion."""

from nova.api.openstack import common

EXTRA_SPECS_INDEX = "os_compute_api:os-flavor-extra-specs:index"


def _links(req, flavor):
    return common.resource_links(req, "flavors", flavor.flavorid)


def basic(req, flavor):
    view = {"id": flavor.flavorid, "name": flavor.name, "links": _links(req, flavor)}
    if req.is_at_least("2.55"):
        view["description"] = flavor.description
    return view


def _may_see_extra_specs(req):
    cached = req.environ.get("nova.flavor_extra_specs_visible")
    if cached is None:
        cached = bool(req.context.can(EXTRA_SPECS_INDEX, fatal=False))
        req.environ["nova.flavor_extra_specs_visible"] = cached
    return cached


def detail(req, flavor):
    view = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "vcpus": flavor.vcpus,
        "links": _links(req, flavor),
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor,
        # Before 2.75 a flavor without swap shows an empty string.
        "swap": flavor.swap if (flavor.swap or req.is_at_least("2.75")) else "",
    }
    if req.is_at_least("2.55"):
        view["description"] = flavor.description
    if req.is_at_least("2.61") and _may_see_extra_specs(req):
        view["extra_specs"] = dict(flavor.extra_specs)
    return view


def collection(req, flavors, builder, collection_name):
    views = [builder(req, f) for f in flavors]
    result = {"flavors": views}
    links = common.collection_links(req, views, collection_name)
    if links:
        result["flavors_links"] = links
    return result
