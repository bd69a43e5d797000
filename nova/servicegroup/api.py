"""Front door of the service group: picks the driver ([DEFAULT] servicegroup_driver)."""

from oslo_log import log as logging

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_DRIVERS = {"db": "nova.servicegroup.drivers.db.DbDriver"}


class API:
    def __init__(self, *args, **kwargs):
        from oslo_utils import importutils
        name = getattr(CONF, "servicegroup_driver", "db") or "db"
        self._driver = importutils.import_object(_DRIVERS[name], *args, **kwargs)

    def join(self, member, group, service=None):
        """Start heartbeats of ``service`` (a nova.service.Service) in ``group``."""
        return self._driver.join(member, group, service)

    def service_is_up(self, member):
        """True when the service record ``member`` has heartbeated recently."""
        if member.get("forced_down") if hasattr(member, "get") else member.forced_down:
            return False
        return self._driver.is_up(member)

    def get_updated_time(self, member):
        return self._driver.updated_time(member)
