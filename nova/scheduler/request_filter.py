"""Pre-filters: narrow the Placement query before any host is looked at.

Each filter takes (context, request_spec), may add required/forbidden
aggregates to the spec's requested_destination or traits to its
request_level_params, and returns True when it changed the request.
Nothing here is persisted: requested_destination is per attempt.
"""

from oslo_log import log as logging

import nova.conf
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

TENANT_METADATA_KEY = "filter_tenant_id"
COMPUTE_STATUS_DISABLED = "COMPUTE_STATUS_DISABLED"
# Glance disk formats and the Placement traits computes report for them.
IMAGE_TYPE_TRAITS = {
    "aki": "COMPUTE_IMAGE_TYPE_AKI", "ami": "COMPUTE_IMAGE_TYPE_AMI",
    "ari": "COMPUTE_IMAGE_TYPE_ARI", "iso": "COMPUTE_IMAGE_TYPE_ISO",
    "qcow2": "COMPUTE_IMAGE_TYPE_QCOW2", "raw": "COMPUTE_IMAGE_TYPE_RAW",
    "vdi": "COMPUTE_IMAGE_TYPE_VDI", "vhd": "COMPUTE_IMAGE_TYPE_VHD",
    "vhdx": "COMPUTE_IMAGE_TYPE_VHDX", "vmdk": "COMPUTE_IMAGE_TYPE_VMDK",
    "ploop": "COMPUTE_IMAGE_TYPE_PLOOP",
}


def _destination(request_spec):
    """The spec's requested_destination, created when missing."""
    if not request_spec.obj_attr_is_set("requested_destination") or \
            request_spec.requested_destination is None:
        request_spec.requested_destination = objects.Destination()
    return request_spec.requested_destination


def _root_params(request_spec):
    if not request_spec.obj_attr_is_set("request_level_params") or \
            request_spec.request_level_params is None:
        request_spec.request_level_params = objects.RequestLevelParams()
    return request_spec.request_level_params


def require_tenant_aggregate(ctxt, request_spec):
    """Send a project only to aggregates tagged ``filter_tenant_id*=<project>``."""
    if not CONF.scheduler.limit_tenants_to_placement_aggregate:
        return False
    aggregates = objects.AggregateList.get_all(ctxt)
    tagged = [agg.uuid for agg in aggregates
              if any(key.startswith(TENANT_METADATA_KEY) and value == request_spec.project_id
                     for key, value in (agg.metadata or {}).items())]
    if tagged:
        _destination(request_spec).require_aggregates(tagged)
        LOG.debug("require_tenant_aggregate: project %s limited to aggregates %s",
                  request_spec.project_id, tagged)
        return True
    if CONF.scheduler.placement_aggregate_required_for_tenants:
        LOG.info("No aggregate is tagged for project %s and one is required",
                 request_spec.project_id)
        raise exception.RequestFilterFailed(
            reason="No hosts available for tenant")
    return False


def map_az_to_placement_aggregate(ctxt, request_spec):
    """Turn the requested availability zone into a member_of on its aggregates."""
    if not CONF.scheduler.query_placement_for_availability_zone:
        return False
    zone = request_spec.availability_zone if request_spec.obj_attr_is_set(
        "availability_zone") else None
    if not zone:
        return False
    aggregates = [agg.uuid for agg in objects.AggregateList.get_all(ctxt)
                  if (agg.metadata or {}).get("availability_zone") == zone]
    if not aggregates:
        # The default zone has no aggregate; AvailabilityZoneFilter handles it.
        return False
    _destination(request_spec).require_aggregates(aggregates)
    LOG.debug("map_az_to_placement_aggregate: zone %s is aggregates %s", zone, aggregates)
    return True


def require_image_type_support(ctxt, request_spec):
    """Ask for hosts whose driver supports the image's disk format."""
    if not CONF.scheduler.query_placement_for_image_type_support:
        return False
    if request_spec.is_bfv:
        return False
    image = request_spec.image if request_spec.obj_attr_is_set("image") else None
    disk_format = image.disk_format if image is not None and image.obj_attr_is_set(
        "disk_format") else None
    trait = IMAGE_TYPE_TRAITS.get(disk_format)
    if trait is None:
        return False
    _root_params(request_spec).root_required.add(trait)
    LOG.debug("require_image_type_support: requires %s", trait)
    return True


def compute_status_filter(ctxt, request_spec):
    """Never pick nodes whose compute service is disabled (the trait computes set)."""
    _root_params(request_spec).root_forbidden.add(COMPUTE_STATUS_DISABLED)
    return True


def _requested_traits(request_spec):
    traits = set()
    extra_specs = request_spec.flavor.extra_specs if "extra_specs" in \
        request_spec.flavor else {}
    for key, value in (extra_specs or {}).items():
        if key.startswith("trait") and ":" in key and value == "required":
            traits.add(key.split(":", 1)[1])
    image = request_spec.image if request_spec.obj_attr_is_set("image") else None
    if image is not None and image.obj_attr_is_set("properties"):
        for key, value in image.properties.to_dict().items():
            if key.startswith("trait:") and value == "required":
                traits.add(key.split(":", 1)[1])
    return traits


def isolate_aggregates(ctxt, request_spec):
    """Keep instances off aggregates whose required traits they do not ask for."""
    if not CONF.scheduler.enable_isolated_aggregate_filtering:
        return False
    requested = _requested_traits(request_spec)
    forbidden = set()
    for agg in objects.AggregateList.get_all(ctxt):
        required = {key.split(":", 1)[1] for key, value in (agg.metadata or {}).items()
                    if key.startswith("trait:") and value == "required"}
        if required and not required <= requested:
            forbidden.add(agg.uuid)
    if not forbidden:
        return False
    _destination(request_spec).append_forbidden_aggregates(forbidden)
    LOG.debug("isolate_aggregates: forbids aggregates %s", sorted(forbidden))
    return True


ALL_REQUEST_FILTERS = [
    require_tenant_aggregate,
    map_az_to_placement_aggregate,
    require_image_type_support,
    compute_status_filter,
    isolate_aggregates,
]


def process_reqspec(ctxt, request_spec):
    """Run every pre-filter over ``request_spec`` (in place)."""
    for request_filter in ALL_REQUEST_FILTERS:
        request_filter(ctxt, request_spec)
