"""os-hypervisors: the compute nodes of every cell and their resources.

2.33 pages the lists with limit/marker (the marker an integer id). Before 2.53 hypervisors are addressed by integer id and searched with
/{pattern}/search and /{pattern}/servers; from 2.53 by UUID with the
hypervisor_hostname_pattern / with_servers / limit / marker query parameters.
2.88 drops the resource fields from the view, adds ``uptime`` to show and
retires /statistics and /{id}/uptime.
"""

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import strutils
from oslo_utils import uuidutils
import webob.exc

from nova.api.openstack import common
from nova.api.openstack.compute.schemas import hypervisors as schemas
from nova.api.openstack.compute.views import hypervisors as views
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import host_api
from nova import exception

LOG = logging.getLogger(__name__)

POLICY = "os_compute_api:os-hypervisors:%s"


def _view(req, api, node, detail=False, servers=None, service=None):
    if service is None:
        try:
            service = api.service_of_node(node)
        except exception.ComputeHostNotFound:
            return None
    return views.hypervisor(req, node, service, api.service_is_up(service), detail=detail,
                            servers=servers)


def _servers(req, api, node, with_servers):
    """The servers list for the view, or None when it is left out."""
    if not with_servers:
        return None
    servers = api.instances_of_node(node)
    if servers or req.is_at_least("2.75"):
        return servers
    return None


def _query_value(req, name):
    values = req.GET.getall(name)
    return values[-1] if values else None


def _list(req, detail):
    context = req.context
    context.can(POLICY % ("list-detail" if detail else "list"), target={})
    api = host_api.HostAPI()
    limit = marker = pattern = None
    with_servers = False
    paged = req.is_at_least("2.33")
    if paged:
        limit, marker = common.get_limit_and_marker(req)
        if "limit" not in req.GET:
            limit = None
    if req.is_at_least("2.53"):
        with_servers = strutils.bool_from_string(_query_value(req, "with_servers") or False,
                                                 strict=True)
        pattern = _query_value(req, "hypervisor_hostname_pattern")
        if pattern is not None and (limit is not None or marker is not None):
            raise webob.exc.HTTPBadRequest(
                explanation="Paging over hypervisors with the "
                            "hypervisor_hostname_pattern query parameter is not supported.")
        if marker is not None and not uuidutils.is_uuid_like(marker):
            raise webob.exc.HTTPBadRequest(explanation="Invalid marker %s" % marker)
    elif marker is not None:
        # 2.33-2.52 page by the integer id; the listing itself pages by UUID.
        marker = _marker_uuid(context, api, marker)
    try:
        nodes = api.compute_node_get_all(context, limit=limit, marker=marker,
                                         pattern=pattern)
    except host_api.InvalidMarker as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    if pattern is not None and not nodes:
        raise webob.exc.HTTPNotFound(
            explanation="No hypervisor matching '%s' could be found." % pattern)
    hypervisors = []
    services = api.services_of_nodes(nodes)
    for node in nodes:
        if node.uuid not in services:
            continue  # its service was deleted: upstream leaves such nodes out
        hypervisors.append(_view(req, api, node, detail=detail,
                                 servers=_servers(req, api, node, with_servers),
                                 service=services[node.uuid]))
    body = {"hypervisors": hypervisors}
    if paged and limit is not None and len(nodes) == limit:
        url = "os-hypervisors/detail" if detail else "os-hypervisors"
        id_key = "uuid" if req.is_at_least("2.53") else "id"
        body["hypervisors_links"] = common.collection_links(
            req, [{"id": getattr(n, id_key)} for n in nodes], url)
    return body


def _marker_uuid(context, api, marker):
    """The UUID of the compute node whose integer id is ``marker`` (400 if none)."""
    if not strutils.is_int_like(marker):
        raise webob.exc.HTTPBadRequest(explanation="Invalid marker %s" % marker)
    try:
        return api.compute_node_get(context, marker).uuid
    except host_api.HypervisorNotFound:
        raise webob.exc.HTTPBadRequest(explanation="Invalid marker %s" % marker)


@wsgi.expected_errors((400, 404))
@validation.query_schema(schemas.list_query_v233, "2.33", "2.52")
@validation.query_schema(schemas.list_query_v253, "2.53")
def index(req):
    return _list(req, detail=False)


@wsgi.expected_errors((400, 404))
@validation.query_schema(schemas.list_query_v233, "2.33", "2.52")
@validation.query_schema(schemas.list_query_v253, "2.53")
def detail(req):
    return _list(req, detail=True)


def _get_node(req, api, hypervisor_id):
    if req.is_at_least("2.53"):
        if not uuidutils.is_uuid_like(hypervisor_id):
            raise webob.exc.HTTPBadRequest(explanation="Invalid uuid %s" % hypervisor_id)
    elif not strutils.is_int_like(hypervisor_id):
        raise webob.exc.HTTPNotFound(
            explanation="Hypervisor with ID '%s' could not be found." % hypervisor_id)
    try:
        return api.compute_node_get(req.context, hypervisor_id)
    except host_api.HypervisorNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())


def _uptime(api, context, node):
    try:
        return api.get_host_uptime(context, node.host)
    except host_api.ComputeServiceUnavailable as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())
    except NotImplementedError:
        raise webob.exc.HTTPNotImplemented(
            explanation="Virt driver does not implement uptime function.")


def _uptime_or_none(api, context, node):
    """2.88 shows the uptime when the compute can tell it, else null."""
    try:
        return api.get_host_uptime(context, node.host)
    except (host_api.ComputeServiceUnavailable, exception.ComputeHostNotFound,
            NotImplementedError):
        return None
    except messaging.MessagingTimeout:
        LOG.warning("Compute %s did not report its uptime in time.", node.host)
        return None


@wsgi.expected_errors((400, 404, 501))
@validation.query_schema(schemas.show_query_v253, "2.53")
def show(req, hypervisor_id):
    context = req.context
    context.can(POLICY % "show", target={})
    api = host_api.HostAPI()
    node = _get_node(req, api, hypervisor_id)
    with_servers = False
    if req.is_at_least("2.53"):
        with_servers = strutils.bool_from_string(_query_value(req, "with_servers") or False,
                                                 strict=True)
    view = _view(req, api, node, detail=True,
                 servers=_servers(req, api, node, with_servers))
    if view is None:
        raise webob.exc.HTTPNotFound(
            explanation="Hypervisor with ID '%s' could not be found." % hypervisor_id)
    if req.is_at_least("2.88"):
        view["uptime"] = _uptime_or_none(api, context, node)
    return {"hypervisor": view}


@wsgi.expected_errors((400, 404, 501))
@wsgi.api_version("2.1", "2.87")
def uptime(req, hypervisor_id):
    context = req.context
    context.can(POLICY % "uptime", target={})
    api = host_api.HostAPI()
    node = _get_node(req, api, hypervisor_id)
    try:
        service = api.service_of_node(node)
    except exception.ComputeHostNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    body = views.hypervisor(req, node, service, api.service_is_up(service))
    body["uptime"] = _uptime(api, context, node)
    return {"hypervisor": body}


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.52")
def search(req, pattern):
    context = req.context
    context.can(POLICY % "search", target={})
    api = host_api.HostAPI()
    try:
        nodes = api.compute_node_search_by_hypervisor(context, pattern)
    except host_api.HypervisorPatternNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    views_ = [_view(req, api, node) for node in nodes]
    return {"hypervisors": [v for v in views_ if v is not None]}


@wsgi.expected_errors(404)
@wsgi.api_version("2.1", "2.52")
def servers(req, pattern):
    context = req.context
    context.can(POLICY % "servers", target={})
    api = host_api.HostAPI()
    try:
        nodes = api.compute_node_search_by_hypervisor(context, pattern)
    except host_api.HypervisorPatternNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    views_ = [_view(req, api, node, servers=api.instances_of_node(node) or None)
              for node in nodes]
    return {"hypervisors": [v for v in views_ if v is not None]}


@wsgi.expected_errors(())
@wsgi.api_version("2.1", "2.87")
def statistics(req):
    context = req.context
    context.can(POLICY % "statistics", target={})
    return views.statistics(host_api.HostAPI().compute_node_statistics(context))


ROUTES = [
    ("/os-hypervisors", {"GET": index}),
    ("/os-hypervisors/detail", {"GET": detail}),
    ("/os-hypervisors/statistics", {"GET": statistics}),
    ("/os-hypervisors/{hypervisor_id}", {"GET": show}),
    ("/os-hypervisors/{hypervisor_id}/uptime", {"GET": uptime}),
    ("/os-hypervisors/{pattern}/search", {"GET": search}),
    ("/os-hypervisors/{pattern}/servers", {"GET": servers}),
]
