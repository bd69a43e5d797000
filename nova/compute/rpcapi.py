"""Client side of the compute RPC API (topic 'compute', one server per host).

API version history:
  6.0 - get_host_uptime
"""

import oslo_messaging as messaging

import nova.conf
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "compute"


class ComputeAPI:
    VERSION_ALIASES: dict = {}

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, version="6.0")
        self.client = rpc.get_client(target, transport=transport)

    def get_host_uptime(self, ctxt, host):
        """The uptime string of compute host ``host``'s hypervisor."""
        cctxt = self.client.prepare(server=host, version="6.0")
        return cctxt.call(ctxt, "get_host_uptime")
