"""Response bodies of /servers: the basic list view and the detailed view.

``status`` is derived from the vm_state and task_state (STATE_MAP below);
``detail`` builds one server with every extension field Nova shows, each
gated by its microversion or policy. The views only render: what they show
besides the servers (host statuses, volumes, request specs, policy answers)
comes in a ``ServerContext`` (nova.api.openstack.compute.server_context),
looked up before rendering.

A server is an Instance object or the listings' read-only
``nova.objects.instance_listing.InstanceRecord``: the views read both the
same way, through ``obj_attr_is_set`` and attributes named as the fields.
"""

import collections
import hashlib
import json
import operator

from oslo_log import log as logging

from nova.api.openstack import common
from nova.api.openstack.compute import server_context
from nova.api.openstack.compute.views import servers_down_cell as down_views
from nova.compute import api as compute_api
from nova.compute import down_cells
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)

# Where an instance keeps its trusted image certificate ids (2.63), as JSON.
TRUSTED_CERTS_KEY = "trusted_image_certificates"

# vm_state -> {task_state: API status}; "default" applies to other task states.
STATE_MAP = {
    vm_states.ACTIVE: {
        "default": "ACTIVE",
        task_states.REBOOTING: "REBOOT",
        task_states.REBOOT_PENDING: "REBOOT",
        task_states.REBOOT_STARTED: "REBOOT",
        task_states.REBOOTING_HARD: "HARD_REBOOT",
        task_states.REBOOT_PENDING_HARD: "HARD_REBOOT",
        task_states.REBOOT_STARTED_HARD: "HARD_REBOOT",
        task_states.UPDATING_PASSWORD: "PASSWORD",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
        task_states.MIGRATING: "MIGRATING",
        task_states.RESIZE_PREP: "RESIZE",
        task_states.RESIZE_MIGRATING: "RESIZE",
        task_states.RESIZE_MIGRATED: "RESIZE",
        task_states.RESIZE_FINISH: "RESIZE",
    },
    vm_states.BUILDING: {"default": "BUILD"},
    vm_states.STOPPED: {
        "default": "SHUTOFF",
        task_states.RESIZE_PREP: "RESIZE",
        task_states.RESIZE_MIGRATING: "RESIZE",
        task_states.RESIZE_MIGRATED: "RESIZE",
        task_states.RESIZE_FINISH: "RESIZE",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
    },
    vm_states.RESIZED: {
        "default": "VERIFY_RESIZE",
        task_states.RESIZE_REVERTING: "REVERT_RESIZE",
    },
    vm_states.PAUSED: {"default": "PAUSED", task_states.MIGRATING: "MIGRATING"},
    vm_states.SUSPENDED: {"default": "SUSPENDED"},
    vm_states.RESCUED: {"default": "RESCUE"},
    vm_states.ERROR: {
        "default": "ERROR",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
    },
    vm_states.DELETED: {"default": "DELETED"},
    vm_states.SOFT_DELETED: {"default": "SOFT_DELETED"},
    vm_states.SHELVED: {"default": "SHELVED"},
    vm_states.SHELVED_OFFLOADED: {"default": "SHELVED_OFFLOADED"},
}

# Statuses under which a server reports its progress.
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                     "MIGRATING")
FAULT_STATUSES = ("ERROR", "DELETED")
# Image keys kept in system metadata that are not image properties.
_IMAGE_BASE_KEYS = ("min_ram", "min_disk", "disk_format", "container_format")
_IMAGE_PREFIX_LEN = len("image_")  # of the image properties kept in system metadata


def _get(instance, name, default=None):
    """A loaded field of the server; ``default`` when it is not loaded (a build
    request's instance lacks some). Never loads anything."""
    if instance.obj_attr_is_set(name):
        return getattr(instance, name)
    return default


# The fields the detailed view reads through ``_fields`` (uuid, info_cache and
# tags are read otherwise).
_DETAIL_FIELDS = server_context.DETAIL_FIELDS
_read_all = operator.attrgetter(*_DETAIL_FIELDS)
# Before 2.63 a listing loads no system metadata (no view of it reads it).
_DETAIL_FIELDS_NO_SYSMETA = tuple(n for n in _DETAIL_FIELDS if n != "system_metadata")
_read_all_no_sysmeta = operator.attrgetter(*_DETAIL_FIELDS_NO_SYSMETA)


class _Fields(dict):
    """Field name -> value of an instance, each read by ``_get`` when first asked."""

    __slots__ = ("instance",)

    def __init__(self, instance):
        super().__init__()
        self.instance = instance

    def __missing__(self, name):
        value = self[name] = _get(self.instance, name)
        return value


def _fields(instance):
    """The fields of ``instance`` the detailed view shows, as a mapping.

    A server in a cell has every one of them loaded (a listed record, or an
    Instance the ServerContext completed): they are read at once. A build
    request's instance lacks some: each is read when asked, or None.
    """
    if not compute_api.is_building(instance):
        try:
            if instance.obj_attr_is_set("system_metadata"):
                return dict(zip(_DETAIL_FIELDS, _read_all(instance)))
            return dict(zip(_DETAIL_FIELDS_NO_SYSMETA, _read_all_no_sysmeta(instance)))
        except (AttributeError, exception.NovaException):
            # Not all loaded (a record of a listing that did not load some, an
            # Instance some of whose fields cannot be loaded): read one by one.
            pass
    return _Fields(instance)


def status_from_state(vm_state, task_state="default"):
    """The API status of a server in ``vm_state`` with ``task_state``."""
    task_map = STATE_MAP.get(vm_state, {"default": "UNKNOWN"})
    status = task_map.get(task_state, task_map["default"])
    if status == "UNKNOWN":
        LOG.error("status is UNKNOWN from vm_state=%(vm)s task_state=%(task)s",
                  {"vm": vm_state, "task": task_state})
    return status


def states_from_status(statuses):
    """``(vm_states, task_states)`` a list filtered by ``statuses`` asks for.

    A task state of "default" means "whatever the task state".
    """
    wanted = {s.strip().lower() for s in statuses}
    found_vm, found_task = set(), set()
    for vm_state, task_map in STATE_MAP.items():
        for task_state, status in task_map.items():
            if status.lower() in wanted:
                found_vm.add(vm_state)
                found_task.add(task_state)
    return sorted(found_vm), sorted(found_task, key=str)


def isotime(value):
    if value is None:
        return None
    if value.year < 1000:  # strftime does not pad such years; keep its output
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    # What strftime("%Y-%m-%dT%H:%M:%SZ") gives, several times faster.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (value.year, value.month, value.day,
                                              value.hour, value.minute, value.second)


def host_id(project_id, host):
    """The opaque host id users see: unique per project and host."""
    if not host:
        return ""
    return hashlib.sha224(("%s%s" % (project_id, host)).encode("utf-8")).hexdigest()


def _network_info(instance):
    if not instance.obj_attr_is_set("info_cache"):
        return []
    cache = instance.info_cache
    value = getattr(cache, "network_info", None) if cache is not None else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value or []


def addresses(instance):
    """``{network label: [{version, addr, OS-EXT-IPS:type, OS-EXT-IPS-MAC:mac_addr}]}``."""
    result = collections.OrderedDict()
    for vif in _network_info(instance):
        if not isinstance(vif, dict):
            continue
        network = vif.get("network") or {}
        label = network.get("label")
        if not label:
            continue
        entries = result.setdefault(label, [])
        for subnet in network.get("subnets") or ():
            for ip in subnet.get("ips") or ():
                for one in [ip] + list(ip.get("floating_ips") or ()):
                    address = one.get("address")
                    if not address:
                        continue
                    version = one.get("version") or (6 if ":" in str(address) else 4)
                    entries.append({"version": version, "addr": address,
                                    "OS-EXT-IPS:type": one.get("type") or
                                    ("floating" if one is not ip else "fixed"),
                                    "OS-EXT-IPS-MAC:mac_addr": vif.get("address")})
        if not entries:
            del result[label]
    return result


def _links(req, instance):
    return common.resource_links(req, "servers", instance.uuid)


def basic(req, instance):
    """The list (index) view of one server."""
    return {"id": instance.uuid, "name": _get(instance, "display_name"),
            "links": _links(req, instance)}


def _image(req, values, ctx):
    image_ref = values["image_ref"]
    if not image_ref:
        return ""
    view = {"id": image_ref,
            "links": [{"rel": "bookmark",
                       "href": common.bookmark_for(req, "images", image_ref)}]}
    if ctx.at_least("2.98"):
        sysmeta = values["system_metadata"]
        view["properties"] = {
            key[_IMAGE_PREFIX_LEN:]: value for key, value in (sysmeta or {}).items()
            if key.startswith("image_") and key[_IMAGE_PREFIX_LEN:] not in _IMAGE_BASE_KEYS}
    return view


def _flavor(req, instance, ctx):
    return _flavor_view(req, _get(instance, "flavor"), ctx)


def _flavor_view(req, flavor, ctx):
    if flavor is None:
        return {}
    if not req.is_at_least("2.47"):
        return {"id": flavor.flavorid,
                "links": [{"rel": "bookmark",
                           "href": common.bookmark_for(req, "flavors", flavor.flavorid)}]}
    view = {"vcpus": flavor.vcpus, "ram": flavor.memory_mb, "disk": flavor.root_gb,
            "ephemeral": flavor.ephemeral_gb, "swap": flavor.swap,
            "original_name": flavor.name}
    if ctx.can_see_extra_specs:
        view["extra_specs"] = dict(flavor.extra_specs or {})
    return view


def _copy_flavor_view(view):
    """A copy of a ``_flavor_view`` result sharing only its strings and numbers."""
    copy = dict(view)
    if "extra_specs" in copy:
        copy["extra_specs"] = dict(copy["extra_specs"])
    if "links" in copy:
        copy["links"] = [dict(link) for link in copy["links"]]
    return copy


def _shared_flavor_view(req, flavor, ctx):
    """``_flavor_view``, built once per Flavor object of the request (listed
    servers with the same flavor share one) and copied for each server."""
    if flavor is None:
        return {}
    cached = ctx.flavor_views.get(id(flavor))
    if cached is None or cached[0] is not flavor:
        cached = ctx.flavor_views[id(flavor)] = (flavor, _flavor_view(req, flavor, ctx))
    return _copy_flavor_view(cached[1])


def _fault(req, fault):
    if fault is None:
        return None
    view = {"code": fault.code, "created": isotime(fault.created_at),
            "message": fault.message}
    if fault.details and (req.context.is_admin or fault.code != 500):
        view["details"] = fault.details
    return view


def _scheduler_hints(spec):
    hints = getattr(spec, "scheduler_hints", None) if spec is not None else None
    result = {}
    for key, values in (hints or {}).items():
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        result[key] = values[0] if len(values) == 1 else values
    return result


def detail(req, instance, ctx, update=False):
    """The detailed view of one server (GET /servers/{id}, /servers/detail, PUT)."""
    uuid = instance.uuid
    v = _fields(instance)
    status = status_from_state(v["vm_state"], v["task_state"])
    full = not update or ctx.at_least("2.75")
    server = {
        "id": uuid,
        "name": v["display_name"],
        "status": status,
        "tenant_id": v["project_id"],
        "user_id": v["user_id"],
        "metadata": dict(v["metadata"] or {}),
        "hostId": host_id(v["project_id"], v["host"]),
        "image": _image(req, v, ctx),
        "flavor": _shared_flavor_view(req, v["flavor"], ctx),
        "created": isotime(v["created_at"]),
        "updated": isotime(v["updated_at"] or v["created_at"]),
        "addresses": addresses(instance),
        "accessIPv4": _text(v["access_ip_v4"]),
        "accessIPv6": _text(v["access_ip_v6"]),
        "links": _links(req, instance),
        "OS-DCF:diskConfig": "AUTO" if v["auto_disk_config"] else "MANUAL",
    }
    if status in PROGRESS_STATUSES:
        server["progress"] = v["progress"] or 0
    if full:
        server["OS-EXT-AZ:availability_zone"] = v["availability_zone"] or ""
        server["config_drive"] = v["config_drive"] or ""
        server["key_name"] = v["key_name"]
        server["OS-SRV-USG:launched_at"] = _usage_time(v["launched_at"])
        server["OS-SRV-USG:terminated_at"] = _usage_time(v["terminated_at"])
        server["OS-EXT-STS:task_state"] = v["task_state"]
        server["OS-EXT-STS:vm_state"] = v["vm_state"]
        server["OS-EXT-STS:power_state"] = v["power_state"] or 0
        server["os-extended-volumes:volumes_attached"] = _volumes_view(
            req, ctx.volumes.get(uuid, []), ctx)
        if ctx.can_see_extended:
            server.update(_extended_attributes(req, instance, v, ctx))
    if ctx.at_least("2.90"):
        server["OS-EXT-SRV-ATTR:hostname"] = v["hostname"]
    if status in FAULT_STATUSES:
        fault = _fault(req, v["fault"])
        if fault is not None:
            server["fault"] = fault
    if ctx.at_least("2.9"):
        server["locked"] = bool(v["locked"])
    if ctx.at_least("2.73"):
        server["locked_reason"] = (v["system_metadata"] or {}).get("locked_reason")
    if ctx.at_least("2.19"):
        server["description"] = v["display_description"]
    if full and ctx.at_least("2.16") and ctx.show_host_status:
        if uuid in ctx.host_statuses:
            server["host_status"] = ctx.host_statuses[uuid]
    if ctx.at_least("2.26"):
        server["tags"] = _tags(instance)
    if ctx.at_least("2.63"):
        certs = (v["system_metadata"] or {}).get(TRUSTED_CERTS_KEY)
        server["trusted_image_certificates"] = json.loads(certs) if certs else None
    if not update and ctx.security_groups.get(uuid):
        server["security_groups"] = ctx.security_groups[uuid]
    if uuid in ctx.server_groups:
        server["server_groups"] = ctx.server_groups[uuid]
    if ctx.at_least("2.96"):
        spec = ctx.request_specs.get(uuid)
        server["pinned_availability_zone"] = getattr(spec, "availability_zone", None) \
            if spec is not None else None
    if ctx.at_least("2.100"):
        server["scheduler_hints"] = _scheduler_hints(
            ctx.request_specs.get(uuid))
    return server


def _text(value):
    return str(value) if value else ""


def _usage_time(value):
    if value is None:
        return None
    if value.year < 1000:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond)


def _tags(instance):
    if compute_api.is_building(instance):
        return [t.tag for t in instance._build_request.tags]
    if not instance.obj_attr_is_set("tags"):
        return []
    return sorted(t.tag for t in instance.tags)


def _volumes_view(req, bdms, ctx):
    views = []
    for bdm in bdms:
        view = {"id": bdm.volume_id}
        if ctx.at_least("2.3"):
            view["delete_on_termination"] = bool(bdm.delete_on_termination)
        views.append(view)
    return views


def _extended_attributes(req, instance, v, ctx):
    attrs = {"OS-EXT-SRV-ATTR:host": v["host"],
             "OS-EXT-SRV-ATTR:hypervisor_hostname": v["node"],
             "OS-EXT-SRV-ATTR:instance_name": instance.name
             if not compute_api.is_building(instance) else ""}
    if ctx.at_least("2.3"):
        attrs.update({
            "OS-EXT-SRV-ATTR:reservation_id": v["reservation_id"],
            "OS-EXT-SRV-ATTR:launch_index": v["launch_index"],
            "OS-EXT-SRV-ATTR:kernel_id": v["kernel_id"] or "",
            "OS-EXT-SRV-ATTR:ramdisk_id": v["ramdisk_id"] or "",
            "OS-EXT-SRV-ATTR:hostname": v["hostname"],
            "OS-EXT-SRV-ATTR:root_device_name": v["root_device_name"],
            "OS-EXT-SRV-ATTR:user_data": v["user_data"],
        })
    return attrs


def index(req, instances):
    servers = [down_views.basic(req, i) if down_cells.is_minimal(i) else basic(req, i)
               for i in instances]
    return _collection(req, "servers", servers)


def detail_list(req, instances, ctx):
    """``ctx``: the ServerContext of the list (server_context.for_list)."""
    servers = [down_views.detail(req, i) if down_cells.is_minimal(i)
               else detail(req, i, ctx) for i in instances]
    return _collection(req, "servers/detail", servers)


def _collection(req, collection_name, servers):
    body = {"servers": servers}
    links = common.collection_links(req, servers, collection_name)
    if links:
        body["servers_links"] = links
    return body


def show(req, instance, ctx, update=False):
    """``ctx``: the ServerContext of the server (server_context.for_show)."""
    if down_cells.is_minimal(instance):
        return down_views.show(req, instance, ctx)
    return {"server": detail(req, instance, ctx, update=update)}
