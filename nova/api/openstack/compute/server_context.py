"""What the server views need besides the servers, looked up before rendering.

The views (``views/servers.py``) only render: they make no queries and check
no policy. ``for_list`` and ``for_show`` answer the policy questions and read
everything else the views show (host statuses, volumes, request specs,
server groups, fields an Instance has not loaded yet) once per request.
"""

import collections
import functools

from oslo_log import log as logging

from nova.compute import api as compute_api
from nova.compute import down_cells
from nova.compute import instance_list
from nova import exception
from nova.network import api as network_api
from nova import objects

LOG = logging.getLogger(__name__)

POLICY = "os_compute_api:servers:%s"
EXTENDED_ATTRIBUTES = "os_compute_api:os-extended-server-attributes"

# The fields of an instance the detailed view reads (besides uuid, info_cache
# and tags, which it shows only when loaded).
DETAIL_FIELDS = (
    "display_name", "vm_state", "task_state", "project_id", "user_id", "metadata", "host",
    "image_ref", "system_metadata", "flavor", "created_at", "updated_at", "access_ip_v4",
    "access_ip_v6", "auto_disk_config", "progress", "availability_zone", "config_drive",
    "key_name", "launched_at", "terminated_at", "power_state", "hostname", "fault",
    "locked", "display_description", "node", "reservation_id", "launch_index",
    "kernel_id", "ramdisk_id", "root_device_name", "user_data")

Volume = collections.namedtuple("Volume", "volume_id delete_on_termination")


class ServerContext:
    """What the detailed views of one request share, looked up once.

    ``at_least(version)``: the request's microversion test (cached);
    ``can_see_extended``, ``can_see_extra_specs``, ``show_host_status`` and
    ``host_status_all``: policy answers; ``host_statuses``, ``volumes``,
    ``request_specs``, ``server_groups`` and ``security_groups``: {server uuid: value};
    ``flavor_views``: the views' own cache of flavor views.
    """

    def __init__(self, req):
        context = req.context
        self.req = req
        # The views ask the same few microversion questions for every server.
        self.at_least = functools.lru_cache(maxsize=None)(req.is_at_least)
        self.can_see_extra_specs = req.is_at_least("2.47") and context.can(
            POLICY % "show:flavor-extra-specs", fatal=False)
        self.can_see_extended = False
        self.show_host_status = False
        self.host_status_all = False
        self.host_statuses = {}
        self.volumes = {}
        self.request_specs = {}
        self.server_groups = {}
        self.security_groups = {}
        self.flavor_views = {}  # id(Flavor) -> (Flavor, its view)

    def _load(self, instances, compute, show):
        req = self.req
        context = req.context
        self.can_see_extended = context.can(EXTENDED_ATTRIBUTES, fatal=False)
        if req.is_at_least("2.16"):
            can_all = context.can(POLICY % "show:host_status", fatal=False)
            can_unknown = can_all or context.can(
                POLICY % "show:host_status:unknown-only", fatal=False)
            if can_unknown:
                statuses = compute.get_instances_host_statuses(instances)
                if not can_all:
                    statuses = {k: v for k, v in statuses.items()
                                if v == compute_api.HOST_STATUS_UNKNOWN}
                self.host_statuses = statuses
            self.show_host_status = can_unknown
            self.host_status_all = can_all
        self.volumes = _volumes(instances)
        if req.is_at_least("2.96"):
            self.request_specs = objects.RequestSpec.get_zones_and_hints(
                context, [i.uuid for i in instances])
        if show and req.is_at_least("2.71"):
            self.server_groups = _server_groups(context, instances)
        self.security_groups = _security_groups(
            context, [i.uuid for i in instances if not compute_api.is_building(i)])


def for_list(req, instances, compute):
    """The ServerContext of a detailed list of ``instances``."""
    ctx = ServerContext(req)
    # Servers of a down cell (2.69) have nothing to look up.
    ctx._load([i for i in instances if not down_cells.is_minimal(i)], compute, False)
    return ctx


def for_show(req, instance, compute):
    """The ServerContext of one server's view; loads the fields it lacks."""
    ctx = ServerContext(req)
    if down_cells.is_minimal(instance):
        # A down cell's server: only what the API database knows of it.
        if req.is_at_least("2.71"):
            ctx.server_groups = _server_groups(req.context, [instance])
        return ctx
    if not compute_api.is_building(instance):
        for name in DETAIL_FIELDS:
            if not instance.obj_attr_is_set(name):
                try:
                    getattr(instance, name)  # loads it
                except (exception.OrphanedObjectError, exception.ObjectActionError):
                    pass  # cannot be loaded: the view shows it as unset
    ctx._load([instance], compute, True)
    return ctx


def _volumes(instances):
    """{instance uuid: [volume attachment, ...]} of the volumes of the servers."""
    result = {}
    in_cells = []
    for inst in instances:
        if compute_api.is_building(inst):
            bdms = inst._build_request.block_device_mappings
            result[inst.uuid] = [b for b in bdms if getattr(b, "volume_id", None)]
        else:
            in_cells.append(inst)
    for uuid, volumes in instance_list.get_volume_attachments(in_cells).items():
        result[uuid] = [Volume(*v) for v in volumes]
    return result


def _security_groups(context, uuids):
    """{uuid: [{"name": ...}]} from the network service; a network service that
    cannot answer leaves them out of the views rather than failing the read."""
    if not uuids:
        return {}
    try:
        return network_api.get_network_api().get_instances_security_groups(context, uuids)
    except exception.NetworkError as exc:
        LOG.warning("Security groups of %d server(s) not shown: %s", len(uuids), exc)
        return {}


def _server_groups(context, instances):
    groups = {}
    for inst in instances:
        try:
            group = objects.InstanceGroup.get_by_instance_uuid(context, inst.uuid)
            groups[inst.uuid] = [group.uuid]
        except exception.InstanceGroupNotFound:
            groups[inst.uuid] = []
    return groups
