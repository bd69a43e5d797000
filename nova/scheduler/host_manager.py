"""What the scheduler knows of each compute node, and the filter/weigh passes over it.

A HostState is built from a ComputeNode, its nova-compute Service, the
instances on the host and the host's aggregates. The HostManager builds host
states for the compute node UUIDs Placement returned, then runs the enabled
filters and weighers over them.
"""

import collections
import threading

from oslo_log import log as logging
from oslo_utils import importutils
from oslo_utils import timeutils

import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler import filters
from nova.scheduler import weights

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Hosts per instance query (keeps the IN list short on every database).
_HOST_QUERY_BATCH = 200


class InstanceInfoCache:
    """Which instances each compute host has, as the hosts themselves report."""

    def __init__(self):
        self._lock = threading.Lock()
        # host -> {"instances": {uuid: info}, "updated": bool}
        self._hosts = {}

    def update(self, host_name, instance_info):
        """Add or replace the given instances (objects or dicts with a uuid)."""
        items = instance_info if isinstance(instance_info, (list, tuple)) else \
            getattr(instance_info, "objects", [instance_info])
        with self._lock:
            entry = self._hosts.setdefault(host_name, {"instances": {}, "updated": False})
            for item in items:
                uuid = item["uuid"] if isinstance(item, dict) else item.uuid
                entry["instances"][uuid] = item
            entry["updated"] = True

    def delete(self, host_name, instance_uuid):
        with self._lock:
            entry = self._hosts.get(host_name)
            if entry is None:
                return
            entry["instances"].pop(instance_uuid, None)
            entry["updated"] = True

    def sync(self, host_name, instance_uuids):
        """Compare with the host's full list; returns True when they agreed.

        On a mismatch the host's list is replaced by what it reported and the
        host is marked not-updated until it next sends a change.
        """
        uuids = set(instance_uuids)
        with self._lock:
            entry = self._hosts.get(host_name)
            if entry is not None and set(entry["instances"]) == uuids:
                entry["updated"] = True
                return True
            if entry is not None:
                LOG.info("The instance sync for host '%s' did not match. Re-created its "
                         "InstanceList.", host_name)
            old = entry["instances"] if entry else {}
            self._hosts[host_name] = {
                "instances": {u: old.get(u, {"uuid": u}) for u in uuids},
                "updated": entry is None}
            return entry is None

    def hosts(self):
        with self._lock:
            return sorted(self._hosts)

    def instance_uuids(self, host_name):
        with self._lock:
            entry = self._hosts.get(host_name)
            return sorted(entry["instances"]) if entry else []

    def current(self, host_name):
        """The host's instances {uuid: info} when its report is current, else None."""
        with self._lock:
            entry = self._hosts.get(host_name)
            if entry is None or not entry["updated"]:
                return None
            return dict(entry["instances"])


class HostState:
    """Free resources and facts of one compute node, as the filters read them."""

    def __init__(self, host, node, cell_uuid):
        self._lock = threading.Lock()
        self.host = host
        self.nodename = node
        self.uuid = None
        self.cell_uuid = cell_uuid
        self.total_usable_ram_mb = 0
        self.free_ram_mb = 0
        self.total_usable_disk_gb = 0
        self.free_disk_mb = 0
        self.disk_mb_used = 0
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.num_instances = 0
        self.num_io_ops = 0
        self.failed_builds = 0
        self.stats = {}
        self.hypervisor_type = None
        self.hypervisor_version = None
        self.hypervisor_hostname = None
        self.cpu_info = None
        self.supported_instances = []
        self.host_ip = None
        self.cpu_allocation_ratio = None
        self.ram_allocation_ratio = None
        self.disk_allocation_ratio = None
        self.limits = {}
        self.service = None
        # When ``service`` was read (naive UTC): the ComputeFilter judges the
        # service's heartbeat as of then, however long the request runs after.
        self.service_read_at = None
        self.aggregates = []
        self.instances = {}
        # Placement allocation requests whose root is this node.
        self.allocation_candidates = []
        self.updated = None

    def update(self, compute=None, service=None, aggregates=None, instances=None):
        with self._lock:
            if compute is not None:
                self._update_from_compute_node(compute)
            if service is not None:
                self.service = service
                self.service_read_at = timeutils.utcnow()
            if aggregates is not None:
                self.aggregates = list(aggregates)
            if instances is not None:
                self.instances = dict(instances)

    def _update_from_compute_node(self, compute):
        updated_at = getattr(compute, "updated_at", None)
        if updated_at is not None:
            updated_at = timeutils.normalize_time(updated_at)
        if self.updated and updated_at and self.updated > updated_at:
            # This scheduler placed something here after the node last
            # reported; keep its own, fresher accounting.
            return
        free_gb = compute.free_disk_gb if compute.free_disk_gb is not None else \
            compute.local_gb - compute.local_gb_used
        least_gb = compute.disk_available_least
        if least_gb is not None:
            free_gb = min(least_gb, free_gb)
        self.uuid = compute.uuid
        self.total_usable_ram_mb = compute.memory_mb
        self.free_ram_mb = compute.free_ram_mb if compute.free_ram_mb is not None else \
            compute.memory_mb - compute.memory_mb_used
        self.total_usable_disk_gb = compute.local_gb
        self.free_disk_mb = free_gb * 1024
        self.disk_mb_used = compute.local_gb_used * 1024
        self.vcpus_total = compute.vcpus
        self.vcpus_used = compute.vcpus_used
        self.updated = updated_at
        self.stats = dict(compute.stats or {})
        self.num_instances = int(self.stats.get("num_instances", 0))
        self.num_io_ops = int(self.stats.get("io_workload", 0))
        self.failed_builds = int(self.stats.get("failed_builds", 0))
        self.hypervisor_type = compute.hypervisor_type
        self.hypervisor_version = compute.hypervisor_version
        self.hypervisor_hostname = compute.hypervisor_hostname
        self.cpu_info = compute.cpu_info
        self.supported_instances = [list(s) for s in compute.supported_hv_specs or []]
        self.host_ip = compute.host_ip
        self.cpu_allocation_ratio = compute.cpu_allocation_ratio
        self.ram_allocation_ratio = compute.ram_allocation_ratio
        self.disk_allocation_ratio = compute.disk_allocation_ratio

    def consume_from_request(self, spec_obj):
        """Account for an instance of ``spec_obj`` just placed here."""
        with self._lock:
            disk_mb = 0 if spec_obj.is_bfv else spec_obj.root_gb * 1024
            disk_mb += (spec_obj.ephemeral_gb or 0) * 1024
            self.free_ram_mb -= spec_obj.memory_mb
            self.free_disk_mb -= disk_mb
            self.vcpus_used += spec_obj.vcpus
            self.num_instances += 1
            # A build is an I/O-heavy operation until it finishes.
            self.num_io_ops += 1
            self.updated = timeutils.utcnow()

    @property
    def availability_zone(self):
        zones = sorted({a.metadata["availability_zone"] for a in self.aggregates
                        if a.metadata and a.metadata.get("availability_zone")})
        return zones[0] if zones else CONF.default_availability_zone

    def __repr__(self):
        return ("(%s, %s) ram: %sMB disk: %sMB io_ops: %s instances: %s" %
                (self.host, self.nodename, self.free_ram_mb, self.free_disk_mb,
                 self.num_io_ops, self.num_instances))


def _load_classes(paths, kind):
    """Classes from dotted paths; a path naming a function yields what it returns."""
    classes = []
    for path in paths:
        obj = importutils.import_class(path)
        if isinstance(obj, type):
            classes.append(obj)
        elif callable(obj):
            classes.extend(obj())
        else:
            raise ValueError("%s is neither a %s class nor a function listing them"
                             % (path, kind))
    return classes


class HostManager:
    """Builds host states and runs filters and weighers over them."""

    def __init__(self, instance_info=None):
        self.filter_handler = filters.HostFilterHandler()
        available = {cls.__name__: cls for cls in _load_classes(
            CONF.filter_scheduler.available_filters, "filter")}
        self.enabled_filters = []
        for name in CONF.filter_scheduler.enabled_filters:
            if name not in available:
                raise exception.SchedulerHostFilterNotFound(filter_name=name)
            self.enabled_filters.append(available[name]())
        self.weight_handler = weights.HostWeightHandler()
        self.weighers = []
        for path in CONF.filter_scheduler.weight_classes:
            try:
                classes = _load_classes([path], "weigher")
            except (ImportError, ValueError):
                raise exception.SchedulerWeigherNotFound(weigher=path)
            self.weighers.extend(cls() for cls in classes)
        self.instance_info = instance_info or InstanceInfoCache()
        self.host_state_map = {}
        self._lock = threading.Lock()

    # -- building host states ------------------------------------------------

    @staticmethod
    def _cells(context, spec_obj=None):
        destination = getattr(spec_obj, "requested_destination", None) \
            if spec_obj is not None and spec_obj.obj_attr_is_set(
                "requested_destination") else None
        if destination is not None and destination.obj_attr_is_set("cell") \
                and destination.cell:
            return [destination.cell]
        return [c for c in objects.CellMappingList.get_all(context) if not c.is_cell0()]

    @staticmethod
    def _aggregates_by_host(context):
        by_host = collections.defaultdict(list)
        for aggregate in objects.AggregateList.get_all(context):
            for host in aggregate.hosts or []:
                by_host[host].append(aggregate)
        return by_host

    def _instances_on(self, cctxt, hosts):
        """{host: {uuid: instance}}: the computes' reports when current, else
        one database query for all the other hosts of the cell."""
        result = {}
        missing = []
        for host in hosts:
            cached = self.instance_info.current(host) \
                if CONF.filter_scheduler.track_instance_changes else None
            if cached is None:
                missing.append(host)
            else:
                result[host] = cached
        for host in missing:
            result[host] = {}
        missing.sort()
        for start in range(0, len(missing), _HOST_QUERY_BATCH):
            instances = objects.InstanceList.get_by_filters(
                cctxt, filters={"host": missing[start:start + _HOST_QUERY_BATCH],
                                "deleted": False},
                expected_attrs=[])
            for inst in instances:
                result[inst.host][inst.uuid] = inst
        return result

    def get_host_states_by_uuids(self, context, compute_uuids, spec_obj=None):
        """Host states of the given compute nodes (all nodes when None), every cell."""
        wanted = set(compute_uuids) if compute_uuids is not None else None
        aggregates = self._aggregates_by_host(context)
        states = []
        for cell in self._cells(context, spec_obj):
            with nova_context.target_cell(context, cell) as cctxt:
                try:
                    nodes = objects.ComputeNodeList.get_all(cctxt)
                    services = {s.host: s for s in objects.ServiceList.get_by_binary(
                        cctxt, "nova-compute", include_disabled=True)}
                except Exception as exc:  # one broken cell must not stop the rest
                    LOG.warning("Could not read compute nodes of cell %s: %s",
                                cell.uuid, exc)
                    continue
                nodes = [n for n in nodes if wanted is None or n.uuid in wanted]
                instances_by_host = self._instances_on(cctxt, {n.host for n in nodes})
                for node in nodes:
                    service = services.get(node.host)
                    if service is None:
                        LOG.warning("No compute service record for host %s", node.host)
                        continue
                    state = self._host_state_for(node, cell.uuid)
                    state.update(compute=node, service=service,
                                 aggregates=aggregates.get(node.host, []),
                                 instances=instances_by_host[node.host])
                    states.append(state)
        return states

    def _host_state_for(self, node, cell_uuid):
        key = (node.host, node.hypervisor_hostname)
        with self._lock:
            state = self.host_state_map.get(key)
            if state is None or state.cell_uuid != cell_uuid:
                state = HostState(node.host, node.hypervisor_hostname, cell_uuid)
                self.host_state_map[key] = state
            return state

    # -- filtering and weighing ----------------------------------------------

    @staticmethod
    def _spec_list(spec_obj, name):
        if not spec_obj.obj_attr_is_set(name):
            return []
        return list(getattr(spec_obj, name) or [])

    def get_filtered_hosts(self, host_states, spec_obj, index=0):
        """The hosts that pass ignore/force rules and every enabled filter."""
        hosts = list(host_states)
        ignore_hosts = self._spec_list(spec_obj, "ignore_hosts")
        force_hosts = self._spec_list(spec_obj, "force_hosts")
        force_nodes = self._spec_list(spec_obj, "force_nodes")
        destination = spec_obj.requested_destination if spec_obj.obj_attr_is_set(
            "requested_destination") else None
        if destination is not None and destination.obj_attr_is_set("host") \
                and destination.host:
            # A requested destination narrows the hosts; the filters still run.
            node = destination.node if destination.obj_attr_is_set("node") else None
            hosts = [h for h in hosts if h.host == destination.host
                     and (not node or h.nodename == node)]
        if ignore_hosts:
            ignored = {h.lower() for h in ignore_hosts}
            hosts = [h for h in hosts if h.host.lower() not in ignored]
        if force_hosts:
            forced = {h.lower() for h in force_hosts}
            hosts = [h for h in hosts if h.host.lower() in forced]
        if force_nodes:
            forced = {n.lower() for n in force_nodes}
            hosts = [h for h in hosts if (h.nodename or "").lower() in forced]
        if force_hosts or force_nodes:
            if not hosts:
                LOG.info("No hosts matched the forced hosts %s / nodes %s",
                         force_hosts, force_nodes)
            # An administrator's forced host (az:host) skips the filters.
            return hosts
        return self.filter_handler.get_filtered_objects(
            self.enabled_filters, hosts, spec_obj, index)

    def get_weighed_hosts(self, hosts, spec_obj):
        """WeighedHost objects, best first."""
        return self.weight_handler.get_weighed_objects(self.weighers, hosts, spec_obj)
