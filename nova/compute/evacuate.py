"""The compute manager's evacuation family: a server rebuilt on another host.

``evacuate_instance`` arrives (a cast, 6.9) on the destination the
conductor chose after its source compute went down. The instance holds
its source allocation and the destination's (the conductor merged the
claim into it). The guest is spawned here from the server's image (the
rebuild path: task rebuilding -> rebuild_block_device_mapping ->
rebuild_spawning), the instance moves to this host, ACTIVE (STOPPED if it
was stopped, or with 2.95), and the migration is ``done``. A failure leaves
the server in ERROR with the migration ``failed`` and the destination part
of its allocation removed.

When the source compute starts again, ``destroy_evacuated_instances``
destroys the guests it still has of servers evacuated away, removes its
provider from their allocations and marks the migrations ``completed``.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)


class EvacuateOperations:
    """Mixin of ComputeManager: recreating servers of a dead host here."""

    @operation.compute_operation(event="rebuild_instance", error_vm_state=vm_states.ERROR)
    def evacuate_instance(self, context, instance, migration, image_ref=None,
                          new_pass=None, scheduled_node=None, stop_after=False,
                          request_spec=None):
        node = scheduled_node or self.driver.get_available_nodes()[0]
        orig_vm_state = instance.vm_state
        try:
            self._evacuate_here(context, instance, migration, image_ref, new_pass, node)
        except Exception:
            migration.status = "failed"
            migration.save()
            self._drop_provider_of(context, instance, node)
            raise
        if orig_vm_state == vm_states.STOPPED or stop_after:
            self.driver.power_off(instance)
        final = (vm_states.STOPPED if orig_vm_state == vm_states.STOPPED or stop_after
                 else vm_states.ACTIVE)
        migration.status = "done"
        migration.save()
        operation.finish(self.driver, instance, final, launched_at=timeutils.utcnow(),
                         progress=0)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)
        LOG.info("Instance %s evacuated from %s onto %s", instance.uuid,
                 migration.source_compute, self.host)

    def _evacuate_here(self, context, instance, migration, image_ref, new_pass, node):
        migration.status = "pre-migrating"
        migration.save()
        instance.host = self.host
        instance.node = node
        instance.power_state = power_state.NOSTATE
        instance.save(expected_task_state=[task_states.REBUILDING])
        try:
            self.network_api.setup_networks_on_host(context, instance, self.host)
            network_info = self.network_api.get_instance_nw_info(context, instance)
        except Exception:
            network_info = instance.get_network_info()
        image_ref = image_ref or instance.image_ref
        image = self.image_api.get(context, image_ref) if image_ref else {}
        image_meta = objects.ImageMeta.from_dict(image)
        allocations = self.reportclient.get_allocations_for_consumer(context,
                                                                     instance.uuid)
        instance.task_state = task_states.REBUILD_BLOCK_DEVICE_MAPPING
        instance.save(expected_task_state=[task_states.REBUILDING])
        instance.task_state = task_states.REBUILD_SPAWNING
        instance.save(expected_task_state=[task_states.REBUILD_BLOCK_DEVICE_MAPPING])
        self.driver.spawn(context, instance, image_meta, [], new_pass, allocations,
                          network_info=network_info)

    def _drop_provider_of(self, context, instance, nodename):
        """Remove the provider of ``nodename`` from the instance's allocation."""
        try:
            node = objects.ComputeNode.get_by_host_and_nodename(context, self.host,
                                                                nodename)
            self.reportclient.remove_provider_from_consumer(context, instance.uuid,
                                                            node.uuid)
        except Exception:
            LOG.exception("Could not drop %s from the allocation of %s", nodename,
                          instance.uuid)

    def destroy_evacuated_instances(self, context):
        """On start: clean up what this host still holds of evacuated servers;
        the instance uuids cleaned up."""
        try:
            migrations = objects.MigrationList.get_by_filters(
                context, {"source_compute": self.host, "migration_type": "evacuation",
                          "status": ["accepted", "pre-migrating", "done"]})
        except Exception:
            LOG.exception("Could not list the evacuations from %s", self.host)
            return []
        cleaned = []
        nodes = {}
        for migration in migrations:
            if migration.status != "done":
                continue  # still going on (or never started): leave it
            try:
                instance = objects.Instance.get_by_uuid(context, migration.instance_uuid)
            except exception.InstanceNotFound:
                instance = objects.Instance(context=context, uuid=migration.instance_uuid)
            if self.driver.instance_exists(instance):
                try:
                    self.driver.destroy(context, instance, None, destroy_disks=True)
                except Exception:
                    LOG.exception("Could not destroy evacuated guest %s", instance.uuid)
            node = nodes.get(migration.source_node)
            if node is None:
                try:
                    node = objects.ComputeNode.get_by_host_and_nodename(
                        context, self.host, migration.source_node)
                    nodes[migration.source_node] = node
                except exception.NotFound:
                    node = None
            if node is not None:
                try:
                    self.reportclient.remove_provider_from_consumer(
                        context, instance.uuid, node.uuid)
                except Exception:
                    LOG.exception("Could not drop %s from the allocation of %s",
                                  self.host, instance.uuid)
                    continue
            migration.status = "completed"
            migration.save()
            cleaned.append(instance.uuid)
            LOG.info("Cleaned up evacuated instance %s on %s", instance.uuid, self.host)
        return cleaned
