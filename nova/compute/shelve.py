"""The compute manager's shelve family: shelve, offload, unshelve.

``shelve_instance`` powers the guest off, uploads a snapshot of its disk to
the image the API created (``<server>-shelved``; none for a volume-backed
server), records ``shelved_at``, ``shelved_image_id`` and ``shelved_host``
in the system metadata and leaves the server SHELVED, still on its host
and holding its resources. With ``[DEFAULT] shelved_offload_time`` = 0 it
goes straight on to the offload; with a positive value the periodic
``poll_shelved_instances`` offloads it once that many seconds have passed
(-1: never).

``shelve_offload_instance`` destroys the guest, unbinds its networks from
the host, clears ``host``/``node`` and releases the Placement allocation:
a SHELVED_OFFLOADED server holds nothing on any host.

``unshelve_instance`` arrives from the conductor after the scheduler chose
(and claimed) this host; the guest is spawned from the shelved image, which
is then deleted along with the shelved_* keys. A failed unshelve leaves the
server SHELVED_OFFLOADED with a fault and no allocation. A server that was
shelved but not offloaded is simply powered on again on its host.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SHELVED_KEYS = ("shelved_at", "shelved_image_id", "shelved_host")

# What a driver's snapshot reports, as the task states of a shelve.
_SHELVE_UPLOAD_STATES = {
    task_states.IMAGE_SNAPSHOT: task_states.SHELVING,
    task_states.IMAGE_PENDING_UPLOAD: task_states.SHELVING_IMAGE_PENDING_UPLOAD,
    task_states.IMAGE_UPLOADING: task_states.SHELVING_IMAGE_UPLOADING,
}


# Power states in which there is nothing to power off.
_OFF = (power_state.NOSTATE, power_state.SHUTDOWN, power_state.CRASHED)


def remove_shelved_keys(instance):
    """Drop the shelved_* keys from the instance's system metadata."""
    metadata = dict(instance.system_metadata or {})
    if any(key in metadata for key in SHELVED_KEYS):
        for key in SHELVED_KEYS:
            metadata.pop(key, None)
        instance.system_metadata = metadata


class ShelveOperations:
    """Mixin of ComputeManager: parking instances in the image service."""

    @operation.compute_operation()
    def shelve_instance(self, context, instance, image_id=None, clean_shutdown=True):
        """Power off, snapshot into ``image_id`` and leave the server SHELVED
        (then offload it at once when shelved_offload_time is 0)."""
        was_running = (operation.power_state_of(self.driver, instance)
                       == power_state.RUNNING)
        self._power_off_for_shelve(instance, clean_shutdown)
        if image_id:
            def update_task_state(task_state, expected_state=task_states.IMAGE_SNAPSHOT):
                instance.task_state = _SHELVE_UPLOAD_STATES.get(task_state, task_state)
                instance.save(expected_task_state=[
                    _SHELVE_UPLOAD_STATES.get(expected_state, expected_state)])

            try:
                self.driver.snapshot(context, instance, image_id, update_task_state)
            except Exception:
                # No half-made image stays behind a failed shelve, and a guest
                # that ran runs again.
                self._delete_failed_image(context, image_id)
                if was_running:
                    try:
                        self.driver.power_on(context, instance,
                                             instance.get_network_info())
                    except Exception:
                        LOG.exception("Could not power %s on again", instance.uuid)
                raise
        offload = CONF.shelved_offload_time == 0
        metadata = dict(instance.system_metadata or {})
        metadata.update(shelved_at=timeutils.utcnow().isoformat(), shelved_host=self.host)
        if image_id:
            metadata["shelved_image_id"] = image_id
        expected = instance.task_state
        instance.system_metadata = metadata
        instance.power_state = operation.power_state_of(self.driver, instance)
        instance.vm_state = vm_states.SHELVED
        instance.task_state = task_states.SHELVING_OFFLOADING if offload else None
        try:
            instance.save(expected_task_state=[expected])
        except operation.INSTANCE_GONE:
            if image_id:
                self._delete_failed_image(context, image_id)
            raise
        LOG.info("Instance %s is shelved on %s.", instance.uuid, self.host)
        if offload:
            self._offload(context, instance, clean_shutdown=False)

    @operation.compute_operation()
    def shelve_offload_instance(self, context, instance, clean_shutdown=True):
        """Remove a SHELVED server from this host (see the module docstring)."""
        self._offload(context, instance, clean_shutdown)

    def _power_off_for_shelve(self, instance, clean_shutdown):
        """Power the guest off unless it is off already."""
        if operation.power_state_of(self.driver, instance) in _OFF:
            return
        timeout = CONF.shutdown_timeout if clean_shutdown else 0
        try:
            self.driver.power_off(instance, timeout=timeout)
        except exception.InstanceInvalidState:
            pass  # went off meanwhile

    def _offload(self, context, instance, clean_shutdown):
        self._power_off_for_shelve(instance, clean_shutdown)
        power_state = operation.power_state_of(self.driver, instance)
        try:
            network_info = instance.get_network_info()
        except Exception:
            network_info = None
        self.driver.destroy(context, instance, network_info)
        try:
            self.network_api.setup_networks_on_host(context, instance, self.host,
                                                    teardown=True)
        except Exception:
            LOG.exception("Could not unbind the networks of %s from %s", instance.uuid,
                          self.host)
        expected = instance.task_state
        instance.power_state = power_state
        instance.vm_state = vm_states.SHELVED_OFFLOADED
        instance.task_state = None
        instance.host = None
        instance.node = None
        instance.save(expected_task_state=[expected])
        # An offloaded server holds no resources anywhere.
        operation.release_allocation(self.reportclient, context, instance)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance,
                                  deleted=True)
        LOG.info("Instance %s is offloaded from %s.", instance.uuid, self.host)

    # -- unshelve ----------------------------------------------------------------------

    def unshelve_instance(self, context, instance, image=None, filter_properties=None,
                          node=None, request_spec=None):
        """Spawn the offloaded server here from its shelved ``image`` (or power
        a SHELVED one on again where it is)."""
        try:
            if instance.vm_state == vm_states.SHELVED:
                self._unshelve_in_place(context, instance)
            else:
                self._unshelve_offloaded(context, instance, image, request_spec)
        except Exception as exc:
            # A cast: the wrapper recorded the fault and the event.
            LOG.debug("Unshelve of %s failed: %s", instance.uuid, exc)

    # A failed spawn gives the new claim back; a server powered on in place
    # keeps what it holds.
    @operation.compute_operation(event="unshelve_instance",
                                 on_error_allocation=operation.RELEASE)
    def _unshelve_offloaded(self, context, instance, image, request_spec):
        instance.task_state = task_states.SPAWNING
        instance.save(expected_task_state=[task_states.UNSHELVING])
        original_image_ref = instance.image_ref
        network_info = None
        try:
            self.network_api.setup_networks_on_host(context, instance, self.host)
            network_info = self.network_api.get_instance_nw_info(context, instance)
            image_meta = objects.ImageMeta.from_dict(image or {})
            if image:
                instance.image_ref = image["id"]
            self.driver.spawn(context, instance, image_meta, [], None,
                              self._allocations_of(context, instance),
                              network_info=network_info, block_device_info=None)
        except Exception:
            LOG.exception("Unshelve of %s failed on %s", instance.uuid, self.host)
            try:
                self.driver.destroy(context, instance, network_info)
            except Exception:
                LOG.exception("Could not remove the guest of %s", instance.uuid)
            # The server stays offloaded: no host, no allocation (the wrapper
            # releases it and saves these with the task state cleared).
            instance.image_ref = original_image_ref
            instance.host = None
            instance.node = None
            raise
        instance.image_ref = original_image_ref
        image_id = (instance.system_metadata or {}).get("shelved_image_id")
        remove_shelved_keys(instance)
        operation.finish(self.driver, instance, vm_states.ACTIVE,
                         launched_at=timeutils.utcnow(), launched_on=self.host)
        if image_id:
            self._delete_failed_image(context, image_id)
        operation.tell_schedulers(self.scheduler_client, context, self.host, instance)
        LOG.info("Instance %s is unshelved on %s.", instance.uuid, self.host)

    @operation.compute_operation(event="unshelve_instance")
    def _unshelve_in_place(self, context, instance):
        self.driver.power_on(context, instance, instance.get_network_info())
        image_id = (instance.system_metadata or {}).get("shelved_image_id")
        remove_shelved_keys(instance)
        operation.finish(self.driver, instance, vm_states.ACTIVE)
        if image_id:
            self._delete_failed_image(context, image_id)

    # -- the periodic offload ------------------------------------------------------------

    def poll_shelved_instances(self, context):
        """Offload this host's SHELVED servers shelved longer than
        shelved_offload_time seconds ago (positive values only); the uuids."""
        if CONF.shelved_offload_time <= 0:
            return []
        filters = {"vm_state": vm_states.SHELVED, "task_state": None, "host": self.host}
        instances = objects.InstanceList.get_by_filters(
            context, filters, expected_attrs=["system_metadata"])
        offloaded = []
        now = timeutils.utcnow()
        for instance in instances:
            shelved_at = (instance.system_metadata or {}).get("shelved_at")
            if not shelved_at:
                continue
            try:
                when = timeutils.normalize_time(timeutils.parse_isotime(shelved_at))
            except ValueError:
                continue
            if (now - when).total_seconds() < CONF.shelved_offload_time:
                continue
            instance.task_state = task_states.SHELVING_OFFLOADING
            try:
                instance.save(expected_task_state=[None])
                objects.InstanceAction.action_start(context, instance.uuid,
                                                    "shelveOffload", want_result=False)
                self.shelve_offload_instance(context, instance, clean_shutdown=False)
                offloaded.append(instance.uuid)
            except Exception as exc:
                LOG.warning("Could not offload shelved instance %s: %s", instance.uuid, exc)
        return offloaded
