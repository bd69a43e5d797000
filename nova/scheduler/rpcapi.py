"""Client side of the scheduler RPC API (topic 'scheduler').

The instance-info methods are fanout casts: every scheduler keeps its own
copy of which instances live on which host.

API version history:
  4.0 - update_instance_info, delete_instance_info, sync_instance_info
  4.1 - select_destinations
"""

import oslo_messaging as messaging

import nova.conf
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "scheduler"


class SchedulerAPI:
    VERSION_ALIASES: dict = {}

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, version="4.0")
        self.client = rpc.get_client(target, transport=transport)

    def select_destinations(self, ctxt, spec_obj, instance_uuids, return_objects=False,
                            return_alternates=False):
        """Ask a scheduler for hosts (a call; raises NoValidHost when none fit).

        Returns, per instance, a list of Selection objects (the claimed host
        then alternates) with return_objects, else legacy host dicts.
        """
        cctxt = self.client.prepare(version="4.1",
                                    timeout=CONF.long_rpc_timeout)
        return cctxt.call(ctxt, "select_destinations", spec_obj=spec_obj,
                          instance_uuids=instance_uuids, return_objects=return_objects,
                          return_alternates=return_alternates)

    def update_instance_info(self, ctxt, host_name, instance_info):
        """Tell every scheduler about new or changed instances on ``host_name``."""
        cctxt = self.client.prepare(fanout=True)
        cctxt.cast(ctxt, "update_instance_info", host_name=host_name,
                   instance_info=instance_info)

    def delete_instance_info(self, ctxt, host_name, instance_uuid):
        """Tell every scheduler an instance left ``host_name``."""
        cctxt = self.client.prepare(fanout=True)
        cctxt.cast(ctxt, "delete_instance_info", host_name=host_name,
                   instance_uuid=instance_uuid)

    def sync_instance_info(self, ctxt, host_name, instance_uuids):
        """Send every scheduler the full list of instance UUIDs on ``host_name``."""
        cctxt = self.client.prepare(fanout=True)
        cctxt.cast(ctxt, "sync_instance_info", host_name=host_name,
                   instance_uuids=instance_uuids)
