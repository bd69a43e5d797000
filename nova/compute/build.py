"""The compute manager's build family: take a scheduled instance to ACTIVE.

``build_and_run_instance`` arrives as a cast from the conductor once the
scheduler picked this host and claimed the instance's resources in Placement.
The instance walks vm_state BUILDING with task_state None -> networking ->
block_device_mapping -> spawning, then ACTIVE with no task. A failure cleans
up what was done on this host and either asks the conductor to reschedule to
one of the alternate hosts the scheduler returned, or ends in ERROR with a
fault and the Placement allocation released. An instance deleted while it is
built is cleaned up quietly.
"""

import sys
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class BuildAborted(Exception):
    """The build stopped on this host; the instance was handled already."""


class BuildOperations:
    """Mixin of ComputeManager: building instances."""

    _build_semaphore = None

    def _build_slots(self):
        if self._build_semaphore is None:
            limit = CONF.max_concurrent_builds
            self._build_semaphore = (threading.BoundedSemaphore(limit) if limit > 0
                                     else _Unlimited())
        return self._build_semaphore

    def build_and_run_instance(self, context, instance, image, request_spec=None,
                               filter_properties=None, admin_password=None,
                               injected_files=None, requested_networks=None,
                               security_groups=None, block_device_mapping=None,
                               node=None, limits=None, host_list=None, accel_uuids=None):
        with self._build_slots():
            with compute_utils.instance_event(context, instance.uuid,
                                              "compute_build_and_run_instance",
                                              host=self.host):
                self._do_build_and_run_instance(
                    context, instance, image, request_spec, filter_properties,
                    admin_password, injected_files, requested_networks,
                    security_groups, block_device_mapping, node, limits, host_list)

    def _do_build_and_run_instance(self, context, instance, image, request_spec,
                                   filter_properties, admin_password, injected_files,
                                   requested_networks, security_groups,
                                   block_device_mapping, node, limits, host_list):
        try:
            instance.vm_state = vm_states.BUILDING
            instance.task_state = None
            instance.save(expected_task_state=(task_states.SCHEDULING, None))
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            LOG.info("Instance %s was deleted before its build started.", instance.uuid)
            self._release_allocation(context, instance)
            return
        network_info = None
        try:
            network_info = self._build_resources(context, instance, requested_networks,
                                                 security_groups, request_spec)
            instance.task_state = task_states.SPAWNING
            instance.save(expected_task_state=task_states.BLOCK_DEVICE_MAPPING)
            image_meta = objects.ImageMeta.from_dict(image or {})
            allocations = self._allocations_of(context, instance)
            self.driver.spawn(context, instance, image_meta, injected_files or [],
                              admin_password, allocations, network_info=network_info,
                              block_device_info=None)
            instance.power_state = self._power_state_of(instance)
            instance.vm_state = vm_states.ACTIVE
            instance.task_state = None
            instance.launched_at = timeutils.utcnow()
            instance.launched_on = self.host
            instance.save(expected_task_state=task_states.SPAWNING)
            LOG.info("Instance %s is ACTIVE on %s.", instance.uuid, self.host)
            self._tell_schedulers(context, instance)
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            LOG.info("Instance %s was deleted while it was built; cleaning up.",
                     instance.uuid)
            self._cleanup_guest(context, instance, network_info, requested_networks)
            self._release_allocation(context, instance)
        except Exception as exc:
            exc_tb = sys.exc_info()[2]
            LOG.warning("Build of instance %s on %s failed: %s", instance.uuid, self.host,
                        exc)
            self._cleanup_guest(context, instance, network_info, requested_networks)
            compute_utils.add_instance_fault_from_exc(context, instance, exc, exc_tb,
                                                      host=self.host)
            if self._reschedulable(exc) and CONF.scheduler.max_attempts > 1:
                self._reschedule(context, instance, image, request_spec, filter_properties,
                                 admin_password, injected_files, requested_networks,
                                 security_groups, block_device_mapping, host_list)
            else:
                self._fail_build(context, instance, exc)

    # -- the steps ----------------------------------------------------------------

    def _tell_schedulers(self, context, instance, deleted=False):
        """Keep the schedulers' view of this host's instances current."""
        try:
            if deleted:
                self.scheduler_client.delete_instance_info(context, self.host,
                                                           instance.uuid)
            else:
                self.scheduler_client.update_instance_info(context, self.host, instance)
        except Exception as exc:
            LOG.debug("Could not update the schedulers about %s: %s", instance.uuid, exc)

    def _build_resources(self, context, instance, requested_networks, security_groups,
                         request_spec=None):
        instance.task_state = task_states.NETWORKING
        instance.save(expected_task_state=None)
        # Ports with resource requests: which provider the claim took them from.
        mapping = request_spec.get_request_group_mapping() \
            if isinstance(request_spec, objects.RequestSpec) else None
        network_info = self.network_api.allocate_for_instance(
            context, instance, requested_networks, security_groups=security_groups,
            bind_host_id=self.host, resource_provider_mapping=mapping)
        instance.task_state = task_states.BLOCK_DEVICE_MAPPING
        instance.save(expected_task_state=task_states.NETWORKING)
        return network_info

    def _power_state_of(self, instance):
        try:
            return self.driver.get_info(instance).state
        except exception.InstanceNotFound:
            from nova.compute import power_state
            return power_state.NOSTATE

    def _allocations_of(self, context, instance):
        try:
            return self.reportclient.get_allocations_for_consumer(context, instance.uuid)
        except Exception as exc:
            LOG.warning("Could not read the allocations of %s: %s", instance.uuid, exc)
            return {}

    def _cleanup_guest(self, context, instance, network_info, requested_networks):
        try:
            self.driver.destroy(context, instance, network_info)
        except Exception:
            LOG.exception("Could not remove the guest of %s", instance.uuid)
        try:
            self.network_api.deallocate_for_instance(context, instance,
                                                     requested_networks=requested_networks)
        except Exception:
            LOG.exception("Could not release the networks of %s", instance.uuid)

    def _release_allocation(self, context, instance):
        try:
            self.reportclient.delete_allocation_for_instance(context, instance.uuid,
                                                             force=True)
        except Exception:
            LOG.exception("Could not release the allocation of %s", instance.uuid)

    @staticmethod
    def _reschedulable(exc):
        return not isinstance(exc, (exception.BuildAbortException,
                                    exception.UnexpectedTaskStateError))

    def _reschedule(self, context, instance, image, request_spec, filter_properties,
                    admin_password, injected_files, requested_networks, security_groups,
                    block_device_mapping, host_list):
        LOG.info("Rescheduling instance %s away from %s.", instance.uuid, self.host)
        failed_node = instance.node
        # The conductor claims the alternate's resources for the same consumer.
        self._release_allocation(context, instance)
        instance.task_state = task_states.SCHEDULING
        instance.host = None
        instance.node = None
        instance.launched_on = None
        try:
            instance.save()
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            self._release_allocation(context, instance)
            return
        retry = dict(filter_properties or {})
        hosts = list(retry.get("retry", {}).get("hosts", []))
        hosts.append([self.host, failed_node])
        retry["retry"] = {"num_attempts": len(hosts), "hosts": hosts}
        self.compute_task_api.build_instances(
            context, [instance], image, retry, admin_password, injected_files,
            requested_networks, security_groups, block_device_mapping,
            request_spec=request_spec, host_lists=[host_list])

    def _fail_build(self, context, instance, exc):
        self._release_allocation(context, instance)
        instance.vm_state = vm_states.ERROR
        instance.task_state = None
        try:
            instance.save()
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            pass


class _Unlimited:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
