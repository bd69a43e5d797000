"""The 'baseapi' RPC namespace every nova RPC service answers, whatever its topic."""

import oslo_messaging as messaging

import nova.conf

CONF = nova.conf.CONF

_NAMESPACE = "baseapi"


class BaseAPI:
    """Client side: ``ping`` any service on ``topic``.

    Not capped by [upgrade_levels]: 1.0 is all there is, and every service
    of every version answers it.

    API version history:
      1.0 - ping, get_backdoor_port (server side only; no client method)
    """

    VERSION_ALIASES: dict = {}

    def __init__(self, topic, server=None):
        from nova import rpc
        target = messaging.Target(topic=topic, server=server, namespace=_NAMESPACE,
                                  version="1.0")
        self.client = rpc.get_client(target)

    def ping(self, context, arg, timeout=None, at_least_once=False):
        """A call (1.0): round trip through a service of ``topic``.

        Returns {"service", "host", "arg"} of whichever server answered;
        raises MessagingTimeout after ``timeout`` seconds when none did.
        ``at_least_once``: raise MessageUndeliverable at once when no server
        of ``topic`` has a queue yet (RabbitMQ returns the message) rather
        than wait out ``timeout`` for an answer that cannot come; transports
        that cannot tell just wait.
        """
        options = {}
        if at_least_once:
            options["transport_options"] = messaging.TransportOptions(at_least_once=True)
        cctxt = self.client.prepare(timeout=timeout, **options)
        return cctxt.call(context, "ping", arg=arg)


class BaseRPCAPI:
    """Server side endpoint, added to every Service's RPC server."""

    target = messaging.Target(namespace=_NAMESPACE, version="1.0")

    def __init__(self, service_name, backdoor_port=None):
        self.service_name = service_name
        self.backdoor_port = backdoor_port

    def ping(self, context, arg):
        """Who answered, and ``arg`` back (1.0)."""
        return {"service": self.service_name, "host": CONF.host, "arg": arg}

    def get_backdoor_port(self, context):
        """This service's eventlet backdoor port, or None (1.0)."""
        return self.backdoor_port
