"""How a compute-manager operation runs, and the host steps every family shares.

Every operation the compute manager carries out on an instance (build, reboot,
stop/start, pause, suspend, crash dump, delete...) is one method decorated
with :func:`compute_operation`, which declares the operation's rules::

    @operation.compute_operation(success_vm_state=vm_states.STOPPED)
    def stop_instance(self, context, instance, clean_shutdown=True):
        self.driver.power_off(instance)

The decorator does what upstream's ``wrap_instance_event``,
``reverts_task_state`` and ``wrap_instance_fault`` do, in one place:

- an instance action event ``compute_<event>`` is started, then finished with
  Success, or with Error, the exception and its traceback;
- on success (with ``success_vm_state``) the power state is read back from
  the driver, the vm_state set and the task state cleared;
- on a failure an instance fault is recorded, the task state goes back to
  None (the instance's state before the API accepted the task) and the
  vm_state follows ``error_vm_state``; the Placement allocation is kept or
  released as ``on_error_allocation`` says; the exception is raised again;
- an instance deleted under the operation (InstanceNotFound or
  UnexpectedDeletingTaskStateError, and the database says it is gone or
  'deleting') is handled quietly: no fault, no error state, the allocation
  released if the operation releases it on failure; a guest missing on the
  hypervisor while the instance lives on is an ordinary failure;
- a task that another request took over (UnexpectedTaskStateError) is left
  alone: a fault and a failed event, no state change;
- RescheduledException (the build hands the instance back to the conductor):
  a fault, the event succeeds (the build goes on on another host), the
  exception reaches the caller, which reschedules.

Each state write compares the task state first (``expected_task_state``), so
a racing delete is never overwritten. See
doc/source/contributor/compute-operation.rst for the recipe.
"""

import functools
import sys

from oslo_log import log as logging

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import utils as compute_utils
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

KEEP = "keep"         # on_error_allocation: the instance still uses its resources
RELEASE = "release"   # on_error_allocation: the failure gave them back

# The instance was deleted (or is being deleted) while the operation ran.
INSTANCE_GONE = (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError)

# A failure clears any task state but a delete's: the local copy may not hold
# the one in the database (a save that failed part-way through a build).
_DELETE_TASK_STATES = (task_states.DELETING, task_states.SOFT_DELETING)
_REVERTIBLE_TASK_STATES = [None] + sorted(
    value for name, value in vars(task_states).items()
    if name.isupper() and isinstance(value, str) and value not in _DELETE_TASK_STATES)


class OperationRules:
    """What one operation declares; see :func:`compute_operation`."""

    def __init__(self, event, success_vm_state=None, error_vm_state=None,
                 on_error_allocation=KEEP):
        if on_error_allocation not in (KEEP, RELEASE):
            raise ValueError("on_error_allocation must be %r or %r, not %r"
                             % (KEEP, RELEASE, on_error_allocation))
        self.event = event
        self.success_vm_state = success_vm_state
        if error_vm_state is None or isinstance(error_vm_state, str):
            error_vm_state = {Exception: error_vm_state}
        self.error_vm_states = dict(error_vm_state)
        self.on_error_allocation = on_error_allocation

    def vm_state_after(self, exc):
        """The vm_state a failure with ``exc`` leaves (None: unchanged)."""
        for exc_class, vm_state in self.error_vm_states.items():
            if isinstance(exc, exc_class):
                return vm_state
        return None


def compute_operation(event=None, success_vm_state=None, error_vm_state=None,
                      on_error_allocation=KEEP):
    """Decorate a ComputeManager method ``(self, context, instance, ...)``.

    :param event: the action event is named ``compute_<event>``; ``event``
        defaults to the method's name.
    :param success_vm_state: after the method returns, set this vm_state,
        clear the task state and read the power state back from the driver.
        None: the method finishes the instance itself (or leaves it as it is).
    :param error_vm_state: the vm_state a failure leaves: None keeps the
        current one, a vm_state applies to every error, and a dict
        ``{exception class: vm_state or None}`` maps driver errors (the first
        class the exception is an instance of wins; unmatched ones keep it).
    :param on_error_allocation: KEEP (default) or RELEASE the instance's
        Placement allocation when the operation fails.
    """
    def decorator(fn):
        rules = OperationRules(event or fn.__name__, success_vm_state, error_vm_state,
                               on_error_allocation)

        @functools.wraps(fn)
        def wrapper(self, context, *args, **kwargs):
            instance = kwargs["instance"] if "instance" in kwargs else args[0]
            return _run(self, context, instance, rules,
                        functools.partial(fn, self, context, *args, **kwargs))

        wrapper.operation_rules = rules
        return wrapper
    return decorator


def _run(manager, context, instance, rules, call):
    task_state_at_start = instance.task_state
    handed_back = None
    with compute_utils.instance_event(context, instance.uuid, "compute_" + rules.event,
                                      host=manager.host):
        try:
            result = call()
            if rules.success_vm_state is not None:
                finish(manager.driver, instance, rules.success_vm_state)
            return result
        except Exception as exc:
            if isinstance(exc, INSTANCE_GONE) and _deleted(context, instance):
                LOG.info("%s of instance %s stopped: the instance was deleted (%s).",
                         rules.event, instance.uuid, exc.__class__.__name__)
                if rules.on_error_allocation == RELEASE:
                    release_allocation(manager.reportclient, context, instance)
                return None
            compute_utils.add_instance_fault_from_exc(context, instance, exc,
                                                      sys.exc_info()[2], host=manager.host)
            if isinstance(exc, exception.RescheduledException):
                # The build goes on elsewhere: this host's part ends without
                # an error (the fault says why it gave up); the caller
                # hands the instance back to the conductor.
                LOG.warning("%s of instance %s stopped on %s: %s", rules.event,
                            instance.uuid, manager.host, exc)
                handed_back = exc
            elif isinstance(exc, exception.UnexpectedTaskStateError):
                # Another request owns the instance now: change nothing.
                LOG.warning("%s of instance %s stopped on %s: %s", rules.event,
                            instance.uuid, manager.host, exc)
                raise
            else:
                LOG.warning("%s of instance %s on %s failed: %s", rules.event,
                            instance.uuid, manager.host, exc)
                # The allocation goes first: once the new state shows, the
                # failure has given back all it took.
                if rules.on_error_allocation == RELEASE:
                    release_allocation(manager.reportclient, context, instance)
                _revert(manager, instance, task_state_at_start,
                        vm_state=rules.vm_state_after(exc))
                raise
    raise handed_back


def _deleted(context, instance):
    """Whether the instance is deleted, or being deleted, now."""
    try:
        current = objects.Instance.get_by_uuid(context, instance.uuid, expected_attrs=[])
    except exception.InstanceNotFound:
        return True
    return current.task_state == task_states.DELETING


def _revert(manager, instance, task_state_at_start, vm_state):
    """Clear the task state (and set ``vm_state``) unless a delete came first."""
    expected = list(_REVERTIBLE_TASK_STATES)
    if task_state_at_start not in expected:
        expected.append(task_state_at_start)   # this operation is the delete
    instance.task_state = None
    if vm_state is not None:
        instance.vm_state = vm_state
    try:
        instance.power_state = power_state_of(manager.driver, instance)
    except Exception as exc:
        # E.g. the hypervisor is unreachable (the reason of the failure):
        # the task state is cleared all the same, the power state kept.
        LOG.warning("Power state of %s unknown after the failure: %s", instance.uuid, exc)
    try:
        instance.save(expected_task_state=expected)
    except INSTANCE_GONE:
        pass
    except exception.UnexpectedTaskStateError as exc:
        LOG.info("Not reverting the task state of %s: %s", instance.uuid, exc)
    except Exception:
        LOG.exception("Could not revert the task state of %s", instance.uuid)


# -- the host steps the operation families share ----------------------------------


def power_state_of(driver, instance):
    """The guest's power state on this hypervisor (NOSTATE when it has none)."""
    try:
        return driver.get_info(instance).state
    except exception.InstanceNotFound:
        return power_state.NOSTATE


def finish(driver, instance, vm_state, **fields):
    """End the instance's task in ``vm_state`` with the guest's power state
    (and the other instance ``fields`` given).

    Only if the task state is still the one this host last saw (a delete that
    arrived meanwhile wins: UnexpectedDeletingTaskStateError).
    """
    expected = instance.task_state
    instance.power_state = power_state_of(driver, instance)
    instance.vm_state = vm_state
    instance.task_state = None
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save(expected_task_state=[expected])


def release_allocation(reportclient, context, instance):
    """Give the instance's Placement allocation back (errors are logged)."""
    try:
        reportclient.delete_allocation_for_instance(context, instance.uuid, force=True)
    except Exception:
        LOG.exception("Could not release the allocation of %s", instance.uuid)


def tell_schedulers(scheduler_client, context, host, instance, deleted=False):
    """Keep the schedulers' view of ``host``'s instances current (best effort)."""
    try:
        if deleted:
            scheduler_client.delete_instance_info(context, host, instance.uuid)
        else:
            scheduler_client.update_instance_info(context, host, instance)
    except Exception as exc:
        LOG.debug("Could not update the schedulers about %s: %s", instance.uuid, exc)
