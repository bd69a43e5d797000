"""/flavors: list, show, and (os-flavor-manage) create, update description, delete."""

from oslo_utils import strutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import flavors as schema
from nova.api.openstack.compute.views import flavors as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.api.validation import parameter_types
from nova import exception
from nova import objects

MANAGE = "os_compute_api:os-flavor-manage:%s"
EXTRA_SPECS_INDEX = "os_compute_api:os-flavor-extra-specs:index"


def _shows_extra_specs(req):
    """Whether flavor bodies of this request carry extra_specs (2.61+, policy)."""
    return req.is_at_least("2.61") and bool(req.context.can(EXTRA_SPECS_INDEX,
                                                            fatal=False))


def _render(req, flavor):
    """{"flavor": ...} with what the view needs loaded here, before rendering."""
    with_specs = _shows_extra_specs(req)
    if with_specs and not flavor.obj_attr_is_set("extra_specs"):
        flavor.obj_load_attr("extra_specs")
    return {"flavor": views.detail(req, flavor, with_specs=with_specs)}


def _parse_is_public(value):
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation="Invalid is_public filter [%s]" % value)


def _int_filter(req, name):
    value = req.GET.get(name)
    try:
        # Beyond 64 bits no row can match differently; databases refuse such literals.
        return min(max(int(value), -2 ** 63), 2 ** 63 - 1)
    except (TypeError, ValueError):
        raise webob.exc.HTTPBadRequest(explanation="Invalid %s filter [%s]" % (name, value))


def _list(req, with_extra_specs=False):
    ctxt = req.context
    filters = {}
    if ctxt.is_admin:
        is_public = _parse_is_public(req.GET.get("is_public"))
        if is_public is not None:
            filters["is_public"] = is_public
    else:
        filters["is_public"] = True
        filters["disabled"] = False
    if "minRam" in req.GET:
        filters["min_memory_mb"] = _int_filter(req, "minRam")
    if "minDisk" in req.GET:
        filters["min_root_gb"] = _int_filter(req, "minDisk")
    limit, marker = common.get_limit_and_marker(req)
    sort_keys, sort_dirs = common.get_sort_params(req, "flavorid", "asc")
    try:
        return objects.FlavorList.get_all(
            ctxt, filters=filters, sort_key=sort_keys[0], sort_dir=sort_dirs[0],
            limit=limit, marker=marker,
            expected_attrs=["extra_specs"] if with_extra_specs else [])
    except exception.MarkerNotFound:
        raise webob.exc.HTTPBadRequest(explanation="marker [%s] not found" % marker)


@wsgi.expected_errors(400)
@validation.query_schema(schema.index_query, "2.1", "2.74")
@validation.query_schema(schema.index_query_v275, "2.75")
def index(req):
    """GET /flavors: id, name and links of the visible flavors."""
    return views.collection(req, _list(req), views.basic, "flavors")


@wsgi.expected_errors(400)
@validation.query_schema(schema.index_query, "2.1", "2.74")
@validation.query_schema(schema.index_query_v275, "2.75")
def detail(req):
    """GET /flavors/detail: the visible flavors in full."""
    with_specs = _shows_extra_specs(req)
    flavors = _list(req, with_extra_specs=with_specs)
    return views.collection(req, flavors, views.detail, "flavors/detail",
                            with_specs=with_specs)


def get_flavor(req, flavor_id):
    try:
        return objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


@wsgi.expected_errors(404)
def show(req, flavor_id):
    """GET /flavors/{flavor_id}."""
    return _render(req, get_flavor(req, flavor_id))


@wsgi.expected_errors((400, 409))
@validation.schema(schema.create, "2.1", "2.54")
@validation.schema(schema.create_v255, "2.55")
def create(req):
    """POST /flavors (admin): a new flavor; ``id`` omitted or "auto" makes a UUID."""
    req.context.can(MANAGE % "create", target={})
    values = req.get_json()["flavor"]
    flavor = objects.Flavor(context=req.context)
    flavor.name = values["name"]
    flavor.memory_mb = int(values["ram"])
    flavor.vcpus = int(values["vcpus"])
    flavor.root_gb = int(values["disk"])
    flavor.ephemeral_gb = int(values.get("OS-FLV-EXT-DATA:ephemeral", 0))
    flavor.swap = int(values.get("swap", 0))
    flavor.rxtx_factor = float(values.get("rxtx_factor", 1.0))
    flavor.is_public = parameter_types.to_bool(values.get("os-flavor-access:is_public", True))
    if values.get("id") is not None:
        flavor.flavorid = str(values["id"])
    if "description" in values:
        flavor.description = values["description"]
    try:
        flavor.create()
    except (exception.FlavorExists, exception.FlavorIdExists) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return _render(req, flavor)


@wsgi.expected_errors((400, 404))
@wsgi.api_version("2.55")
@validation.schema(schema.update)
def update(req, flavor_id):
    """PUT /flavors/{flavor_id} (2.55, admin): change the description."""
    req.context.can(MANAGE % "update", target={})
    flavor = get_flavor(req, flavor_id)
    flavor.description = req.get_json()["flavor"]["description"]
    flavor.save()
    return _render(req, flavor)


@wsgi.expected_errors(404)
@wsgi.response(202)
def delete(req, flavor_id):
    """DELETE /flavors/{flavor_id} (admin)."""
    req.context.can(MANAGE % "delete", target={})
    flavor = get_flavor(req, flavor_id)
    try:
        flavor.destroy()
    except exception.FlavorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


ROUTES = [
    ("/flavors", {"GET": index, "POST": create}),
    ("/flavors/detail", {"GET": detail}),
    ("/flavors/{flavor_id}", {"GET": show, "PUT": update, "DELETE": delete}),
]
