"""The scheduler service: picks compute nodes for instances.

select_destinations runs the pre-filters over the RequestSpec, asks Placement
for allocation candidates, builds host states for the candidate compute
nodes, filters and weighs them, then claims each instance's resources in
Placement on the best host that accepts the claim. Each instance gets a list
of Selections: the claimed host first, then up to [scheduler] max_attempts - 1
unclaimed alternates from the same cell. The per-host instance lists that
computes send keep HostState.instances current without database reads.
"""

import random

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task

import nova.conf
from nova import exception
from nova import manager
from nova import objects
from nova.scheduler import host_manager
from nova.scheduler import request_filter
from nova.scheduler import utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Kept importable from here: the cache belongs to the scheduler service.
InstanceInfoCache = host_manager.InstanceInfoCache


def _lookup_compute_node_uuid(context, destination):
    """UUID of the compute node a requested destination names (None if unknown)."""
    from nova import context as nova_context
    try:
        cell = destination.cell if destination.obj_attr_is_set("cell") and \
            destination.cell else objects.HostMapping.get_by_host(
                context, destination.host).cell_mapping
    except exception.HostMappingNotFound:
        return None
    node = destination.node if destination.obj_attr_is_set("node") else None
    with nova_context.target_cell(context, cell) as cctxt:
        nodes = [n for n in objects.ComputeNodeList.get_all_by_host(cctxt, destination.host)
                 if node is None or n.hypervisor_hostname == node]
    return nodes[0].uuid if len(nodes) == 1 else None


class SchedulerManager(manager.Manager):
    """The 'scheduler' topic's endpoint."""

    target = messaging.Target(version="4.3")
    service_name = "scheduler"

    def __init__(self, *args, placement_client=None, **kwargs):
        super().__init__(service_name="scheduler", *args, **kwargs)
        self.instance_info = InstanceInfoCache()
        self.host_manager = host_manager.HostManager(instance_info=self.instance_info)
        self._placement_client = placement_client
        self.additional_endpoints = []
        self.set_periodic_spacing("_discover_hosts_in_cells",
                                  CONF.scheduler.discover_hosts_in_cells_interval)

    @property
    def placement_client(self):
        if self._placement_client is None:
            from nova.scheduler.client import report
            self._placement_client = report.SchedulerReportClient()
        return self._placement_client

    @periodic_task.periodic_task(spacing=60, run_immediately=True)
    def _discover_hosts_in_cells(self, context):
        """Map new compute hosts to their cells ([scheduler]
        discover_hosts_in_cells_interval; off by default)."""
        from nova.objects import cell_setup
        try:
            added = cell_setup.discover_hosts(context)
        except Exception as exc:  # a periodic task must survive a bad cell
            LOG.warning("Host discovery failed: %s", exc)
            return
        for mapping in added:
            LOG.info("Discovered compute host %s and mapped it to cell %s",
                     mapping.host, mapping.cell_mapping.uuid)

    # -- instance info from computes -------------------------------------------

    def update_instance_info(self, context, host_name, instance_info):
        self.instance_info.update(host_name, instance_info)

    def delete_instance_info(self, context, host_name, instance_uuid):
        self.instance_info.delete(host_name, instance_uuid)

    def sync_instance_info(self, context, host_name, instance_uuids):
        LOG.debug("Instance list of host %s: %s", host_name, instance_uuids)
        self.instance_info.sync(host_name, instance_uuids)

    # -- host selection --------------------------------------------------------

    @messaging.expected_exceptions(exception.NoValidHost)
    def select_destinations(self, context, request_spec=None, filter_properties=None,
                            spec_obj=None, instance_uuids=None, return_objects=False,
                            return_alternates=False, num_alternates=None):
        """Hosts for the instances of ``spec_obj``.

        With return_objects: a list (one per instance) of lists of Selection
        (the claimed host, then alternates when return_alternates: at most
        ``num_alternates``, by default [scheduler] max_attempts - 1). Otherwise
        the legacy list of {'host', 'nodename', 'limits'} dicts.
        """
        if spec_obj is None:
            raise exception.NoValidHost(reason="No request spec was given.")
        num_instances = len(instance_uuids) if instance_uuids else (
            spec_obj.num_instances if spec_obj.obj_attr_is_set("num_instances") else 1)
        if utils.request_is_rebuild(spec_obj):
            # A rebuild with a new image: only whether the server's own host
            # can run that image; nothing is claimed (the server keeps its
            # allocation).
            selection = self._check_rebuild(context, spec_obj)
            return [[selection]] if return_objects else [selection.to_dict()]
        try:
            request_filter.process_reqspec(context, spec_obj)
        except exception.RequestFilterFailed as exc:
            raise exception.NoValidHost(reason=exc.message)

        resources = utils.ResourceRequest.from_request_spec(
            spec_obj, compute_node_lookup=lambda dest: _lookup_compute_node_uuid(
                context, dest))
        alloc_reqs, provider_summaries, alloc_version = \
            self.placement_client.get_allocation_candidates(context, resources)
        if alloc_reqs is None:
            LOG.error("Placement did not answer the allocation candidates query")
            raise exception.NoValidHost(
                reason="The placement service did not answer the allocation "
                       "candidates query.")
        if not alloc_reqs:
            LOG.info("Placement found no allocation candidates for %s",
                     resources.to_querystring())
            raise exception.NoValidHost(reason="")

        alloc_reqs_by_rp = {}
        for alloc_req in alloc_reqs:
            for rp_uuid in alloc_req["allocations"]:
                alloc_reqs_by_rp.setdefault(rp_uuid, []).append(alloc_req)

        selections = self._schedule(context, spec_obj, instance_uuids, num_instances,
                                    alloc_reqs_by_rp, provider_summaries, alloc_version,
                                    return_alternates, num_alternates)
        if return_objects:
            return selections
        return [sel[0].to_dict() for sel in selections]

    def _check_rebuild(self, context, spec_obj):
        """The Selection of the requested host if the filters that apply to a
        rebuild (RUN_ON_REBUILD: the image filters) pass it; NoValidHost if not."""
        destination = spec_obj.requested_destination
        host_states = [h for h in self.host_manager.get_host_states_by_uuids(
            context, None, spec_obj) if h.host == destination.host
            and (not destination.node or h.nodename == destination.node)]
        filters = [f for f in self.host_manager.enabled_filters if f.RUN_ON_REBUILD]
        passed = self.host_manager.filter_handler.get_filtered_objects(
            filters, host_states, spec_obj)
        if not passed:
            raise exception.NoValidHost(
                reason="The host %s cannot run the image of the rebuild." % destination.host)
        return objects.Selection.from_host_state(passed[0])

    def _schedule(self, context, spec_obj, instance_uuids, num_instances,
                  alloc_reqs_by_rp, provider_summaries, alloc_version, return_alternates,
                  num_alternates=None):
        compute_uuids = list(provider_summaries or alloc_reqs_by_rp)
        host_states = self.host_manager.get_host_states_by_uuids(
            context, compute_uuids, spec_obj)
        for state in host_states:
            state.allocation_candidates = list(alloc_reqs_by_rp.get(state.uuid, []))

        claimed_uuids = []
        original_uuid = spec_obj.instance_uuid if spec_obj.obj_attr_is_set(
            "instance_uuid") else None
        try:
            claimed_hosts, hosts = self._place_each(
                context, spec_obj, host_states, instance_uuids, num_instances,
                alloc_version, claimed_uuids)
        except Exception:
            # Whatever broke, nothing stays claimed for this request.
            self._release_claims(context, claimed_uuids)
            raise
        finally:
            if original_uuid is not None:
                spec_obj.instance_uuid = original_uuid
        if len(claimed_hosts) < num_instances:
            self._release_claims(context, claimed_uuids)
            raise exception.NoValidHost(reason="There are not enough hosts available.")
        return self._with_alternates(claimed_hosts, hosts, alloc_version,
                                     return_alternates, num_alternates)

    def _place_each(self, context, spec_obj, host_states, instance_uuids, num_instances,
                    alloc_version, claimed_uuids):
        """Filter, weigh and claim for one instance after the other.

        Returns (claimed host states, the last sorted host list); stops early
        when an instance finds no host. ``claimed_uuids`` collects the
        instances holding a claim.
        """
        claimed_hosts = []
        hosts = []
        for index in range(num_instances):
            instance_uuid = instance_uuids[index] if instance_uuids else None
            if instance_uuid is not None:
                # A multi-create sends the first instance's spec for all of
                # them; filters (anti-affinity) must see the one being placed.
                spec_obj.instance_uuid = instance_uuid
            hosts = self._get_sorted_hosts(spec_obj, host_states, index)
            chosen = self._claim_first(context, spec_obj, hosts, instance_uuid,
                                       alloc_version)
            if chosen is None:
                LOG.debug("Could not claim resources on any host for %s", instance_uuid)
                break
            if instance_uuid is not None:
                claimed_uuids.append(instance_uuid)
            claimed_hosts.append(chosen)
            self._consume_selected_host(chosen, spec_obj, instance_uuid)
        return claimed_hosts, hosts

    def _claim_first(self, context, spec_obj, hosts, instance_uuid, alloc_version):
        """The first of ``hosts`` where Placement accepts the instance's claim."""
        for host in hosts:
            if instance_uuid is None:
                # Legacy callers that do not claim (nothing to tie a claim to).
                return host
            if not host.allocation_candidates:
                LOG.debug("%s has no allocation candidate; skipping", host)
                continue
            if utils.claim_resources(context, self.placement_client, spec_obj,
                                     instance_uuid, host.allocation_candidates[0],
                                     allocation_request_version=alloc_version):
                return host
            LOG.debug("Claim for %s on %s failed; trying the next host",
                      instance_uuid, host)
        return None

    def _release_claims(self, context, instance_uuids):
        for instance_uuid in instance_uuids:
            LOG.debug("Releasing the allocation claimed for %s", instance_uuid)
            self.placement_client.delete_allocation_for_instance(context, instance_uuid,
                                                                 force=True)

    @staticmethod
    def _consume_selected_host(host, spec_obj, instance_uuid):
        host.consume_from_request(spec_obj)
        group = spec_obj.instance_group if spec_obj.obj_attr_is_set(
            "instance_group") else None
        if group is not None:
            hosts = list(group.hosts or []) if group.obj_attr_is_set("hosts") else []
            hosts.append(host.host)
            group.hosts = hosts
            group.obj_reset_changes(["hosts"])
        if instance_uuid:
            # The anti-affinity filter and soft weighers count it from now on.
            host.instances[instance_uuid] = objects.Instance(uuid=instance_uuid)
        # Its candidate is spent; the next instance claims anew through Placement.

    def _get_sorted_hosts(self, spec_obj, host_states, index):
        filtered = self.host_manager.get_filtered_hosts(host_states, spec_obj, index)
        if not filtered:
            return []
        weighed = self.host_manager.get_weighed_hosts(filtered, spec_obj)
        if CONF.filter_scheduler.shuffle_best_same_weighed_hosts:
            best = [w for w in weighed if w.weight == weighed[0].weight]
            random.shuffle(best)
            weighed = best + weighed[len(best):]
        # Pick at random among the best host_subset_size hosts, which keeps
        # several schedulers from all racing for the single best host.
        subset = max(1, min(CONF.filter_scheduler.host_subset_size, len(weighed)))
        chosen = random.choice(weighed[:subset])
        ordered = [chosen] + [w for w in weighed if w is not chosen]
        return [w.obj for w in ordered]

    @staticmethod
    def _with_alternates(claimed_hosts, sorted_hosts, alloc_version, return_alternates,
                         num_alternates=None):
        if not return_alternates:
            num_alts = 0
        elif num_alternates is None:
            num_alts = CONF.scheduler.max_attempts - 1
        else:
            num_alts = max(0, num_alternates)
        result = []
        for host in claimed_hosts:
            first = host.allocation_candidates[0] if host.allocation_candidates else None
            selections = [objects.Selection.from_host_state(
                host, allocation_request=first, allocation_request_version=alloc_version)]
            for alt in sorted_hosts:
                if len(selections) > num_alts:
                    break
                if alt.cell_uuid != host.cell_uuid or alt in claimed_hosts:
                    continue
                if not alt.allocation_candidates:
                    continue
                selections.append(objects.Selection.from_host_state(
                    alt, allocation_request=alt.allocation_candidates[0],
                    allocation_request_version=alloc_version))
            result.append(selections)
        return result
