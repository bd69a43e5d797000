"""API-side view of services and compute nodes, which live in the cell databases.

Every lookup runs across the cells: lists scatter-gather over all cells (a
cell that fails or times out is skipped with a warning), single records are
found through the host mapping when the host is known, else by asking every
cell. Objects returned keep the cell-targeted context they were loaded with,
so ``save()``/``destroy()`` write to the right cell.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova import availability_zones
from nova.compute import rpcapi as compute_rpcapi
from nova import context as nova_context
from nova import exception
from nova import objects
from nova import servicegroup

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"


class ComputeServiceUnavailable(exception.NovaException):
    msg_fmt = "Compute service of %(host)s is unavailable at this time."
    code = 400


class HypervisorNotFound(exception.NotFound):
    msg_fmt = "Hypervisor with ID '%(id)s' could not be found."


class HypervisorPatternNotFound(exception.NotFound):
    msg_fmt = "No hypervisor matching '%(pattern)s' could be found."


class ServiceNotUnique(exception.NovaException):
    msg_fmt = "More than one service matches %(service_id)s."
    code = 400


class InvalidMarker(exception.Invalid):
    msg_fmt = "Marker %(marker)s could not be found."


def _cells(context):
    return list(objects.CellMappingList.get_all(context))


def _gather(context, fn, *args, **kwargs):
    """[(cell_mapping, result)] of ``fn`` per cell, in cell order, failures skipped."""
    cells = _cells(context)
    results = nova_context.scatter_gather_cells(
        context, cells, nova_context.CELL_TIMEOUT, fn, *args, **kwargs)
    gathered = []
    for cell in cells:
        result = results.get(cell.uuid)
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning("Cell %s did not answer; its records are not listed.", cell.uuid)
            continue
        gathered.append((cell, result))
    return gathered


class HostAPI:
    """Services, compute nodes and hosts as the API sees them."""

    def __init__(self, rpcapi=None, servicegroup_api=None):
        self._rpcapi = rpcapi
        self.servicegroup_api = servicegroup_api or servicegroup.API()

    @property
    def rpcapi(self):
        if self._rpcapi is None:
            self._rpcapi = compute_rpcapi.ComputeAPI()
        return self._rpcapi

    # -- cells and hosts --------------------------------------------------

    def cell_of_host(self, context, host):
        """The CellMapping holding compute host ``host``, or None."""
        try:
            return objects.HostMapping.get_by_host(context, host).cell_mapping
        except exception.HostMappingNotFound:
            return None

    def _in_host_cell(self, context, host, fn, *args):
        """``fn(cell_ctxt, *args)`` in the cell of ``host`` (every cell if unmapped)."""
        cell = self.cell_of_host(context, host)
        if cell is not None:
            with nova_context.target_cell(context, cell) as cctxt:
                return fn(cctxt, *args)
        for _cell, result in _gather(context, fn, *args):
            if result is not None:
                return result
        return None

    # -- services ---------------------------------------------------------

    def service_is_up(self, service):
        return self.servicegroup_api.service_is_up(service)

    def service_get_all(self, context, filters=None, set_zones=False,
                        cell_down_support=False):
        """Services of all cells matching ``filters`` (host, binary, disabled, zone).

        With ``cell_down_support`` a cell that does not answer contributes a
        minimal Service (only ``binary`` nova-compute and ``host`` set) per host
        mapped to it; otherwise its services are left out.
        """
        filters = dict(filters or {})
        disabled = filters.pop("disabled", None)

        def fetch(cctxt):
            return list(objects.ServiceList.get_all(cctxt, disabled=disabled))

        cells = _cells(context)
        results = nova_context.scatter_gather_cells(
            context, cells, nova_context.CELL_TIMEOUT, fetch)
        services, partial = [], []
        for cell in cells:
            found = results.get(cell.uuid)
            if not nova_context.is_cell_failure_sentinel(found):
                services.extend(found)
            elif cell_down_support:
                LOG.warning("Cell %s did not answer; only the hosts mapped to it are "
                            "listed.", cell.uuid)
                partial.extend(objects.Service(binary=COMPUTE_BINARY, host=mapping.host)
                               for mapping in objects.HostMappingList.get_by_cell_id(
                                   context, cell.id))
            else:
                LOG.warning("Cell %s did not answer; its records are not listed.",
                            cell.uuid)
        if set_zones or "availability_zone" in filters:
            availability_zones.set_availability_zones(context, services)
        for key, value in filters.items():
            services = [s for s in services if getattr(s, key) == value]
            partial = [s for s in partial if s.obj_attr_is_set(key) and getattr(s, key) == value]
        return services + partial

    def service_get_by_uuid(self, context, service_uuid):
        def fetch(cctxt):
            try:
                return objects.Service.get_by_uuid(cctxt, service_uuid)
            except exception.ServiceNotFound:
                return None

        for _cell, found in _gather(context, fetch):
            if found is not None:
                return found
        raise exception.ServiceNotFound(service_id=service_uuid)

    def service_get_by_id(self, context, service_id):
        """A service by its integer id, which must be unique across the cells."""
        def fetch(cctxt):
            try:
                return objects.Service.get_by_id(cctxt, service_id)
            except exception.ServiceNotFound:
                return None

        found = [s for _cell, s in _gather(context, fetch) if s is not None]
        if not found:
            raise exception.ServiceNotFound(service_id=service_id)
        if len(found) > 1:
            raise ServiceNotUnique(service_id=service_id)
        return found[0]

    def service_get_by_host_and_binary(self, context, host, binary):
        service = self._in_host_cell(
            context, host, objects.Service.get_by_host_and_binary, host, binary)
        if service is None:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        return service

    def service_get_by_compute_host(self, context, host):
        """The nova-compute service of ``host``; ComputeHostNotFound otherwise."""
        try:
            return self.service_get_by_host_and_binary(context, host, COMPUTE_BINARY)
        except exception.HostBinaryNotFound:
            raise exception.ComputeHostNotFound(host=host)

    def service_update(self, context, service):
        """Save ``service``; a nova-compute whose ``disabled`` changed updates Placement.

        The compute is asked over RPC (a call) to add or remove the
        COMPUTE_STATUS_DISABLED trait on its resource providers, so the trait
        is right when the API answers. When it is down, does not answer or
        the message cannot be sent, a warning is logged and the API call
        still succeeds: the compute puts the trait right at its next
        resource update, which reads the service's disabled flag.
        """
        disabled_changed = "disabled" in service.obj_what_changed()
        service.save()
        if service.binary == COMPUTE_BINARY and disabled_changed:
            self._update_compute_provider_status(context, service)
        return service

    def _update_compute_provider_status(self, context, service):
        if not self.service_is_up(service):
            LOG.warning("Compute service on host %s is down; its resource providers get "
                        "the new COMPUTE_STATUS_DISABLED state when it runs again.",
                        service.host)
            return
        try:
            cell = self.cell_of_host(context, service.host)
            if cell is None:
                self.rpcapi.set_host_enabled(context, service.host, not service.disabled)
            else:
                with nova_context.target_cell(context, cell) as cctxt:
                    self.rpcapi.set_host_enabled(cctxt, service.host, not service.disabled)
        except Exception as exc:
            LOG.warning("An error occurred while updating the COMPUTE_STATUS_DISABLED "
                        "trait on compute node resource providers managed by host %s; "
                        "the next resource update of that host corrects it: %s",
                        service.host, exc)

    def service_update_by_host_and_binary(self, context, host, binary, values):
        service = self.service_get_by_host_and_binary(context, host, binary)
        service.update(values)
        return self.service_update(context, service)

    def service_delete(self, context, service):
        """Delete ``service``; a compute also loses its nodes, aggregates and host mapping.

        Raises exception.Conflict when the compute still hosts instances.
        """
        cctxt = service._context
        if service.binary == COMPUTE_BINARY:
            if objects.InstanceList.get_uuids_by_host(cctxt, service.host):
                raise exception.Conflict(
                    "Unable to delete compute service that is hosting instances. "
                    "Migrate or delete the instances first.")
            for aggregate in objects.AggregateList.get_by_host(context, service.host):
                aggregate.delete_host(service.host)
            try:
                objects.HostMapping.get_by_host(context, service.host).destroy()
            except exception.HostMappingNotFound:
                pass
        # Soft-deletes the compute nodes of a nova-compute service as well.
        service.destroy()

    # -- compute nodes ----------------------------------------------------

    def _all_nodes(self, context):
        """[(cell, ComputeNode)] of every cell, ordered by cell then id."""
        def fetch(cctxt):
            return list(objects.ComputeNodeList.get_all(cctxt))

        return [(cell, node) for cell, nodes in _gather(context, fetch)
                for node in sorted(nodes, key=lambda n: n.id)]

    def compute_node_get_all(self, context, limit=None, marker=None, pattern=None):
        """Compute nodes of all cells; ``pattern`` matches hypervisor_hostname (substring).

        ``marker`` is a compute node UUID; the page starts after it.
        """
        nodes = [node for _cell, node in self._all_nodes(context)]
        if pattern is not None:
            nodes = [n for n in nodes if pattern in (n.hypervisor_hostname or "")]
        if marker is not None:
            index = next((i for i, n in enumerate(nodes) if n.uuid == marker), None)
            if index is None:
                raise InvalidMarker(marker=marker)
            nodes = nodes[index + 1:]
        if limit is not None:
            nodes = nodes[:limit]
        return nodes

    def compute_node_get(self, context, compute_id):
        """A compute node by UUID or integer id (the first cell that has it)."""
        is_uuid = uuidutils.is_uuid_like(compute_id)
        for _cell, node in self._all_nodes(context):
            if (is_uuid and node.uuid == compute_id) or \
                    (not is_uuid and str(node.id) == str(compute_id)):
                return node
        raise HypervisorNotFound(id=compute_id)

    def compute_node_search_by_hypervisor(self, context, pattern):
        nodes = self.compute_node_get_all(context, pattern=pattern)
        if not nodes:
            raise HypervisorPatternNotFound(pattern=pattern)
        return nodes

    def compute_node_statistics(self, context):
        """Sums of the compute node resources over all cells."""
        totals = {}
        for _cell, stats in _gather(context, objects.ComputeNodeList.get_statistics):
            for key, value in stats.items():
                totals[key] = totals.get(key, 0) + value
        keys = ("count", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                "running_vms", "disk_available_least")
        return {key: totals.get(key, 0) for key in keys}

    def service_of_node(self, node):
        """The nova-compute Service of ``node`` (read in the node's cell)."""
        cctxt = node._context
        if node.service_id is not None:
            try:
                return objects.Service.get_by_id(cctxt, node.service_id)
            except exception.ServiceNotFound:
                pass
        return objects.Service.get_by_compute_host(cctxt, node.host)

    def services_of_nodes(self, nodes):
        """{node uuid: its nova-compute Service}, one query per cell, not per node.

        Nodes whose service is gone are left out (as service_of_node raises).
        """
        by_cell = {}
        for node in nodes:
            by_cell.setdefault(node._context.cell_uuid, (node._context, []))[1].append(node)
        result = {}
        for cctxt, cell_nodes in by_cell.values():
            services = objects.ServiceList.get_by_binary(cctxt, COMPUTE_BINARY,
                                                         include_disabled=True)
            by_id = {svc.id: svc for svc in services}
            by_host = {svc.host: svc for svc in services}
            for node in cell_nodes:
                service = by_id.get(node.service_id) or by_host.get(node.host)
                if service is not None:
                    result[node.uuid] = service
        return result

    def instances_of_node(self, node):
        """[(name, uuid)] of the instances on ``node``, read in its cell."""
        instances = objects.InstanceList.get_by_host_and_node(
            node._context, node.host, node.hypervisor_hostname)
        return [{"name": inst.name, "uuid": inst.uuid} for inst in instances]

    def get_host_uptime(self, context, host):
        """The uptime line of compute host ``host``, over RPC to its nova-compute."""
        service = self.service_get_by_compute_host(context, host)
        if not self.service_is_up(service):
            raise ComputeServiceUnavailable(host=host)
        cell = self.cell_of_host(context, host)
        if cell is None:
            return self.rpcapi.get_host_uptime(context, host)
        with nova_context.target_cell(context, cell) as cctxt:
            return self.rpcapi.get_host_uptime(cctxt, host)

    def host_has_instances(self, context, host):
        """Whether compute host ``host`` runs any instance (in its cell)."""
        def fetch(cctxt, host_name):
            return bool(objects.InstanceList.get_uuids_by_host(cctxt, host_name)) or None

        return bool(self._in_host_cell(context, host, fetch, host))
