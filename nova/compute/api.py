"""API-side orchestration of servers: finding, listing and changing instances.

This module holds the read/update side that the servers API, server metadata,
server tags and instance actions share. An instance is found through its
InstanceMapping: in its cell's database once it has one, else as the
instance of its BuildRequest (accepted, not yet scheduled). An instance
returned here keeps a context targeted at its cell, so ``save()`` and lazy
loads go to the right database.

Creating, deleting and acting on servers live in sibling modules.
"""

import ast
import copy

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.compute import api_actions
from nova.compute import api_consoles
from nova.compute import api_create
from nova.compute import api_migrate
from nova.compute import api_interfaces
from nova.compute import api_recovery
from nova.compute import api_shelve
from nova.compute import api_snapshot
from nova.compute import api_soft_delete
from nova.compute import down_cells
from nova.compute import instance_list
from nova.compute.utils import check_instance_lock  # noqa: F401 (part of this API)
from nova.compute.utils import check_instance_state  # noqa: F401
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import tag as tag_obj
from nova import quota
from nova import servicegroup

LOG = logging.getLogger(__name__)

# Values of a server's host_status (microversion 2.16).
HOST_STATUS_UP = "UP"
HOST_STATUS_DOWN = "DOWN"
HOST_STATUS_MAINTENANCE = "MAINTENANCE"
HOST_STATUS_UNKNOWN = "UNKNOWN"
HOST_STATUS_NONE = ""

# States in which the user's metadata and tags of a server may change.
METADATA_VM_STATES = (vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED,
                      vm_states.STOPPED)
TAG_VM_STATES = METADATA_VM_STATES + (vm_states.SHELVED, vm_states.SHELVED_OFFLOADED)

# API filter names -> instance columns.
_FILTER_NAMES = {"name": "display_name", "image": "image_ref", "tenant_id": "project_id",
                 "description": "display_description"}
_INT_FILTERS = ("power_state", "launch_index", "progress")


def _is_building(instance):
    """Whether the instance is a build request's (not in any cell yet)."""
    return getattr(instance, "_build_request", None) is not None


class API(api_create.CreateOperations, api_actions.ActionOperations,
          api_snapshot.SnapshotOperations, api_consoles.ConsoleOperations,
          api_recovery.RecoveryOperations, api_shelve.ShelveOperations,
          api_soft_delete.SoftDeleteOperations, api_migrate.MoveOperations,
          api_interfaces.InterfaceOperations):
    """Servers on behalf of the API: read and update here, create and act in the mixins."""

    def __init__(self):
        self._servicegroup_api = None

    @property
    def servicegroup_api(self):
        if self._servicegroup_api is None:
            self._servicegroup_api = servicegroup.API()
        return self._servicegroup_api

    # -- finding one server ---------------------------------------------------

    def _get_mapping(self, context, instance_id):
        try:
            return objects.InstanceMapping.get_by_instance_uuid(context, instance_id)
        except exception.InstanceMappingNotFound:
            raise exception.InstanceNotFound(instance_id=instance_id)

    def _from_build_request(self, context, instance_id):
        try:
            build_request = objects.BuildRequest.get_by_instance_uuid(context, instance_id)
        except exception.BuildRequestNotFound:
            return None
        instance = build_request.instance
        instance._context = context
        instance._build_request = build_request
        return instance

    def get(self, context, instance_id, expected_attrs=None, cell_down_support=False):
        """The instance (or build request's instance) ``instance_id``.

        InstanceNotFound when the id is not a UUID, is not mapped, or the
        instance is gone (deleted ones only when the context reads deleted).
        When the instance's cell cannot be read: its minimal record with
        ``cell_down_support`` (2.69), else NovaException.
        """
        if not uuidutils.is_uuid_like(instance_id):
            raise exception.InstanceNotFound(instance_id=instance_id)
        mapping = self._get_mapping(context, instance_id)
        if mapping.cell_mapping is None:
            instance = self._from_build_request(context, instance_id)
            if instance is not None:
                return instance
            # The conductor may have just placed it: read the mapping again.
            mapping = self._get_mapping(context, instance_id)
            if mapping.cell_mapping is None:
                raise exception.InstanceNotFound(instance_id=instance_id)
        with nova_context.target_cell(context, mapping.cell_mapping) as cctxt:
            attrs = list(expected_attrs or ())
            try:
                return objects.Instance.get_by_uuid(cctxt, instance_id,
                                                    expected_attrs=attrs)
            except down_cells.CELL_ERRORS as exc:
                return down_cells.instance_of_down_cell(context, mapping, exc,
                                                        cell_down_support)

    # -- listing --------------------------------------------------------------

    def _prepare_filters(self, context, search_opts):
        """Database filters from API filter names; None when nothing can match."""
        filters = {}
        for name, value in (search_opts or {}).items():
            name = _FILTER_NAMES.get(name, name)
            if name == "flavor":
                try:
                    flavor = objects.Flavor.get_by_flavor_id(context, value,
                                                             read_deleted="yes")
                except exception.FlavorNotFound:
                    return None
                filters["instance_type_id"] = flavor.id
                continue
            if name in ("metadata", "system_metadata"):
                value = _key_value_filter(value)
                if value is None:
                    return None
            if name in _INT_FILTERS and value is not None:
                try:
                    value = [int(v) for v in value] if isinstance(value, list) \
                        else int(value)
                except (TypeError, ValueError):
                    return None
            filters[name] = value
        filters.setdefault("hidden", False)
        return filters

    def get_all(self, context, search_opts=None, limit=None, marker=None,
                expected_attrs=None, sort_keys=None, sort_dirs=None,
                cell_down_support=False, records=False):
        """Servers matching ``search_opts`` across build requests and every cell.

        ``search_opts`` uses the API's filter names (name, image, flavor,
        tenant_id, ip, ip6, changes-since, tags...) and the instance columns.
        Build requests come first, then the cells' instances merged in
        ``sort_keys`` order; ``limit`` at most, after ``marker`` (any server).
        MarkerNotFound when the marker names no server.

        A cell that does not answer is left out, or fails the listing when
        ``[api] list_records_by_skipping_down_cells`` is false; with
        ``cell_down_support`` (2.69, only for ``project_id``/``deleted``
        filters) its servers come first as minimal records instead.
        ``records`` gives read-only InstanceRecords for the servers in cells
        (nova.objects.instance_listing): for views that only read them.
        """
        filters = self._prepare_filters(context, search_opts)
        if filters is None:
            return []
        if filters.get("deleted") or filters.get("changes-since") is not None or \
                filters.get("changes-before") is not None:
            context = reading_deleted(context)
        failures = down_cells.CellFailures(minimal=cell_down_support)
        instances, _building = instance_list.get_instance_objects_sorted(
            context, filters, limit, marker, expected_attrs or [], sort_keys, sort_dirs,
            on_cell_failure=failures, records=records)
        if cell_down_support and failures.cell_uuids:
            remaining = None if limit is None else limit - len(instances)
            instances = down_cells.minimal_instances(
                context, failures.cell_uuids, filters.get("project_id"),
                remaining) + instances
        return instances

    # -- updating -------------------------------------------------------------

    def update_instance(self, context, instance, updates):
        """Apply ``updates`` (field -> value) and save, in a cell or a build request."""
        if _is_building(instance):
            build_request = instance._build_request
            for name, value in updates.items():
                setattr(build_request.instance, name, value)
            build_request.instance = build_request.instance
            try:
                build_request.save()
            except exception.BuildRequestNotFound:
                # Scheduled meanwhile: update the instance in its cell.
                instance = self.get(context, instance.uuid)
                return self.update_instance(context, instance, updates)
            return build_request.instance
        for name, value in updates.items():
            setattr(instance, name, value)
        instance.save()
        return instance

    # -- user metadata --------------------------------------------------------

    def get_instance_metadata(self, context, instance):
        return dict(instance.metadata)

    def _check_metadata_quota(self, context, metadata):
        try:
            objects.Quotas.limit_check(context, metadata_items=len(metadata))
        except exception.OverQuota:
            limits = quota.QUOTAS.get_project_quotas(context, context.project_id,
                                                     usages=False)
            raise exception.MetadataLimitExceeded(
                allowed=limits["metadata_items"]["limit"])

    @check_instance_lock
    @check_instance_state(vm_state=METADATA_VM_STATES, method="update metadata")
    def update_instance_metadata(self, context, instance, metadata, delete=False):
        """Merge ``metadata`` into the server's (replace it with ``delete``)."""
        merged = dict(metadata) if delete else dict(instance.metadata, **metadata)
        self._check_metadata_quota(context, merged)
        instance.metadata = merged
        instance.save()
        return dict(instance.metadata)

    @check_instance_lock
    @check_instance_state(vm_state=METADATA_VM_STATES, method="delete metadata")
    def delete_instance_metadata(self, context, instance, key):
        if key not in instance.metadata:
            raise exception.MetadataNotFound(key=key, instance_uuid=instance.uuid)
        instance.delete_metadata_key(key)

    # -- tags -----------------------------------------------------------------

    def get_tags(self, context, instance):
        if _is_building(instance):
            return [t.tag for t in instance._build_request.tags]
        return tag_obj.TagList.get_by_resource_id(instance._context, instance.uuid).to_list()

    def has_tag(self, context, instance, tag):
        if _is_building(instance):
            return tag in self.get_tags(context, instance)
        return tag_obj.Tag.exists(instance._context, instance.uuid, tag)

    def _check_tag_state(self, instance, method):
        if _is_building(instance) or instance.vm_state not in TAG_VM_STATES:
            raise exception.InstanceInvalidState(
                attr="vm_state", instance_uuid=instance.uuid,
                state=instance.vm_state, method=method)

    def add_tag(self, context, instance, tag):
        """Add one tag; True when it was new."""
        self._check_tag_state(instance, "update tag")
        if tag_obj.Tag.exists(instance._context, instance.uuid, tag):
            return False
        tag_obj.Tag(instance._context, resource_id=instance.uuid, tag=tag).create()
        return True

    def set_tags(self, context, instance, tags):
        self._check_tag_state(instance, "update tags")
        return tag_obj.TagList.create(instance._context, instance.uuid, tags).to_list()

    def delete_tag(self, context, instance, tag):
        self._check_tag_state(instance, "delete tag")
        tag_obj.Tag.destroy(instance._context, instance.uuid, tag)

    def delete_all_tags(self, context, instance):
        self._check_tag_state(instance, "delete tags")
        tag_obj.TagList.destroy(instance._context, instance.uuid)

    # -- instance actions -----------------------------------------------------

    def _actions_context(self, instance):
        return instance._context if not _is_building(instance) else None

    def get_actions(self, context, instance, limit=None, marker=None, filters=None):
        """Actions of the server, newest first (none while it has no cell)."""
        cctxt = self._actions_context(instance)
        if cctxt is None:
            if marker is not None:
                raise exception.MarkerNotFound(marker=marker)
            return []
        return list(objects.InstanceActionList.get_by_instance_uuid(
            cctxt, instance.uuid, limit=limit, marker=marker, filters=filters))

    def get_action(self, context, instance, request_id):
        """The action of ``request_id`` on the server, or None."""
        cctxt = self._actions_context(instance)
        if cctxt is None:
            return None
        return objects.InstanceAction.get_by_request_id(cctxt, instance.uuid, request_id)

    def get_action_events(self, context, instance, action):
        return list(objects.InstanceActionEventList.get_by_action(instance._context,
                                                                  action.id))

    # -- host status (microversion 2.16) ----------------------------------------

    def _host_status(self, service):
        if service is None:
            return HOST_STATUS_NONE
        if service.forced_down:
            return HOST_STATUS_DOWN
        if service.disabled:
            return HOST_STATUS_MAINTENANCE
        return HOST_STATUS_UP if self.servicegroup_api.service_is_up(service) \
            else HOST_STATUS_UNKNOWN

    def get_instances_host_statuses(self, instances):
        """{instance uuid: host status} of the servers (one query per cell)."""
        by_key = {}  # (cell uuid, host) -> (cell context, [instance uuid, ...])
        statuses = {}
        for instance in instances:
            if not instance.host or _is_building(instance):
                statuses[instance.uuid] = HOST_STATUS_NONE
                continue
            key = (getattr(instance._context, "cell_uuid", None), instance.host)
            by_key.setdefault(key, (instance._context, []))[1].append(instance.uuid)
        by_cell = {}  # cell uuid -> (cell context, {host, ...})
        for (cell_uuid, host), (cctxt, _uuids) in by_key.items():
            by_cell.setdefault(cell_uuid, (cctxt, set()))[1].add(host)
        services = {}
        for cell_uuid, (cctxt, hosts) in by_cell.items():
            for service in objects.ServiceList.get_by_hosts_and_binary(
                    cctxt, sorted(hosts), "nova-compute"):
                services.setdefault((cell_uuid, service.host), service)
        for key, (_cctxt, uuids) in by_key.items():
            status = self._host_status(services.get(key))
            for uuid in uuids:
                statuses[uuid] = status
        return statuses


def _key_value_filter(value):
    """A metadata filter as the databases take it (dict or list of dicts); None if bad.

    The query string carries it as a literal such as ``{'key': 'value'}``.
    """
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, dict) and i and all(
            isinstance(k, str) and isinstance(v, str) for k, v in i.items()) for i in items):
        return None
    return value


def reading_deleted(context):
    """A copy of ``context`` that also reads deleted rows."""
    ctxt = copy.copy(context)
    ctxt.read_deleted = "yes"
    return ctxt


def is_building(instance):
    """Whether ``instance`` came from a build request (not yet in a cell)."""
    return _is_building(instance)

