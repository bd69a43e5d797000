"""The compute manager's rebuild family: a server made again from an image, in place.

``rebuild_instance`` arrives as a cast from the conductor (which checked a new
image against this host) with the instance in task_state 'rebuilding' and
its new image, name, metadata and the rest already written by the API. The
driver rebuilds the guest if it knows how (keeping the guest's identity on
the hypervisor); otherwise the manager destroys the guest and its disks and
spawns it again from the image. The task walks rebuilding ->
rebuild_block_device_mapping -> rebuild_spawning; the server ends ACTIVE
(STOPPED again if it was stopped), its launched_at renewed. A failure leaves
ERROR with a fault, as upstream; the Placement allocation is untouched either
way (same host, same flavor).
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


class PreserveEphemeralNotSupported(exception.Invalid):
    msg_fmt = "The current driver does not support preserving ephemeral partitions."


class RebuildOperations:
    """Mixin of ComputeManager: rebuilding instances."""

    @operation.compute_operation(
        error_vm_state={PreserveEphemeralNotSupported: None, Exception: vm_states.ERROR})
    def rebuild_instance(self, context, instance, orig_image_ref, image_ref,
                         injected_files, new_pass, orig_sys_metadata, bdms,
                         preserve_ephemeral=False, request_spec=None):
        orig_vm_state = instance.vm_state
        image = self.image_api.get(context, image_ref) if image_ref else {}
        image_meta = objects.ImageMeta.from_dict(image)
        instance.power_state = operation.power_state_of(self.driver, instance)
        instance.save(expected_task_state=[task_states.REBUILDING])
        network_info = instance.get_network_info()
        try:
            allocations = self.reportclient.get_allocations_for_consumer(context,
                                                                         instance.uuid)
        except Exception as exc:
            LOG.warning("Could not read the allocations of %s: %s", instance.uuid, exc)
            allocations = {}
        args = dict(context=context, instance=instance, image_meta=image_meta,
                    injected_files=injected_files or [], admin_password=new_pass,
                    allocations=allocations, bdms=bdms, detach_block_devices=None,
                    attach_block_devices=None, network_info=network_info,
                    block_device_info=None, preserve_ephemeral=preserve_ephemeral)
        try:
            self.driver.rebuild(**args)
        except NotImplementedError:
            if preserve_ephemeral:
                # Refused before anything was destroyed: the server keeps
                # its old image.
                instance.image_ref = orig_image_ref
                if orig_sys_metadata is not None:
                    instance.system_metadata = dict(orig_sys_metadata)
                instance.save()
                raise PreserveEphemeralNotSupported()
            self._rebuild_default(**args)
        instance.image_ref = image_ref
        if orig_vm_state == vm_states.STOPPED:
            # A stopped server is rebuilt stopped (as upstream, it is
            # powered off again once spawned).
            self.driver.power_off(instance)
        final = vm_states.STOPPED if orig_vm_state == vm_states.STOPPED else vm_states.ACTIVE
        operation.finish(self.driver, instance, final, launched_at=timeutils.utcnow(),
                         progress=0)
        LOG.info("Instance %s rebuilt from image %s on %s.", instance.uuid, image_ref,
                 self.host)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)

    def _rebuild_default(self, context, instance, image_meta, injected_files,
                         admin_password, allocations, bdms, detach_block_devices,
                         attach_block_devices, network_info=None, block_device_info=None,
                         preserve_ephemeral=False):
        """Destroy the guest with its disks, then spawn it again from the image."""
        if operation.power_state_of(self.driver, instance) != power_state.NOSTATE:
            self.driver.destroy(context, instance, network_info,
                                block_device_info=block_device_info)
        instance.task_state = task_states.REBUILD_BLOCK_DEVICE_MAPPING
        instance.save(expected_task_state=[task_states.REBUILDING])
        instance.task_state = task_states.REBUILD_SPAWNING
        instance.save(expected_task_state=[task_states.REBUILD_BLOCK_DEVICE_MAPPING])
        self.driver.spawn(context, instance, image_meta, injected_files, admin_password,
                          allocations, network_info=network_info,
                          block_device_info=block_device_info)
