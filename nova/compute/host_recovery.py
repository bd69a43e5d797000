"""What nova-compute puts right about its host: on start-up and periodically.

On start (``recover_instances``, from init_host) every instance of this host
that was left in the middle of a task, because nova-compute stopped or
crashed, ends in a defined state:

- a build (vm_state building, or task networking / block_device_mapping /
  spawning): ERROR with a fault, any partial guest removed and the Placement
  allocation released, as a failed build ends;
- a build scheduled here whose request this host had not taken yet (task
  scheduling): its cast may still wait in this host's queue, so it gets
  ``UNCLAIMED_BUILD_GRACE`` seconds after the start to arrive before it ends
  as an interrupted build (upstream fails it at once: the queued request
  then finds it in ERROR);
- a delete (task deleting, or vm_state deleted but the row still there): the
  delete is finished;
- a reboot: the guest runs and the reboot had started, so it is ACTIVE;
  otherwise the reboot is sent again (hard unless a soft one can work);
- powering-off / powering-on, soft-deleting / restoring: the operation is run
  again (a guest the hypervisor no longer has counts as powered off);
- pausing, unpausing, suspending, resuming: the vm_state the hypervisor
  shows (running -> active, paused, suspended, shut down -> stopped);
- rebuilding, rescuing, unrescuing (a disk swap cut in half): ERROR with a
  fault;
- snapshots, backups, shelving, password updates and any other task: the
  task is cleared, a fault says which one was interrupted, the vm_state
  stays;
- resize and cold migration states are left to the migration code.

Every decision is logged with the instance uuid and the task it ended.

``heal_allocations`` (after the first resource update) makes Placement agree
with the database on this host's nodes: allocations against a node whose
consumer no longer lives there (deleted, or on another host with no move in
progress) are removed, never those of migration records or of instances
being moved or scheduled; the allocations of the node's settled instances
are re-created when missing and corrected when they differ from the flavor.

Periodic tasks: ``cleanup_running_deleted_instances`` applies
``[DEFAULT] running_deleted_instance_action`` to guests the hypervisor still
runs for instances the database knows as deleted (a guest the database has
never heard of is only logged: it may not be Nova's), and
``check_instance_build_time`` ends builds older than
``[DEFAULT] instance_build_timeout`` in ERROR, and ``finish_lost_deletes``
finishes the deletes whose request never reached this host (task deleting
for longer than ``[compute] deleting_task_timeout``).
"""

import threading

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova.compute import host_usage
from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova.compute import vm_states
from nova import exception
from nova import objects
from nova.scheduler import utils as scheduler_utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


# How long a build scheduled here before a stop may take to arrive after the
# start (its cast waits in this host's queue): then it ends as interrupted.
UNCLAIMED_BUILD_GRACE = 60


class OperationInterrupted(exception.NovaException):
    msg_fmt = ("The %(task_state)s task of the instance was interrupted: nova-compute on "
               "%(host)s stopped before it finished.")


class InstanceBuildTimeout(exception.NovaException):
    msg_fmt = "The instance did not finish building within %(timeout)d seconds."


_BUILD_TASKS = (task_states.SCHEDULING, task_states.NETWORKING,
                task_states.BLOCK_DEVICE_MAPPING, task_states.SPAWNING)
_REBOOT_TASKS = task_states.soft_reboot_states + task_states.hard_reboot_states
_HYPERVISOR_DECIDES = (task_states.PAUSING, task_states.UNPAUSING,
                       task_states.SUSPENDING, task_states.RESUMING)
_RUN_AGAIN = (task_states.POWERING_OFF, task_states.POWERING_ON, task_states.SOFT_DELETING,
              task_states.RESTORING)
_TO_ERROR = task_states.rebuild_states + (task_states.RESCUING, task_states.UNRESCUING)
_LEFT_TO_MIGRATIONS = task_states.resizing_states + (
    task_states.RESIZE_REVERTING, task_states.RESIZE_CONFIRMING)
# The vm_state a guest's power state stands for.
_VM_STATE_OF = {power_state.RUNNING: vm_states.ACTIVE, power_state.PAUSED: vm_states.PAUSED,
                power_state.SUSPENDED: vm_states.SUSPENDED,
                power_state.SHUTDOWN: vm_states.STOPPED,
                power_state.CRASHED: vm_states.STOPPED}
# Resource classes the compute host's root provider holds for an instance.
_FLAVOR_CLASSES = ("VCPU", "MEMORY_MB", "DISK_GB")


class HostRecoveryOperations:
    """Mixin of ComputeManager: reconcile the host with the database and Placement."""

    # -- start-up: instances left in a task -------------------------------------------

    def recover_instances(self, context):
        """End every task this host's instances were left in; {uuid: outcome}."""
        outcomes = {}
        awaiting = []
        instances = objects.InstanceList.get_by_host(
            context, self.host, expected_attrs=["info_cache", "flavor"])
        for instance in instances:
            if instance.task_state is None and instance.vm_state not in (
                    vm_states.BUILDING, vm_states.DELETED):
                continue
            if (instance.vm_state == vm_states.BUILDING
                    and instance.task_state == task_states.SCHEDULING):
                # Scheduled here, its build request not taken yet: it may wait
                # in this host's queue and arrive once the RPC server starts.
                awaiting.append(instance.uuid)
                outcomes[instance.uuid] = "awaiting its build request"
                continue
            try:
                outcomes[instance.uuid] = self._recover_instance(context, instance)
            except Exception as exc:
                # The operation run again failed: its wrapper recorded the
                # fault and the state; the next instances are still recovered.
                LOG.warning("Recovery of instance %s on %s ended with a failure: %s",
                            instance.uuid, self.host, exc)
                outcomes[instance.uuid] = "failed"
        if awaiting:
            LOG.info("%d instance(s) scheduled to %s before it stopped wait for their build "
                     "request for %d s: %s", len(awaiting), self.host,
                     UNCLAIMED_BUILD_GRACE, ", ".join(awaiting))
            timer = threading.Timer(UNCLAIMED_BUILD_GRACE, self._fail_unclaimed_builds,
                                    (context, awaiting))
            timer.daemon = True
            self._recovery_timers = getattr(self, "_recovery_timers", []) + [timer]
            timer.start()
        return outcomes

    def cancel_recovery_timers(self):
        """The service stops: the builds still awaited are left to the next start."""
        for timer in getattr(self, "_recovery_timers", []):
            timer.cancel()
        self._recovery_timers = []

    def _fail_unclaimed_builds(self, context, uuids):
        """The builds awaited since start whose request never came: ERROR, as
        any build interrupted by the stop; their uuids."""
        failed = []
        for uuid in uuids:
            try:
                instance = objects.Instance.get_by_uuid(context, uuid,
                                                        expected_attrs=["flavor"])
                if (instance.host != self.host or instance.vm_state != vm_states.BUILDING
                        or instance.task_state != task_states.SCHEDULING):
                    continue
                self._fail_interrupted_build(context, instance, OperationInterrupted(
                    task_state=task_states.SCHEDULING, host=self.host))
                failed.append(uuid)
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
                continue   # deleted, or its build started meanwhile
            except Exception:
                LOG.exception("Could not end the unclaimed build of %s", uuid)
        return failed

    def _recover_instance(self, context, instance):
        task, vm_state = instance.task_state, instance.vm_state
        if vm_state == vm_states.DELETED or task == task_states.DELETING:
            LOG.warning("Instance %s was being deleted when nova-compute on %s stopped: "
                        "finishing the delete.", instance.uuid, self.host)
            if task != task_states.DELETING:
                instance.task_state = task_states.DELETING
                instance.save(expected_task_state=[task])
            self.terminate_instance(context, instance)
            return "deleted"
        if vm_state == vm_states.BUILDING or task in _BUILD_TASKS:
            self._fail_interrupted_build(context, instance,
                                         OperationInterrupted(task_state=task or "build",
                                                              host=self.host))
            return vm_states.ERROR
        if vm_state == vm_states.ERROR:
            return self._end_task(context, instance, None, fault=False)
        if task in _REBOOT_TASKS:
            return self._recover_reboot(context, instance)
        current = operation.power_state_of(self.driver, instance)
        if task in _RUN_AGAIN and current != power_state.NOSTATE:
            LOG.warning("Instance %s was left in task %s when nova-compute on %s stopped: "
                        "running the operation again.", instance.uuid, task, self.host)
        if task == task_states.POWERING_OFF:
            if current == power_state.NOSTATE:
                return self._end_task(context, instance, vm_states.STOPPED, fault=False)
            self.stop_instance(context, instance)
            return vm_states.STOPPED
        if task == task_states.POWERING_ON:
            self.start_instance(context, instance)
            return vm_states.ACTIVE
        if task == task_states.SOFT_DELETING:
            if current == power_state.NOSTATE:
                return self._end_task(context, instance, vm_states.SOFT_DELETED, fault=False)
            self.soft_delete_instance(context, instance)
            return vm_states.SOFT_DELETED
        if task == task_states.RESTORING:
            self.restore_instance(context, instance)
            return vm_states.ACTIVE
        if task in _HYPERVISOR_DECIDES:
            return self._end_task(context, instance, _VM_STATE_OF.get(current), fault=False)
        if task in _TO_ERROR:
            return self._end_task(context, instance, vm_states.ERROR, fault=True)
        if task in _LEFT_TO_MIGRATIONS:
            LOG.info("Instance %s is in %s: left to the migration code.", instance.uuid, task)
            return task
        return self._end_task(context, instance, None, fault=True)

    def _end_task(self, context, instance, vm_state, fault):
        """Clear the task (and set ``vm_state`` unless None); the vm_state left."""
        task = instance.task_state
        if fault:
            compute_utils.add_instance_fault_from_exc(
                context, instance, OperationInterrupted(task_state=task, host=self.host),
                host=self.host)
        instance.power_state = operation.power_state_of(self.driver, instance)
        if vm_state is not None:
            instance.vm_state = vm_state
        instance.task_state = None
        instance.save(expected_task_state=[task])
        LOG.warning("Instance %s was left in task %s when nova-compute on %s stopped: "
                    "now %s with no task (power state %s).", instance.uuid, task, self.host,
                    instance.vm_state, power_state.STATE_MAP.get(instance.power_state))
        return instance.vm_state

    def _recover_reboot(self, context, instance):
        task = instance.task_state
        current = operation.power_state_of(self.driver, instance)
        started = task in (task_states.REBOOT_STARTED, task_states.REBOOT_STARTED_HARD)
        if started and current == power_state.RUNNING:
            LOG.warning("Instance %s was rebooting when nova-compute on %s stopped and its "
                        "guest runs: ACTIVE.", instance.uuid, self.host)
            operation.finish(self.driver, instance, vm_states.ACTIVE)
            return vm_states.ACTIVE
        soft = task in task_states.soft_reboot_states and current == power_state.RUNNING
        LOG.warning("Instance %s was in %s when nova-compute on %s stopped: rebooting it "
                    "again (%s).", instance.uuid, task, self.host, "soft" if soft else "hard")
        instance.task_state = (task_states.REBOOT_PENDING if soft
                               else task_states.REBOOT_PENDING_HARD)
        instance.save(expected_task_state=[task])
        self.reboot_instance(context, instance, reboot_type="SOFT" if soft else "HARD")
        return vm_states.ACTIVE

    def _fail_interrupted_build(self, context, instance, exc):
        """A build that will never finish: ERROR, fault, no guest, no allocation."""
        task = instance.task_state
        LOG.warning("Build of instance %s on %s will not finish (%s): ERROR, allocation "
                    "released.", instance.uuid, self.host, exc.format_message())
        compute_utils.add_instance_fault_from_exc(context, instance, exc, host=self.host)
        try:
            self.driver.destroy(context, instance, None)
        except Exception as destroy_exc:
            LOG.warning("Could not remove the partial guest of %s: %s", instance.uuid,
                        destroy_exc)
        instance.vm_state = vm_states.ERROR
        instance.task_state = None
        instance.power_state = operation.power_state_of(self.driver, instance)
        instance.save(expected_task_state=[task])
        operation.release_allocation(self.reportclient, context, instance)

    # -- periodic: builds past their deadline -------------------------------------------

    def check_instance_build_time(self, context):
        """ERROR for this host's builds older than instance_build_timeout; their uuids."""
        timeout = CONF.instance_build_timeout
        if not timeout:
            return []
        filters = {"vm_state": vm_states.BUILDING, "host": self.host}
        instances = objects.InstanceList.get_by_filters(context, filters, expected_attrs=[])
        now = timeutils.utcnow()
        timed_out = []
        for instance in instances:
            created = instance.created_at
            if created is None or (now - timeutils.normalize_time(created)).total_seconds() \
                    < timeout:
                continue
            try:
                self._fail_interrupted_build(context, instance,
                                             InstanceBuildTimeout(timeout=timeout))
                timed_out.append(instance.uuid)
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
                LOG.info("Build of %s was not timed out: %s", instance.uuid, exc)
            except Exception:
                LOG.exception("Could not time out the build of %s", instance.uuid)
        return timed_out

    # -- periodic: deletes whose request was lost ---------------------------------------

    def finish_lost_deletes(self, context):
        """Finish the deletes of this host's instances 'deleting' for longer than
        [compute] deleting_task_timeout (the terminate cast was lost); their uuids."""
        timeout = CONF.compute.deleting_task_timeout
        if not timeout:
            return []
        filters = {"host": self.host, "task_state": task_states.DELETING}
        instances = objects.InstanceList.get_by_filters(context, filters,
                                                        expected_attrs=["info_cache"])
        now = timeutils.utcnow()
        finished = []
        for instance in instances:
            since = instance.updated_at or instance.created_at
            if since is None or (now - timeutils.normalize_time(since)).total_seconds() \
                    < timeout or self._delete_running(instance.uuid):
                continue
            LOG.warning("Instance %s has been deleting on %s for more than %d seconds (its "
                        "delete request was lost): finishing the delete.", instance.uuid,
                        self.host, timeout)
            try:
                self.terminate_instance(context, instance)
                finished.append(instance.uuid)
            except Exception as exc:
                # The delete's wrapper left it in ERROR with a fault.
                LOG.warning("Could not finish the delete of %s: %s", instance.uuid, exc)
        return finished

    # -- periodic: guests of deleted instances ------------------------------------------

    def cleanup_running_deleted_instances(self, context):
        """Apply running_deleted_instance_action; the uuids acted on."""
        action = CONF.running_deleted_instance_action
        if action == "noop":
            return []
        try:
            uuids = self.driver.list_instance_uuids()
        except NotImplementedError:
            return []
        read_deleted = context.elevated(read_deleted="yes")
        now = timeutils.utcnow()
        acted = []
        for uuid in uuids:
            try:
                instance = objects.Instance.get_by_uuid(read_deleted, uuid, expected_attrs=[])
            except exception.InstanceNotFound:
                LOG.warning("Guest %s on %s belongs to no instance the database knows: "
                            "left alone.", uuid, self.host)
                continue
            if not instance.deleted or instance.host not in (None, self.host):
                continue
            deleted_at = instance.deleted_at
            if deleted_at is not None and (now - timeutils.normalize_time(deleted_at)
                                           ).total_seconds() < \
                    CONF.running_deleted_instance_timeout:
                continue
            if action == "log":
                LOG.warning("Guest %s on %s belongs to a deleted instance and still "
                            "exists (running_deleted_instance_action=log).", uuid, self.host)
            elif action == "shutdown":
                LOG.warning("Powering off guest %s on %s: its instance is deleted.", uuid,
                            self.host)
                self._quietly(self.driver.power_off, instance)
            elif action == "reap":
                LOG.warning("Destroying guest %s on %s: its instance is deleted.", uuid,
                            self.host)
                self._quietly(self.driver.destroy, context, instance, None)
            acted.append(uuid)
        return acted

    @staticmethod
    def _quietly(call, *args):
        try:
            call(*args)
        except exception.InstanceNotFound:
            pass
        except Exception:
            LOG.exception("Acting on the guest of a deleted instance failed")

    # -- start-up: Placement agrees with the database --------------------------------------

    def heal_allocations(self, context):
        """Fix this host's nodes' allocations; {'removed': [...], 'healed': [...]}."""
        result = {"removed": [], "healed": []}
        for node in list(self.rt.compute_nodes.values()):
            try:
                self._heal_node(context, node, result)
            except Exception:
                LOG.exception("Could not check the allocations of node %s",
                              node.hypervisor_hostname)
        return result

    def _heal_node(self, context, node, result):
        client = self.reportclient
        nodename = node.hypervisor_hostname
        allocations = client.get_allocations_for_resource_provider(context, node.uuid)
        instances = {i.uuid: i for i in objects.InstanceList.get_by_host_and_node(
            context, self.host, nodename, expected_attrs=["flavor"])}
        moving = set()
        for migration in objects.MigrationList.get_in_progress_by_host_and_node(
                context, self.host, nodename):
            moving.update((migration.uuid, migration.instance_uuid))
        for consumer in allocations:
            if consumer in instances or consumer in moving:
                continue
            if self._orphan_consumer(context, consumer):
                LOG.warning("Removing the allocation of %s against node %s: no instance "
                            "of this node owns it.", consumer, nodename)
                client.delete_allocation_for_instance(context, consumer, force=True)
                result["removed"].append(consumer)
        for uuid, instance in instances.items():
            if uuid in moving or instance.task_state is not None or \
                    instance.vm_state in (vm_states.ERROR, vm_states.BUILDING) or \
                    not host_usage.counted(instance):
                continue
            wanted = scheduler_utils._flavor_resources(instance.flavor, False)
            wanted = {rc: amount for rc, amount in wanted.items() if amount}
            held = allocations.get(uuid, {}).get("resources", {})
            if {rc: held.get(rc) for rc in _FLAVOR_CLASSES if rc in held or rc in wanted} \
                    == {rc: wanted.get(rc) for rc in _FLAVOR_CLASSES
                        if rc in held or rc in wanted}:
                continue
            if self._put_flavor_allocation(context, node, instance, wanted):
                LOG.warning("Allocation of instance %s against node %s healed: %s "
                            "(was %s).", uuid, nodename, wanted, held or "missing")
                result["healed"].append(uuid)

    def _put_flavor_allocation(self, context, node, instance, wanted):
        client = self.reportclient
        current = client.get_allocs_for_consumer(context, instance.uuid)
        allocations = {rp: {"resources": dict(alloc["resources"])}
                       for rp, alloc in (current.get("allocations") or {}).items()}
        root = allocations.setdefault(node.uuid, {"resources": {}})["resources"]
        for rc in _FLAVOR_CLASSES:
            root.pop(rc, None)
        root.update(wanted)
        payload = {"allocations": allocations,
                   "project_id": current.get("project_id") or instance.project_id,
                   "user_id": current.get("user_id") or instance.user_id,
                   "consumer_generation": current.get("consumer_generation")}
        try:
            return bool(client.put_allocations(context, instance.uuid, payload))
        except exception.NovaException as exc:
            LOG.warning("Could not heal the allocation of %s: %s", instance.uuid, exc)
            return False

    def _orphan_consumer(self, context, consumer):
        """Whether no live instance of this host, move or pending build owns ``consumer``."""
        try:
            instance = objects.Instance.get_by_uuid(context.elevated(read_deleted="yes"),
                                                    consumer, expected_attrs=[])
        except exception.InstanceNotFound:
            # Not in this cell: a build still being scheduled, or an instance
            # of another cell, has a mapping; a consumer with neither is gone.
            try:
                objects.InstanceMapping.get_by_instance_uuid(context, consumer)
            except exception.InstanceMappingNotFound:
                return True
            return False
        if instance.deleted:
            return True
        if instance.host == self.host or instance.task_state is not None:
            return False
        if instance.vm_state in (vm_states.BUILDING, vm_states.RESIZED):
            return False
        try:
            if objects.MigrationList.get_in_progress_by_instance(context, consumer):
                return False
        except Exception:
            return False
        return True
