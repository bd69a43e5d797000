"""Heartbeats recorded in the services table (report_count, last_seen_up).

The heartbeat goes through the Service object, so in nova-compute it travels
to the conductor like every other object call.
"""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# One heartbeat at a time per process: services sharing a process (nova-all)
# would otherwise write the same SQLite file at the same instant.
_REPORT_LOCK = threading.Lock()


class DbDriver:
    def __init__(self, *args, **kwargs):
        self.service_down_time = CONF.service_down_time

    def join(self, member, group, service=None):
        """Report ``service``'s state every report_interval seconds."""
        LOG.debug("DB driver: %(member)s joins the %(group)s group",
                  {"member": member, "group": group})
        if service is None:
            raise RuntimeError("service is a mandatory argument of the DB servicegroup driver")
        interval = CONF.report_interval
        if interval:
            service.tg.add_timer_args(interval, self._report_state, args=[service],
                                      initial_delay=interval)

    def is_up(self, service_ref, as_of=None):
        """Whether the last heartbeat is younger than service_down_time at ``as_of``
        (naive UTC; now when None)."""
        last_heartbeat = (service_ref.get("last_seen_up") or service_ref.get("updated_at")
                          or service_ref.get("created_at"))
        if last_heartbeat is None:
            return False
        if isinstance(last_heartbeat, str):
            last_heartbeat = timeutils.parse_isotime(last_heartbeat).replace(tzinfo=None)
        else:
            last_heartbeat = last_heartbeat.replace(tzinfo=None)
        elapsed = timeutils.delta_seconds(last_heartbeat, as_of or timeutils.utcnow())
        is_up = abs(elapsed) <= self.service_down_time
        if not is_up:
            LOG.debug("Seems service %(binary)s on host %(host)s is down. Last heartbeat "
                      "was %(last)s. Elapsed time is %(elapsed)s",
                      {"binary": service_ref.get("binary"), "host": service_ref.get("host"),
                       "last": last_heartbeat, "elapsed": elapsed})
        return is_up

    def updated_time(self, service_ref):
        return service_ref.get("last_seen_up") or service_ref.get("updated_at")

    def _report_state(self, service):
        """One heartbeat: report_count + 1 on the service's record."""
        try:
            with _REPORT_LOCK:
                service.service_ref.report_count += 1
                service.service_ref.save()
            if getattr(service, "model_disconnected", False):
                service.model_disconnected = False
                LOG.info("Recovered from being unable to report status.")
        except messaging.MessagingTimeout:
            # The conductor did not answer in time; try again next interval.
            LOG.warning("Lost connection to nova-conductor for reporting service status.")
        except exception.NovaException as exc:
            LOG.warning("Could not report the status of service %s: %s",
                        service.binary, exc)
        except Exception as exc:
            # Typically the database or the broker is briefly unreachable (or a
            # SQLite file is locked by another writer); the next beat retries.
            if not getattr(service, "model_disconnected", False):
                service.model_disconnected = True
                LOG.warning("Model server went away: %s", " ".join(str(exc).split())[:500])
