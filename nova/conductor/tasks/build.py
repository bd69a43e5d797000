"""Building instances: from accepted build requests to casts at compute hosts.

``schedule_and_build_instances`` is the path of a new server: the API wrote a
BuildRequest, a RequestSpec and an InstanceMapping per instance; here the
scheduler picks (and claims in Placement) a host per instance, the instances
are created in their hosts' cells (ten at a time, with a statement per table),
their mappings are pointed at the cell, their build requests go, and the
chosen computes are asked to build. When no host fits, every instance of the
request is buried in cell0 in ERROR with a NoValidHost fault. A build request
deleted meanwhile (the user deleted the server while it was scheduled) ends
the instance's build and releases its claim.

``build_instances`` is the reschedule path: a compute failed to spawn and
hands back the alternates the scheduler returned; the next one whose
allocation can be claimed gets the instance.
"""

import json
import sys

from oslo_log import log as logging
import oslo_messaging as messaging

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import transaction
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
# New instances are written to their cells this many at a time.
_GROUP = 10


class BuildTask:
    def __init__(self, scheduler_api=None, compute_api=None, report_client=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self._report_client = report_client

    @property
    def report_client(self):
        if self._report_client is None:
            from nova.scheduler.client import report
            self._report_client = report.SchedulerReportClient()
        return self._report_client

    # -- new servers ------------------------------------------------------------------

    def schedule_and_build_instances(self, context, build_requests, request_specs, image,
                                     admin_password, injected_files, requested_networks,
                                     block_device_mapping, tags=None):
        instance_uuids = [spec.instance_uuid for spec in request_specs]
        spec = request_specs[0]
        try:
            scheduler_utils.setup_instance_group(context, spec)
            host_lists = self._select_destinations(context, spec, instance_uuids)
        except Exception as exc:
            LOG.warning("Scheduling of %s failed: %s", instance_uuids, exc)
            # The scheduler may have claimed before its answer was lost (a
            # broker restart, a MessagingTimeout): nothing in cell0 holds one.
            self._release_claims(context, instance_uuids)
            self._bury_in_cell0(context, spec, exc, build_requests, block_device_mapping,
                                tags, sys.exc_info()[2])
            return
        # Instances go to their cells in groups: one cell transaction and one
        # API transaction per group rather than a dozen round trips each.
        cells = {}
        todo = list(zip(build_requests, request_specs, host_lists))
        for start in range(0, len(todo), _GROUP):
            by_cell = {}
            for item in todo[start:start + _GROUP]:
                by_cell.setdefault(item[2][0].cell_uuid, []).append(item)
            for cell_uuid, items in by_cell.items():
                if cell_uuid not in cells:
                    cells[cell_uuid] = objects.CellMapping.get_by_uuid(context, cell_uuid)
                try:
                    self._build_group(context, items, cells[cell_uuid], image,
                                      admin_password, injected_files, requested_networks,
                                      block_device_mapping, tags)
                except Exception:
                    LOG.exception("Could not hand instances %s to their hosts",
                                  [item[0].instance_uuid for item in items])

    def _select_destinations(self, context, spec, instance_uuids):
        """The scheduler's answer; asked once more if the first call timed out.

        A scheduler killed or restarted while it held the request (or a broker
        restart that lost the answer) leaves the call without an answer; the
        restarted scheduler answers the second. A claim the lost answer had
        made is replaced: the scheduler claims for the same consumer again.
        """
        try:
            return self.scheduler_rpcapi.select_destinations(
                context, spec, instance_uuids, return_objects=True, return_alternates=True)
        except messaging.MessagingTimeout as exc:
            LOG.warning("Scheduling of %s got no answer (%s): asking the scheduler again.",
                        instance_uuids, exc)
            self._release_claims(context, instance_uuids)
        return self.scheduler_rpcapi.select_destinations(
            context, spec, instance_uuids, return_objects=True, return_alternates=True)

    def _release_claims(self, context, instance_uuids):
        """Best effort: drop any Placement allocation of ``instance_uuids``."""
        for uuid in instance_uuids:
            try:
                self.report_client.delete_allocation_for_instance(context, uuid, force=True)
            except Exception:
                LOG.exception("Could not release a claim of instance %s", uuid)

    def _build_group(self, context, items, cell, image, admin_password, injected_files,
                     requested_networks, block_device_mapping, tags):
        """Create ``items`` (build request, spec, hosts) in ``cell``, then cast their builds."""
        instances = []
        for build_request, _, host_list in items:
            selection = host_list[0]
            instance = build_request.get_new_instance(context)
            instance.host = selection.service_host
            instance.node = selection.nodename
            instance.availability_zone = (selection.availability_zone
                                          or instance.availability_zone)
            instance.vm_state = vm_states.BUILDING
            instance.task_state = task_states.SCHEDULING
            instances.append(instance)
        build_requests = [item[0] for item in items]
        try:
            with nova_context.target_cell(context, cell) as cctxt:
                with transaction.cell_writer(cctxt):
                    objects.Instance.create_many(cctxt, instances)
                    self._create_children(cctxt, instances, build_requests,
                                          block_device_mapping, tags)
        except exception.InstanceExists:
            if len(items) == 1:
                raise
            # Some exist already (a request handled twice): one by one, so
            # that the others are still built.
            for item in items:
                try:
                    self._build_group(context, [item], cell, image, admin_password,
                                      injected_files, requested_networks,
                                      block_device_mapping, tags)
                except Exception:
                    LOG.exception("Could not hand instance %s to its host",
                                  item[0].instance_uuid)
            return
        still_wanted = self._map_to_cell(context, [i.uuid for i in instances], cell)
        for instance, (_, request_spec, host_list) in zip(instances, items):
            try:
                if instance.uuid in still_wanted:
                    self._cast_build(context, instance, request_spec, host_list, cell,
                                     image, admin_password, injected_files,
                                     requested_networks, block_device_mapping)
                else:
                    self._drop_deleted(context, instance, cell)
            except Exception:
                LOG.exception("Could not hand instance %s to %s", instance.uuid,
                              host_list[0].service_host)

    @staticmethod
    def _map_to_cell(context, uuids, cell):
        """Point the instances' mappings at ``cell`` and delete their build
        requests, in one API transaction; the uuids whose build request was
        still there (the others were deleted while they were scheduled)."""
        with transaction.api_writer(context):
            mapped = objects.InstanceMappingList.set_cell_by_instance_uuids(
                context, uuids, cell)
            still_wanted = set(objects.BuildRequestList.destroy_by_instance_uuids(
                context, uuids))
        if mapped != len(uuids):
            LOG.warning("Only %d of the %d instance mappings of %s were found.",
                        mapped, len(uuids), uuids)
        return still_wanted

    def _cast_build(self, context, instance, request_spec, host_list, cell, image,
                    admin_password, injected_files, requested_networks,
                    block_device_mapping):
        selection = host_list[0]
        # Ports with resource requests learn which provider serves them.
        scheduler_utils.fill_provider_mapping(request_spec, selection)
        filter_properties = request_spec.to_legacy_filter_properties_dict()
        with nova_context.target_cell(context, cell) as cctxt:
            instance._context = cctxt
            self.compute_rpcapi.build_and_run_instance(
                cctxt, instance=instance, host=selection.service_host, image=image,
                request_spec=request_spec, filter_properties=filter_properties,
                admin_password=admin_password, injected_files=injected_files,
                requested_networks=requested_networks,
                security_groups=request_spec.security_groups,
                block_device_mapping=block_device_mapping, node=selection.nodename,
                limits=selection.limits.to_dict() if selection.limits else None,
                host_list=host_list[1:])

    def _drop_deleted(self, context, instance, cell):
        """The server was deleted while it was scheduled: its claim and row go."""
        LOG.info("Build of instance %s stopped: the instance was deleted while it "
                 "was scheduled.", instance.uuid)
        # The claim goes first, so that a server seen deleted holds nothing.
        self.report_client.delete_allocation_for_instance(context, instance.uuid,
                                                          force=True)
        with nova_context.target_cell(context, cell) as cctxt:
            instance._context = cctxt
            try:
                instance.host = None
                instance.save()
                instance.destroy()
            except exception.InstanceNotFound:
                pass

    @staticmethod
    def _create_children(cctxt, instances, build_requests, block_device_mapping, tags):
        """The new instances' block device mappings, tags and create actions."""
        bdms, seen = [], set()
        for instance, build_request in zip(instances, build_requests):
            wanted = block_device_mapping
            if wanted is None and build_request.obj_attr_is_set("block_device_mappings"):
                wanted = build_request.block_device_mappings
            for bdm in (wanted or []):
                # A list shared by the instances is created for the first one.
                if id(bdm) in seen or bdm.obj_attr_is_set("id"):
                    continue
                seen.add(id(bdm))
                bdm._context = cctxt
                bdm.instance_uuid = instance.uuid
                bdms.append(bdm)
            tag_list = tags if tags is not None else (
                build_request.tags if build_request.obj_attr_is_set("tags") else None)
            if tag_list:
                objects.TagList.create(cctxt, instance.uuid,
                                       [tag.tag for tag in tag_list])
        if bdms:
            objects.BlockDeviceMapping.create_many(cctxt, bdms)
        try:
            objects.InstanceAction.action_start_many(
                cctxt, [instance.uuid for instance in instances], "create")
        except Exception:
            LOG.exception("Could not record the create action of %s",
                          [instance.uuid for instance in instances])

    def _bury_in_cell0(self, context, spec, exc, build_requests, block_device_mapping,
                       tags, exc_tb=None):
        """Put every instance of a failed request in cell0, in ERROR, with a fault."""
        cell0 = objects.CellMapping.get_by_uuid(context, objects.CellMapping.CELL0_UUID)
        for build_request in build_requests:
            instance = build_request.get_new_instance(context)
            instance.vm_state = vm_states.ERROR
            instance.task_state = None
            instance.host = None
            instance.node = None
            with nova_context.target_cell(context, cell0) as cctxt:
                instance._context = cctxt
                try:
                    instance.create()
                except exception.InstanceExists:
                    continue
                self._create_children(cctxt, [instance], [build_request],
                                      block_device_mapping, tags)
                compute_utils.add_instance_fault_from_exc(cctxt, instance, exc, exc_tb)
            if instance.uuid not in self._map_to_cell(context, [instance.uuid], cell0):
                # Deleted meanwhile: the user asked for it to go.
                with nova_context.target_cell(context, cell0) as cctxt:
                    instance._context = cctxt
                    try:
                        instance.destroy()
                    except exception.InstanceNotFound:
                        pass

    # -- reschedules ------------------------------------------------------------------

    def build_instances(self, context, instances, image, filter_properties,
                        admin_password, injected_files, requested_networks,
                        security_groups, block_device_mapping=None, request_spec=None,
                        host_lists=None):
        for instance, host_list in zip(instances, host_lists or [[]] * len(instances)):
            self._reschedule_one(context, instance, image, filter_properties,
                                 admin_password, injected_files, requested_networks,
                                 security_groups, block_device_mapping, request_spec,
                                 list(host_list or []))

    def _reschedule_one(self, context, instance, image, filter_properties, admin_password,
                        injected_files, requested_networks, security_groups,
                        block_device_mapping, request_spec, host_list):
        attempts = len((filter_properties or {}).get("retry", {}).get("hosts", []))
        while host_list and attempts < CONF.scheduler.max_attempts:
            selection = host_list.pop(0)
            alloc_req = (json.loads(selection.allocation_request)
                         if selection.allocation_request else None)
            if alloc_req and not self.report_client.claim_resources(
                    context, instance.uuid, alloc_req, instance.project_id,
                    instance.user_id, selection.allocation_request_version):
                LOG.info("Alternate %s of %s is full now; trying the next one.",
                         selection.service_host, instance.uuid)
                continue
            scheduler_utils.fill_provider_mapping(request_spec, selection)
            instance.host = selection.service_host
            instance.node = selection.nodename
            instance.availability_zone = (selection.availability_zone
                                          or instance.availability_zone)
            try:
                instance.save(expected_task_state=[task_states.SCHEDULING])
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
                # Deleted while it waited for another host: the claim just
                # made on the alternate goes with it.
                LOG.info("Build of instance %s stopped: the instance was deleted while "
                         "it was rescheduled (%s).", instance.uuid,
                         exc.__class__.__name__)
                self._release_claims(context, [instance.uuid])
                return
            self.compute_rpcapi.build_and_run_instance(
                context, instance=instance, host=selection.service_host, image=image,
                request_spec=request_spec, filter_properties=filter_properties,
                admin_password=admin_password, injected_files=injected_files,
                requested_networks=requested_networks, security_groups=security_groups,
                block_device_mapping=block_device_mapping, node=selection.nodename,
                limits=selection.limits.to_dict() if selection.limits else None,
                host_list=host_list)
            return
        exc = exception.MaxRetriesExceeded(
            reason="Exhausted all hosts available for retrying build failures for "
                   "instance %s." % instance.uuid)
        LOG.warning("%s", exc.format_message())
        compute_utils.add_instance_fault_from_exc(context, instance, exc)
        self.report_client.delete_allocation_for_instance(context, instance.uuid,
                                                          force=True)
        instance.vm_state = vm_states.ERROR
        instance.task_state = None
        try:
            instance.save()
        except exception.InstanceNotFound:
            pass
