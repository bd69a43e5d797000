"""Client side of the scheduler RPC API (topic 'scheduler').

The instance-info methods are fanout casts: every scheduler keeps its own
copy of which instances live on which host.

API version history:
  4.0 - update_instance_info, delete_instance_info, sync_instance_info
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
