"""os-aggregates: host aggregates, their hosts and metadata.

The ``availability_zone`` metadata key makes an aggregate an availability
zone. Its rules: the name may not be the internal services' zone, and a host
may not belong to two aggregates whose zones differ. From 2.81 POST
/os-aggregates/{id}/images asks the conductor to pre-cache images on the
aggregate's hosts (202; the work goes on in the background).
"""

from oslo_log import log as logging
from oslo_utils import strutils
import webob.exc

import nova.conf
from nova.api.openstack.compute.schemas import aggregates as schemas
from nova.api.openstack.compute.views import aggregates as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import host_api
from nova import conductor
from nova import context as nova_context
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

POLICY = "os_compute_api:os-aggregates:%s"
IMAGES_POLICY = "compute:aggregates:images"
AZ_KEY = "availability_zone"


class InvalidAggregateAction(exception.Invalid):
    msg_fmt = "Cannot %(action)s aggregate %(aggregate_id)s. Reason: %(reason)s."


def _aggregate_id(aggregate_id):
    if not strutils.is_int_like(aggregate_id):
        raise webob.exc.HTTPBadRequest(explanation="Invalid aggregate id %s" % aggregate_id)
    if not -2 ** 63 <= int(aggregate_id) < 2 ** 63:  # beyond any id a database can hold
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return int(aggregate_id)


def _get(context, aggregate_id):
    try:
        return objects.Aggregate.get_by_id(context, _aggregate_id(aggregate_id))
    except exception.AggregateNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


def _check_az(context, api, aggregate, zone, action, hosts=None):
    """Raise InvalidAggregateAction when giving ``aggregate`` zone ``zone`` is unsafe.

    ``hosts`` are the hosts that would be in the zone (default: the aggregate's).
    """
    agg_id = aggregate.id if aggregate.obj_attr_is_set("id") else aggregate.name
    hosts = list(hosts if hosts is not None else (aggregate.hosts or []))
    if zone is None:
        if hosts:
            raise InvalidAggregateAction(
                action=action, aggregate_id=agg_id,
                reason="Unable to unset the availability zone of an aggregate with hosts")
        return
    if zone == CONF.internal_service_availability_zone:
        raise InvalidAggregateAction(
            action=action, aggregate_id=agg_id,
            reason="The availability zone %s is reserved for the internal services" % zone)
    if not hosts:
        return
    others = objects.AggregateList.get_by_metadata_key(context, AZ_KEY, hosts=hosts)
    conflicting = sorted({agg.availability_zone for agg in others
                          if agg.availability_zone != zone
                          and ("id" not in aggregate or agg.id != aggregate.id)})
    if conflicting:
        raise InvalidAggregateAction(
            action=action, aggregate_id=agg_id,
            reason="One or more hosts already in availability zone(s) %s" % conflicting)
    if aggregate.obj_attr_is_set("id") and aggregate.availability_zone != zone:
        if any(api.host_has_instances(context, host) for host in hosts):
            raise InvalidAggregateAction(
                action=action, aggregate_id=agg_id,
                reason="One or more hosts contain instances in this zone")


@wsgi.expected_errors(())
def index(req):
    context = req.context
    context.can(POLICY % "index", target={})
    return {"aggregates": [views.aggregate(req, agg)
                           for agg in objects.AggregateList.get_all(context)]}


@wsgi.expected_errors((400, 409))
@validation.schema(schemas.create)
def create(req):
    context = req.context
    context.can(POLICY % "create", target={})
    body = req.get_json()["aggregate"]
    aggregate = objects.Aggregate(context=context)
    aggregate.name = body["name"]
    zone = body.get(AZ_KEY)
    try:
        if zone is not None:
            _check_az(context, None, aggregate, zone, "create", hosts=[])
            aggregate.metadata = {AZ_KEY: zone}
        aggregate.create()
    except InvalidAggregateAction as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except exception.AggregateNameExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return {"aggregate": views.aggregate(req, aggregate, with_hosts=False)}


@wsgi.expected_errors((400, 404))
def show(req, aggregate_id):
    context = req.context
    context.can(POLICY % "show", target={})
    return {"aggregate": views.aggregate(req, _get(context, aggregate_id))}


@wsgi.expected_errors((400, 404, 409))
@validation.schema(schemas.update)
def update(req, aggregate_id):
    context = req.context
    context.can(POLICY % "update", target={})
    aggregate = _get(context, aggregate_id)
    body = req.get_json()["aggregate"]
    try:
        if AZ_KEY in body:
            _check_az(context, host_api.HostAPI(), aggregate, body[AZ_KEY], "update")
        if "name" in body and body["name"] != aggregate.name:
            aggregate.name = body["name"]
            aggregate.save()
        if AZ_KEY in body:
            aggregate.update_metadata({AZ_KEY: body[AZ_KEY]})
    except InvalidAggregateAction as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except exception.AggregateNameExists as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    return {"aggregate": views.aggregate(req, aggregate)}


@wsgi.expected_errors((400, 404))
def delete(req, aggregate_id):
    context = req.context
    context.can(POLICY % "delete", target={})
    aggregate = _get(context, aggregate_id)
    if aggregate.hosts:
        raise webob.exc.HTTPBadRequest(explanation=InvalidAggregateAction(
            action="delete", aggregate_id=aggregate.id,
            reason="Host aggregate is not empty").format_message())
    aggregate.destroy()
    return None


def _add_host(req, aggregate, host):
    context = req.context
    context.can(POLICY % "add_host", target={})
    api = host_api.HostAPI()
    try:
        api.service_get_by_compute_host(context, host)
    except exception.ComputeHostNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    if host in (aggregate.hosts or []):
        raise webob.exc.HTTPConflict(explanation=exception.AggregateHostExists(
            host=host, aggregate_id=aggregate.id).format_message())
    zone = aggregate.availability_zone
    try:
        if zone is not None:
            _check_az(context, api, aggregate, zone, "add host to", hosts=[host])
        aggregate.add_host(host)
    except (InvalidAggregateAction, exception.AggregateHostExists) as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    _mirror_in_placement(context, aggregate, host, add=True)


def _remove_host(req, aggregate, host):
    context = req.context
    context.can(POLICY % "remove_host", target={})
    try:
        host_api.HostAPI().service_get_by_compute_host(context, host)
        aggregate.delete_host(host)
    except (exception.ComputeHostNotFound, exception.AggregateHostNotFound):
        raise webob.exc.HTTPNotFound(
            explanation="Cannot remove host %s in aggregate %s" % (host, aggregate.id))
    _mirror_in_placement(context, aggregate, host, add=False)


def _host_nodes(context, host):
    """Hypervisor hostnames of the compute nodes of ``host`` (its resource providers)."""
    try:
        cell = objects.HostMapping.get_by_host(context, host).cell_mapping
    except exception.HostMappingNotFound:
        return [host]
    with nova_context.target_cell(context, cell) as cctxt:
        nodes = objects.ComputeNodeList.get_all_by_host(cctxt, host)
    return [node.hypervisor_hostname for node in nodes] or [host]


def _mirror_in_placement(context, aggregate, host, add):
    """Mirror the membership in Placement (member_of queries of the scheduler).

    As upstream, a failure is only logged: nova-manage placement
    sync_aggregates repairs it later.
    """
    from nova.scheduler.client import report
    client = report.SchedulerReportClient()
    for node in _host_nodes(context, host):
        try:
            if add:
                client.aggregate_add_host(context, aggregate.uuid, node)
            else:
                client.aggregate_remove_host(context, aggregate.uuid, node)
        except Exception as exc:
            LOG.warning("Could not %s resource provider %s %s placement aggregate %s: %s. "
                        "Run 'nova-manage placement sync_aggregates' to fix it.",
                        "add" if add else "remove", node, "to" if add else "from",
                        aggregate.uuid, exc)


def _set_metadata(req, aggregate, metadata):
    context = req.context
    context.can(POLICY % "set_metadata", target={})
    try:
        if AZ_KEY in metadata:
            _check_az(context, host_api.HostAPI(), aggregate, metadata[AZ_KEY],
                      "update metadata of")
        aggregate.update_metadata(metadata)
    except InvalidAggregateAction as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


@wsgi.expected_errors((400, 404, 409))
@validation.schema(schemas.action)
def action(req, aggregate_id):
    body = req.get_json()
    aggregate = _get(req.context, aggregate_id)
    if "add_host" in body:
        _add_host(req, aggregate, body["add_host"]["host"])
    elif "remove_host" in body:
        _remove_host(req, aggregate, body["remove_host"]["host"])
    else:
        _set_metadata(req, aggregate, body["set_metadata"]["metadata"])
    return {"aggregate": views.aggregate(req, objects.Aggregate.get_by_id(
        req.context, aggregate.id))}


@wsgi.api_version("2.81")
@wsgi.expected_errors((400, 404))
@wsgi.response(202)
@validation.schema(schemas.images_v281)
def images(req, aggregate_id):
    context = req.context
    context.can(IMAGES_POLICY, target={})
    image_ids = [entry["id"] for entry in req.get_json()["cache"]]
    if len(set(image_ids)) != len(image_ids):
        raise webob.exc.HTTPBadRequest(explanation="Duplicate images in request")
    aggregate = _get(context, aggregate_id)
    try:
        conductor.ComputeTaskAPI().cache_images(context, aggregate, image_ids)
    except exception.NovaException as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    return None


ROUTES = [
    ("/os-aggregates", {"GET": index, "POST": create}),
    ("/os-aggregates/{aggregate_id}", {"GET": show, "PUT": update, "DELETE": delete}),
    ("/os-aggregates/{aggregate_id}/action", {"POST": action}),
    ("/os-aggregates/{aggregate_id}/images", {"POST": images}),
]
