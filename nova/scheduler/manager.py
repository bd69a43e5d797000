"""The scheduler service: for now, the per-host instance lists computes send it.

Placement-backed host selection (select_destinations) comes with the host
manager; what exists here is the instance-info cache it will read.
"""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging

from nova import manager

LOG = logging.getLogger(__name__)


class InstanceInfoCache:
    """Which instances each compute host has, as the hosts themselves report."""

    def __init__(self):
        self._lock = threading.Lock()
        # host -> {"instances": {uuid: info}, "updated": bool}
        self._hosts = {}

    def update(self, host_name, instance_info):
        """Add or replace the given instances (objects or dicts with a uuid)."""
        items = instance_info if isinstance(instance_info, (list, tuple)) else \
            getattr(instance_info, "objects", [instance_info])
        with self._lock:
            entry = self._hosts.setdefault(host_name, {"instances": {}, "updated": False})
            for item in items:
                uuid = item["uuid"] if isinstance(item, dict) else item.uuid
                entry["instances"][uuid] = item
            entry["updated"] = True

    def delete(self, host_name, instance_uuid):
        with self._lock:
            entry = self._hosts.get(host_name)
            if entry is None:
                return
            entry["instances"].pop(instance_uuid, None)
            entry["updated"] = True

    def sync(self, host_name, instance_uuids):
        """Compare with the host's full list; returns True when they agreed.

        On a mismatch the host's list is replaced by what it reported and the
        host is marked not-updated until it next sends a change.
        """
        uuids = set(instance_uuids)
        with self._lock:
            entry = self._hosts.get(host_name)
            if entry is not None and set(entry["instances"]) == uuids:
                entry["updated"] = True
                return True
            if entry is not None:
                LOG.info("The instance sync for host '%s' did not match. Re-created its "
                         "InstanceList.", host_name)
            old = entry["instances"] if entry else {}
            self._hosts[host_name] = {
                "instances": {u: old.get(u, {"uuid": u}) for u in uuids},
                "updated": entry is None}
            return entry is None

    def hosts(self):
        with self._lock:
            return sorted(self._hosts)

    def instance_uuids(self, host_name):
        with self._lock:
            entry = self._hosts.get(host_name)
            return sorted(entry["instances"]) if entry else []


class SchedulerManager(manager.Manager):
    """The 'scheduler' topic's endpoint."""

    target = messaging.Target(version="4.0")
    service_name = "scheduler"

    def __init__(self, *args, **kwargs):
        super().__init__(service_name="scheduler", *args, **kwargs)
        self.instance_info = InstanceInfoCache()
        self.additional_endpoints = []

    def update_instance_info(self, context, host_name, instance_info):
        self.instance_info.update(host_name, instance_info)

    def delete_instance_info(self, context, host_name, instance_uuid):
        self.instance_info.delete(host_name, instance_uuid)

    def sync_instance_info(self, context, host_name, instance_uuids):
        LOG.debug("Instance list of host %s: %s", host_name, instance_uuids)
        self.instance_info.sync(host_name, instance_uuids)
