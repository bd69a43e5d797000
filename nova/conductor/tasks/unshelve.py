"""Unshelving: a shelved server back on a host.

A SHELVED server is still on its host: the compute there powers it on. A
SHELVED_OFFLOADED one has no host and no allocation: the scheduler picks
(and claims in Placement) a host for it again, honouring the availability
zone and the requested host the API put in the request spec (2.77, 2.91),
and that host's compute spawns it from the shelved image. The scheduling is
the action's ``schedule_instances`` event; when no host fits, or the
shelved image is gone, the server stays where it was with the task cleared
(an ERROR for a lost image, as upstream).
"""

from oslo_log import log as logging

from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import exception
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.scheduler import utils as scheduler_utils

LOG = logging.getLogger(__name__)


class UnshelveTask:
    def __init__(self, scheduler_api=None, compute_api=None, image_api=None):
        self.scheduler_rpcapi = scheduler_api or scheduler_rpcapi.SchedulerAPI()
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self._image_api = image_api

    @property
    def image_api(self):
        if self._image_api is None:
            from nova.image import api as image_api
            self._image_api = image_api.API()
        return self._image_api

    def execute(self, context, instance, request_spec=None):
        if instance.vm_state == vm_states.SHELVED:
            self.compute_rpcapi.unshelve_instance(context, instance, instance.host,
                                                  node=instance.node)
            return
        if instance.vm_state != vm_states.SHELVED_OFFLOADED:
            LOG.warning("Not unshelving %s: it is %s.", instance.uuid, instance.vm_state)
            self._clear_task(instance)
            return
        image = self._shelved_image(context, instance)
        if image is False:
            return
        if request_spec is None:
            request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        request_spec.reset_forced_destinations()
        request_spec.ensure_project_and_user_id(instance)
        if image:
            request_spec.image = objects.ImageMeta.from_dict(image)
        try:
            with compute_utils.instance_event(context, instance.uuid,
                                              "schedule_instances"):
                scheduler_utils.setup_instance_group(context, request_spec)
                selection = self.scheduler_rpcapi.select_destinations(
                    context, request_spec, [instance.uuid], return_objects=True,
                    return_alternates=False)[0][0]
        except Exception as exc:
            LOG.warning("No host to unshelve %s on: %s", instance.uuid, exc)
            self._clear_task(instance)
            return
        scheduler_utils.fill_provider_mapping(request_spec, selection)
        instance.host = selection.service_host
        instance.node = selection.nodename
        instance.availability_zone = (selection.availability_zone
                                      or instance.availability_zone)
        try:
            instance.save(expected_task_state=[task_states.UNSHELVING])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
            LOG.info("Not unshelving %s: %s", instance.uuid, exc)
            from nova.scheduler.client import report
            report.SchedulerReportClient().delete_allocation_for_instance(
                context, instance.uuid, force=True)
            return
        self.compute_rpcapi.unshelve_instance(
            context, instance, selection.service_host, image=image,
            filter_properties=request_spec.to_legacy_filter_properties_dict(),
            node=selection.nodename, request_spec=request_spec)

    def _shelved_image(self, context, instance):
        """The shelved image dict, None for a volume-backed server, False when
        it is gone (the server is then put in ERROR)."""
        image_id = (instance.system_metadata or {}).get("shelved_image_id")
        if not image_id:
            return None
        try:
            return self.image_api.get(context, image_id)
        except exception.ImageNotFound as exc:
            LOG.error("Unshelve of %s: its shelved image %s is gone.", instance.uuid,
                      image_id)
            compute_utils.add_instance_fault_from_exc(context, instance, exc)
            instance.vm_state = vm_states.ERROR
            self._clear_task(instance)
            return False

    @staticmethod
    def _clear_task(instance):
        instance.task_state = None
        try:
            instance.save(expected_task_state=[task_states.UNSHELVING])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
            LOG.info("Could not clear the task of %s: %s", instance.uuid, exc)
