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

    def service_is_up(self, member, as_of=None):
        """True when the service record ``member`` has heartbeated recently.

        ``as_of`` (naive UTC, default now) is the moment the verdict is for:
        a caller holding a record read some time ago (the scheduler, for the
        whole of one request) passes the time it read it, so that the time
        spent since then is not counted as the service's silence.
        """
        if member.get("forced_down") if hasattr(member, "get") else member.forced_down:
            return False
        return self._driver.is_up(member, as_of=as_of)

    def get_updated_time(self, member):
        return self._driver.updated_time(member)
