"""Response bodies of /flavors, by microversion.

What a body holds depends only on the request (microversion, link prefix)
and on what the controller decided before rendering (``with_specs``: the
caller may see extra specs), so each builder works that out once per request
and then turns every flavor of a listing into its dict. The views check no
policy and make no queries.
"""

from urllib.parse import quote

from nova.api.openstack import common
from nova.objects import bulk

_read_basic = bulk.reader(("flavorid", "name"))
_read_detail = bulk.reader(("flavorid", "name", "memory_mb", "root_gb", "vcpus",
                            "ephemeral_gb", "disabled", "is_public", "rxtx_factor", "swap"))


def _link_maker(req):
    self_base = common.url_for(req, "flavors") + "/"
    bookmark_base = common.bookmark_for(req, "flavors") + "/"

    def links(flavorid):
        quoted = quote(str(flavorid), safe="")
        return [{"rel": "self", "href": self_base + quoted},
                {"rel": "bookmark", "href": bookmark_base + quoted}]
    return links


def _basic_builder(req, with_specs=False):
    links = _link_maker(req)
    with_description = req.is_at_least("2.55")

    def build(flavor):
        flavorid, name = _read_basic(flavor)
        view = {"id": flavorid, "name": name, "links": links(flavorid)}
        if with_description:
            view["description"] = flavor.description
        return view
    return build


def _detail_builder(req, with_specs=False):
    links = _link_maker(req)
    with_description = req.is_at_least("2.55")
    with_specs = with_specs and req.is_at_least("2.61")
    # Before 2.75 a flavor without swap shows an empty string.
    empty_swap = 0 if req.is_at_least("2.75") else ""

    def build(flavor):
        (flavorid, name, ram, disk, vcpus, ephemeral, disabled, is_public, rxtx_factor,
         swap) = _read_detail(flavor)
        view = {
            "id": flavorid,
            "name": name,
            "ram": ram,
            "disk": disk,
            "vcpus": vcpus,
            "links": links(flavorid),
            "OS-FLV-EXT-DATA:ephemeral": ephemeral,
            "OS-FLV-DISABLED:disabled": disabled,
            "os-flavor-access:is_public": is_public,
            "rxtx_factor": rxtx_factor,
            "swap": swap or empty_swap,
        }
        if with_description:
            view["description"] = flavor.description
        if with_specs:
            view["extra_specs"] = dict(flavor.extra_specs)
        return view
    return build


def basic(req, flavor, with_specs=False):
    return _basic_builder(req)(flavor)


def detail(req, flavor, with_specs=False):
    """The detailed body; ``with_specs``: the caller may see extra specs (2.61+)."""
    return _detail_builder(req, with_specs)(flavor)


_BUILDERS = {basic: _basic_builder, detail: _detail_builder}


def collection(req, flavors, builder, collection_name, with_specs=False):
    make = _BUILDERS.get(builder)
    build = (make(req, with_specs) if make is not None
             else (lambda flavor: builder(req, flavor, with_specs)))
    views = [build(f) for f in flavors]
    result = {"flavors": views}
    links = common.collection_links(req, views, collection_name)
    if links:
        result["flavors_links"] = links
    return result
