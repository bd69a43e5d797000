"""Rebuilding a server on its own host: the scheduler's check, then the compute.

The API has checked the server's state, written the new image (image_ref and
the image_* system metadata), the new name, metadata and the rest, set
task_state 'rebuilding' and recorded the 'rebuild' action. When the image
changed, the scheduler is asked whether the server's host can run it: a
no-op scheduling pass limited to that host, in which only the filters that
concern the image run and nothing is claimed (the server keeps its
allocation); schedulers older than RPC 4.3 would claim, so with them the
check is skipped. If the host cannot, the server gets its old image back, its
task state is cleared (its vm_state is left as it was), a fault records why
and the action's ``conductor_rebuild_server`` event fails. Otherwise the
request spec takes the new image and the compute is asked to rebuild.
"""

from oslo_log import log as logging

from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

LOG = logging.getLogger(__name__)


class RebuildTask:
    def __init__(self, scheduler_api=None, compute_api=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()

    def rebuild_instance(self, context, instance, orig_image_ref, image_ref,
                         injected_files, new_pass, orig_sys_metadata, bdms,
                         preserve_ephemeral=False, request_spec=None, image=None):
        cctxt = _cell_context(context, instance.uuid)
        instance._context = cctxt
        with compute_utils.instance_event(cctxt, instance.uuid, "conductor_rebuild_server"):
            if image_ref != orig_image_ref and image is not None:
                try:
                    self._check_host(cctxt, instance, request_spec, image)
                except exception.NoValidHost as exc:
                    self._refuse(cctxt, instance, orig_image_ref, orig_sys_metadata, exc)
                    raise
                self._remember_image(context, request_spec, image)
            self.compute_rpcapi.rebuild_instance(
                context, instance, orig_image_ref=orig_image_ref, image_ref=image_ref,
                injected_files=injected_files, new_pass=new_pass,
                orig_sys_metadata=orig_sys_metadata, bdms=bdms,
                preserve_ephemeral=preserve_ephemeral, request_spec=request_spec)

    def _check_host(self, context, instance, request_spec, image):
        """NoValidHost unless the image filters pass the server's own host."""
        if not self.scheduler_rpcapi.router.can_send_version(
                scheduler_rpcapi.REBUILD_CHECK_VERSION):
            # An older scheduler would claim the instance's resources again:
            # rebuild without the check until every scheduler is upgraded.
            LOG.warning("Not checking the new image of %s against its host: the "
                        "schedulers are older than %s.", instance.uuid,
                        scheduler_rpcapi.REBUILD_CHECK_VERSION)
            return
        if request_spec is None:
            request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        spec = request_spec.obj_clone()
        spec.image = objects.ImageMeta.from_dict(image)
        hints = dict(spec.scheduler_hints or {}) if spec.obj_attr_is_set(
            "scheduler_hints") else {}
        hints[scheduler_utils.REBUILD_CHECK_HINT] = ["rebuild"]
        spec.scheduler_hints = hints
        spec.requested_destination = objects.Destination(host=instance.host,
                                                         node=instance.node)
        spec.ignore_hosts = []
        self.scheduler_rpcapi.select_destinations(context, spec, [instance.uuid],
                                                  return_objects=True)

    @staticmethod
    def _remember_image(context, request_spec, image):
        """The request spec follows the server's image (later moves are scheduled
        with it)."""
        if request_spec is None:
            return
        try:
            request_spec._context = context
            request_spec.image = objects.ImageMeta.from_dict(image)
            request_spec.save()
        except Exception:
            LOG.exception("Could not record the new image in the request spec of %s",
                          request_spec.instance_uuid)

    @staticmethod
    def _refuse(context, instance, orig_image_ref, orig_sys_metadata, exc):
        LOG.info("Rebuild of %s refused: %s", instance.uuid, exc.format_message())
        compute_utils.add_instance_fault_from_exc(context, instance, exc)
        instance.image_ref = orig_image_ref
        if orig_sys_metadata is not None:
            instance.system_metadata = dict(orig_sys_metadata)
        instance.task_state = None
        try:
            instance.save(expected_task_state=[task_states.REBUILDING])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as err:
            LOG.info("Not reverting the rebuild of %s: %s", instance.uuid, err)


def _cell_context(context, instance_uuid):
    """``context`` targeted at the cell of the instance (as it is if unmapped)."""
    try:
        mapping = objects.InstanceMapping.get_by_instance_uuid(context, instance_uuid)
    except exception.InstanceMappingNotFound:
        return context
    if mapping.cell_mapping is None:
        return context
    with nova_context.target_cell(context, mapping.cell_mapping) as cctxt:
        return cctxt
