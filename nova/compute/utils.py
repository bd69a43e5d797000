"""Instance faults, action events and the API-side state checks.

The compute manager's operations use them through nova.compute.operation.
"""

import contextlib
import functools
import sys
import traceback

from oslo_log import log as logging

import nova.conf
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def exception_to_fault(exc, exc_tb=None):
    """(code, message, details) of an exception as a server's ``fault`` shows it.

    A NovaException carries its own code (4xx for user errors); anything else
    is a 500 whose message is the exception class name, so internals stay out
    of the user's sight. The details are the traceback (admins only).
    """
    code = getattr(exc, "code", 500)
    if not isinstance(code, int):
        code = 500
    if isinstance(exc, exception.NovaException):
        message = exc.format_message()
    else:
        message = exc.__class__.__name__
    details = "".join(traceback.format_exception(type(exc), exc, exc_tb)) \
        if exc_tb is not None else str(exc)
    return code, message, details


def add_instance_fault_from_exc(context, instance, exc, exc_tb=None, host=None):
    """Record ``exc`` as the instance's newest fault."""
    code, message, details = exception_to_fault(exc, exc_tb)
    fault = objects.InstanceFault(context=context, instance_uuid=instance.uuid,
                                  code=code, message=message[:255], details=details,
                                  host=host or CONF.host)
    try:
        fault.create()
    except Exception:
        LOG.exception("Could not record the fault of instance %s", instance.uuid)


@contextlib.contextmanager
def instance_event(context, instance_uuid, event_name, host=None):
    """Record an instance action event around a block (start, then finish or failure).

    The action itself must already exist (the API starts it). Bookkeeping
    errors never hide the block's own outcome.
    """
    try:
        objects.InstanceActionEvent.event_start(context, instance_uuid, event_name,
                                                want_result=False, host=host)
    except Exception as exc:
        LOG.debug("No action event %s for %s: %s", event_name, instance_uuid, exc)
        yield
        return
    try:
        yield
    except BaseException:
        exc_type, exc_val, exc_tb = sys.exc_info()
        try:
            objects.InstanceActionEvent.event_finish_with_failure(
                context, instance_uuid, event_name, exc_val=exc_val, exc_tb=exc_tb,
                want_result=False)
        except Exception:
            LOG.exception("Could not finish action event %s", event_name)
        raise
    else:
        try:
            objects.InstanceActionEvent.event_finish(context, instance_uuid, event_name,
                                                     want_result=False)
        except Exception:
            LOG.exception("Could not finish action event %s", event_name)


def check_instance_lock(func):
    """Refuse (InstanceIsLocked) a change to a locked server, unless by an admin."""
    @functools.wraps(func)
    def wrapper(self, context, instance, *args, **kwargs):
        if instance.locked and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        return func(self, context, instance, *args, **kwargs)
    return wrapper


def check_instance_state(vm_state=None, task_state=(None,), method=None):
    """Refuse (InstanceInvalidState) a call while the server is in other states."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, context, instance, *args, **kwargs):
            for attr, allowed in (("vm_state", vm_state), ("task_state", task_state)):
                if allowed is not None and getattr(instance, attr) not in allowed:
                    raise exception.InstanceInvalidState(
                        attr=attr, instance_uuid=instance.uuid,
                        state=getattr(instance, attr), method=method or func.__name__)
            return func(self, context, instance, *args, **kwargs)
        return wrapper
    return decorator
