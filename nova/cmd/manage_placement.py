"""nova-manage placement: repair what Placement knows about nova's instances and hosts.

heal_allocations  create the allocations an instance on a host should hold
audit             find (and with --delete remove) allocations nobody owns
sync_aggregates   mirror nova's host aggregates onto the compute node providers

Exit codes follow the nova-manage documentation of each command.
"""

import types

from keystoneauth1 import exceptions as ks_exc
from oslo_utils import uuidutils

import nova.conf
from nova.cmd.manage_utils import args, error
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler.client import report
from nova.scheduler import utils as scheduler_utils

CONF = nova.conf.CONF

# heal_allocations
HEALED, MORE_TO_DO, NO_COMPUTE_NODE, HEAL_FAILED, NOTHING_HEALED = 0, 1, 2, 3, 4
INVALID_INPUT = 127
# audit
NO_ORPHANS, AUDIT_ERROR, ORPHANS_FOUND, ORPHANS_DELETED = 0, 1, 3, 4
# sync_aggregates
SYNC_OK, SYNC_PLACEMENT_ERROR, SYNC_UPDATE_FAILED = 0, 2, 3
SYNC_NO_HOST_MAPPING, SYNC_NO_COMPUTE_NODE, SYNC_NO_PROVIDER = 4, 5, 6

_PLACEMENT_DOWN = (ks_exc.ConnectFailure, ks_exc.EndpointNotFound, ks_exc.DiscoveryFailure,
                   ks_exc.Unauthorized)


def _ctxt():
    return nova_context.get_admin_context()


def _cells(ctxt, cell_uuid=None):
    cells = [c for c in objects.CellMappingList.get_all(ctxt) if not c.is_cell0()]
    if cell_uuid:
        cells = [c for c in cells if c.uuid == cell_uuid]
    return cells


def _instance_resources(instance):
    """What an instance of this flavor holds on its compute node provider."""
    spec = types.SimpleNamespace(flavor=instance.flavor, is_bfv=not instance.image_ref,
                                 image=None)
    return scheduler_utils.ResourceRequest.from_request_spec(spec).merged_resources()


class PlacementCommands:
    """Placement: heal and audit allocations, sync host aggregates."""

    def __init__(self):
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = report.SchedulerReportClient()
        return self._client

    # -- heal_allocations ------------------------------------------------------

    @args("--max-count", metavar="<max_count>", dest="max_count", type=int,
          help="Stop after healing this many instances (exit code 1 if more remain).")
    @args("--verbose", action="store_true", default=False, dest="verbose",
          help="Say what happens to each instance.")
    @args("--dry-run", action="store_true", default=False, dest="dry_run",
          help="Only print what would be healed.")
    @args("--instance", metavar="<instance_uuid>", dest="instance_uuid",
          help="Heal only this instance.")
    @args("--cell", metavar="<cell_uuid>", dest="cell_uuid",
          help="Heal only the instances of this cell.")
    @args("--force", action="store_true", default=False, dest="force",
          help="Replace the allocations of instances that already have some.")
    @args("--skip-port-allocations", action="store_true", default=False,
          dest="skip_port_allocations",
          help="Accepted for compatibility; port resource requests are not healed.")
    def heal_allocations(self, max_count=None, verbose=False, dry_run=False,
                         instance_uuid=None, cell_uuid=None, force=False,
                         skip_port_allocations=False):
        """Create missing allocations of instances that run on a compute host."""
        if max_count is not None and max_count < 1:
            error("Must supply a positive integer for --max-count.")
            return INVALID_INPUT
        if instance_uuid and cell_uuid:
            error("The --cell and --instance options are mutually exclusive.")
            return INVALID_INPUT
        ctxt = _ctxt()
        out = print if verbose else (lambda *a: None)
        cells = _cells(ctxt, cell_uuid)
        if instance_uuid:
            try:
                mapping = objects.InstanceMapping.get_by_instance_uuid(ctxt, instance_uuid)
            except exception.InstanceMappingNotFound:
                error("Instance %s is not mapped to a cell." % instance_uuid)
                return HEAL_FAILED
            if mapping.cell_mapping is None:
                error("Instance %s is not mapped to a cell." % instance_uuid)
                return HEAL_FAILED
            cells = [mapping.cell_mapping]
        elif cell_uuid and not cells:
            error("Cell %s was not found." % cell_uuid)
            return INVALID_INPUT
        healed = 0
        try:
            for cell in cells:
                with nova_context.target_cell(ctxt, cell) as cctxt:
                    instances = objects.InstanceList.get_by_filters(
                        cctxt, {"uuid": [instance_uuid]} if instance_uuid else {},
                        sort_key="created_at", sort_dir="asc",
                        expected_attrs=["flavor"])
                    for instance in instances:
                        if max_count is not None and healed >= max_count:
                            out("Max count reached. Processed %d instances." % healed)
                            return MORE_TO_DO
                        if self._heal_instance(cctxt, instance, out, dry_run, force):
                            healed += 1
        except exception.ComputeHostNotFound as exc:
            error(exc.format_message())
            return NO_COMPUTE_NODE
        except _PLACEMENT_DOWN as exc:
            error("Placement cannot be reached: %s" % exc)
            return HEAL_FAILED
        except (exception.AllocationUpdateFailed, exception.AllocationDeleteFailed,
                exception.ConsumerAllocationRetrievalFailed) as exc:
            error(exc.format_message())
            return HEAL_FAILED
        verb = "would be" if dry_run else "were"
        print("%d instances %s healed." % (healed, verb) if healed else
              "No instances needed healing.")
        return HEALED if healed else NOTHING_HEALED

    def _heal_instance(self, cctxt, instance, out, dry_run, force):
        """True when ``instance`` got (or would get) new allocations."""
        if instance.task_state is not None:
            out("Instance %s is undergoing a task state transition: %s" % (
                instance.uuid, instance.task_state))
            return False
        if not instance.host or not instance.node:
            out("Instance %s is not on a host." % instance.uuid)
            return False
        current = self.client.get_allocs_for_consumer(cctxt, instance.uuid)
        if current.get("allocations") and not force:
            out("Instance %s already has allocations." % instance.uuid)
            return False
        node = objects.ComputeNode.get_by_host_and_nodename(cctxt, instance.host,
                                                            instance.node)
        resources = {rc: n for rc, n in _instance_resources(instance).items() if n > 0}
        payload = {"allocations": {node.uuid: {"resources": resources}},
                   "project_id": instance.project_id, "user_id": instance.user_id,
                   "consumer_generation": current.get("consumer_generation")}
        if dry_run:
            print("[dry-run] Update allocations for instance %s: %s" % (instance.uuid,
                                                                       payload["allocations"]))
            return True
        if not self.client.put_allocations(cctxt, instance.uuid, payload):
            raise exception.AllocationUpdateFailed(consumer_uuid=instance.uuid,
                                                   error="Placement refused the allocation")
        out("Successfully updated allocations for instance %s." % instance.uuid)
        return True

    # -- audit -----------------------------------------------------------------------

    @args("--verbose", action="store_true", default=False, dest="verbose",
          help="Print each provider checked and each orphaned allocation.")
    @args("--resource_provider", metavar="<provider_uuid>", dest="provider_uuid",
          help="Audit only this resource provider.")
    @args("--delete", action="store_true", default=False, dest="delete",
          help="Delete the orphaned allocations found.")
    def audit(self, verbose=False, provider_uuid=None, delete=False):
        """Find allocations whose consumer is neither a live instance nor a migration."""
        if provider_uuid is not None and not uuidutils.is_uuid_like(provider_uuid):
            error("Invalid resource provider UUID %s" % provider_uuid)
            return INVALID_INPUT
        ctxt = _ctxt()
        out = print if verbose else (lambda *a: None)
        try:
            if provider_uuid:
                providers = [provider_uuid]
            else:
                resp = self.client.get("/resource_providers", report.versions.NESTED, ctxt)
                if resp.status_code != 200:
                    error("Resource providers could not be listed: %s" % resp.text)
                    return AUDIT_ERROR
                providers = [p["uuid"] for p in resp.json()["resource_providers"]]
            orphans = 0
            deleted = 0
            for rp_uuid in providers:
                out("Processing allocations for resource provider %s" % rp_uuid)
                try:
                    allocations = self.client.get_allocations_for_resource_provider(
                        ctxt, rp_uuid)
                except exception.ResourceProviderRetrievalFailed:
                    error("Resource provider %s was not found." % rp_uuid)
                    return AUDIT_ERROR if not provider_uuid else INVALID_INPUT
                for consumer, alloc in sorted(allocations.items()):
                    if self._consumer_is_known(ctxt, consumer):
                        continue
                    orphans += 1
                    print("Allocations for consumer UUID %s on Resource Provider %s "
                          "can be deleted: %s" % (consumer, rp_uuid, alloc["resources"]))
                    if delete and self.client.delete_allocation_for_instance(
                            ctxt, consumer, force=True):
                        deleted += 1
                        out("Deleted allocations for consumer UUID %s" % consumer)
        except _PLACEMENT_DOWN as exc:
            error("Placement cannot be reached: %s" % exc)
            return AUDIT_ERROR
        except exception.NovaException as exc:
            error(exc.format_message())
            return AUDIT_ERROR
        print("Found %d orphaned allocations (%d deleted)." % (orphans, deleted)
              if orphans else "No orphaned allocations were found.")
        if not orphans:
            return NO_ORPHANS
        return ORPHANS_DELETED if delete and deleted == orphans else ORPHANS_FOUND

    def _consumer_is_known(self, ctxt, consumer):
        """Whether ``consumer`` is a non-deleted instance or an existing migration."""
        try:
            mapping = objects.InstanceMapping.get_by_instance_uuid(ctxt, consumer)
        except exception.InstanceMappingNotFound:
            mapping = None
        if mapping is not None and mapping.cell_mapping is not None:
            with nova_context.target_cell(ctxt, mapping.cell_mapping) as cctxt:
                try:
                    instance = objects.Instance.get_by_uuid(cctxt, consumer)
                    return not instance.deleted
                except exception.InstanceNotFound:
                    return False
        for cell in _cells(ctxt):
            with nova_context.target_cell(ctxt, cell) as cctxt:
                try:
                    objects.Migration.get_by_uuid(cctxt, consumer)
                    return True
                except exception.NotFound:
                    continue
        return False

    # -- sync_aggregates --------------------------------------------------------------

    @args("--verbose", action="store_true", default=False, dest="verbose",
          help="Print each host added to a provider aggregate.")
    def sync_aggregates(self, verbose=False):
        """Put every aggregate member's compute node provider into that aggregate."""
        ctxt = _ctxt()
        missing_mappings, missing_nodes, missing_providers = set(), set(), set()
        failed = False
        for aggregate in objects.AggregateList.get_all(ctxt):
            for host in aggregate.hosts:
                try:
                    cell = objects.HostMapping.get_by_host(ctxt, host).cell_mapping
                except exception.HostMappingNotFound:
                    missing_mappings.add(host)
                    continue
                with nova_context.target_cell(ctxt, cell) as cctxt:
                    try:
                        nodes = list(objects.ComputeNodeList.get_all_by_host(cctxt, host))
                    except exception.ComputeHostNotFound:
                        nodes = []
                if not nodes:
                    missing_nodes.add(host)
                    continue
                for node in nodes:
                    try:
                        aggs = self.client.get_provider_aggregates(ctxt, node.uuid)
                        if aggregate.uuid in aggs["aggregates"]:
                            continue
                        self.client.set_aggregates_for_provider(
                            ctxt, node.uuid, aggs["aggregates"] | {aggregate.uuid},
                            generation=aggs["generation"])
                        if verbose:
                            print("Successfully added host (%s) and provider (%s) to "
                                  "aggregate (%s)." % (host, node.uuid, aggregate.uuid))
                    except exception.ResourceProviderAggregateRetrievalFailed:
                        missing_providers.add(host)
                    except _PLACEMENT_DOWN as exc:
                        error("Placement cannot be reached: %s" % exc)
                        return SYNC_PLACEMENT_ERROR
                    except (exception.ResourceProviderUpdateConflict,
                            exception.ResourceProviderUpdateFailed) as exc:
                        error("Failed updating provider aggregates for host (%s), provider "
                              "(%s) and aggregate (%s). Error: %s" % (
                                  host, node.uuid, aggregate.uuid, exc.format_message()))
                        failed = True
        if failed:
            return SYNC_UPDATE_FAILED
        if missing_mappings:
            error("Unable to find matching cell host mappings for the following hosts: "
                  "%s" % ", ".join(sorted(missing_mappings)))
            return SYNC_NO_HOST_MAPPING
        if missing_nodes:
            error("Unable to find matching compute node records for the following hosts: "
                  "%s" % ", ".join(sorted(missing_nodes)))
            return SYNC_NO_COMPUTE_NODE
        if missing_providers:
            error("Unable to find matching resource provider record in placement for "
                  "the following hosts: %s" % ", ".join(sorted(missing_providers)))
            return SYNC_NO_PROVIDER
        return SYNC_OK
