"""The 'baseapi' RPC namespace every nova RPC service answers, whatever its topic."""

import oslo_messaging as messaging

import nova.conf

CONF = nova.conf.CONF

_NAMESPACE = "baseapi"


class BaseAPI:
    """Client side: ``ping`` any service on ``topic``.

    API version history:
      1.0 - ping
    """

    VERSION_ALIASES: dict = {}

    def __init__(self, topic, server=None):
        from nova import rpc
        target = messaging.Target(topic=topic, server=server, namespace=_NAMESPACE,
                                  version="1.0")
        self.client = rpc.get_client(target)

    def ping(self, context, arg, timeout=None):
        """Round trip through a service; returns who answered and ``arg``."""
        cctxt = self.client.prepare(timeout=timeout)
        return cctxt.call(context, "ping", arg=arg)


class BaseRPCAPI:
    """Server side endpoint, added to every Service's RPC server."""

    target = messaging.Target(namespace=_NAMESPACE, version="1.0")

    def __init__(self, service_name, backdoor_port=None):
        self.service_name = service_name
        self.backdoor_port = backdoor_port

    def ping(self, context, arg):
        return {"service": self.service_name, "host": CONF.host, "arg": arg}

    def get_backdoor_port(self, context):
        return self.backdoor_port
