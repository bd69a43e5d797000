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

import threading

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import operation
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Failures another host would meet as well (the image or the flavor is at
# fault): the build ends in ERROR here with its own fault, as upstream's
# BuildAbortException cases, instead of trying the alternates.
_NOT_RESCHEDULED = (exception.BuildAbortException, exception.UnexpectedTaskStateError,
                    exception.FlavorDiskSmallerThanImage,
                    exception.FlavorDiskSmallerThanMinDisk,
                    exception.FlavorMemoryTooSmall, exception.ImageNotActive,
                    exception.ImageUnacceptable, exception.ServiceUnavailable)

# The task states of a build on this host (any of them may be the one in the
# database when a step fails).
_BUILD_TASK_STATES = [None, task_states.SCHEDULING, task_states.NETWORKING,
                      task_states.BLOCK_DEVICE_MAPPING, task_states.SPAWNING]


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
            try:
                self._build_and_run_instance(
                    context, instance, image, request_spec, admin_password,
                    injected_files, requested_networks, security_groups)
            except exception.RescheduledException:
                self._reschedule(context, instance, image, request_spec, filter_properties,
                                 admin_password, injected_files, requested_networks,
                                 security_groups, block_device_mapping, host_list)
            except Exception as exc:
                # A cast: nobody waits for an answer. The operation wrapper
                # left the instance in ERROR with a fault and no allocation.
                LOG.debug("Build of %s ended in ERROR: %s", instance.uuid, exc)

    @operation.compute_operation(event="build_and_run_instance",
                                 error_vm_state=vm_states.ERROR,
                                 on_error_allocation=operation.RELEASE)
    def _build_and_run_instance(self, context, instance, image, request_spec,
                                admin_password, injected_files, requested_networks,
                                security_groups):
        instance.vm_state = vm_states.BUILDING
        instance.task_state = None
        instance.save(expected_task_state=(task_states.SCHEDULING, None))
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
            operation.finish(self.driver, instance, vm_states.ACTIVE,
                             launched_at=timeutils.utcnow(), launched_on=self.host)
        except Exception as exc:
            # Deleted meanwhile, failed, or to be rescheduled: nothing of this
            # build stays on this host.
            self._cleanup_guest(context, instance, network_info, requested_networks)
            if not isinstance(exc, operation.INSTANCE_GONE) and self._reschedulable(exc):
                raise exception.RescheduledException(instance_uuid=instance.uuid,
                                                     reason=exc) from exc
            raise
        LOG.info("Instance %s is ACTIVE on %s.", instance.uuid, self.host)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)

    # -- the steps ----------------------------------------------------------------

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
        self.driver.prepare_for_spawn(instance)
        return network_info

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

    @staticmethod
    def _reschedulable(exc):
        """Whether another host may succeed where this one failed with ``exc``."""
        # Neutron, Glance or Placement being down is the same from every host.
        return CONF.scheduler.max_attempts > 1 and not isinstance(exc, _NOT_RESCHEDULED)

    def _reschedule(self, context, instance, image, request_spec, filter_properties,
                    admin_password, injected_files, requested_networks, security_groups,
                    block_device_mapping, host_list):
        LOG.info("Rescheduling instance %s away from %s.", instance.uuid, self.host)
        failed_node = instance.node
        # The conductor claims the alternate's resources for the same consumer.
        operation.release_allocation(self.reportclient, context, instance)
        instance.task_state = task_states.SCHEDULING
        instance.host = None
        instance.node = None
        instance.launched_on = None
        try:
            instance.save(expected_task_state=_BUILD_TASK_STATES)
        except operation.INSTANCE_GONE as exc:
            LOG.info("Build of instance %s stopped: the instance was deleted before it "
                     "was rescheduled (%s).", instance.uuid, exc.__class__.__name__)
            return
        except exception.UnexpectedTaskStateError as exc:
            LOG.info("Not rescheduling %s: %s", instance.uuid, exc)
            return
        retry = dict(filter_properties or {})
        hosts = list(retry.get("retry", {}).get("hosts", []))
        hosts.append([self.host, failed_node])
        retry["retry"] = {"num_attempts": len(hosts), "hosts": hosts}
        self.compute_task_api.build_instances(
            context, [instance], image, retry, admin_password, injected_files,
            requested_networks, security_groups, block_device_mapping,
            request_spec=request_spec, host_lists=[host_list])


class _Unlimited:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
