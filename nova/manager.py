"""Base class of the objects behind each RPC service (conductor, scheduler, compute).

A Manager holds a service's RPC methods and its periodic tasks. The Service
that hosts it calls the hooks in this order: ``init_host()`` before the RPC
server starts, ``pre_start_hook()`` once the service record exists,
``post_start_hook()`` once messages flow, and ``cleanup_host()`` on stop.
"""

from oslo_log import log as logging
from oslo_service import periodic_task

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class PeriodicTasks(periodic_task.PeriodicTasks):
    def __init__(self):
        super().__init__(CONF)


class Manager(PeriodicTasks):
    # The RPC binary this manager belongs to, e.g. 'nova-conductor'.
    service_name = None

    def __init__(self, host=None, service_name="undefined"):
        if not host:
            host = CONF.host
        self.host = host
        self.backdoor_port = None
        if self.service_name is None:
            self.service_name = service_name
        # Set by the Service once its record exists.
        self.service_ref = None
        super().__init__()

    def set_periodic_spacing(self, task_name, spacing):
        """Change one periodic task's interval from configuration.

        Spacing is fixed when a class is decorated, before any configuration is
        read; managers call this from __init__ with the configured value. A
        spacing of 0 or less disables the task.
        """
        # Instance attributes shadow the class-wide ones the metaclass built.
        self._periodic_spacing = dict(self._periodic_spacing)
        if spacing is None or spacing <= 0:
            self._periodic_tasks = [(name, task) for name, task in self._periodic_tasks
                                    if name != task_name]
            self._periodic_spacing.pop(task_name, None)
        else:
            self._periodic_spacing[task_name] = spacing

    def periodic_tasks(self, context, raise_on_error=False):
        """Run the due periodic tasks; returns seconds until the next one is due."""
        return self.run_periodic_tasks(context, raise_on_error=raise_on_error)

    def init_host(self, service_ref=None):
        """Before the RPC server starts; the service record may not exist yet."""

    def cleanup_host(self):
        """While the service stops: release what init_host() took."""

    def pre_start_hook(self, service_ref):
        """The service record exists (``service_ref``); RPC not consuming yet."""
        self.service_ref = service_ref

    def post_start_hook(self):
        """The RPC server is consuming."""

    def reset(self):
        """On SIGHUP: drop cached state."""
