"""Where a guest's console listens, as a virt driver reports it.

The compute manager turns one of these into a console token (its host, port
and internal access path go into the cell database) and a URL for the user.
"""


class Console:
    """A console server reachable at ``host``:``port`` from the proxies."""

    # The console_type values a proxy of this protocol serves.
    protocol = None

    def __init__(self, host, port, internal_access_path=None, tls_port=None):
        self.host = host
        self.port = port
        self.internal_access_path = internal_access_path
        self.tls_port = tls_port

    def get_connection_info(self, token, access_url):
        """The dict the compute RPC answers with (as upstream's connect_info)."""
        return {"token": token, "access_url": access_url, "host": self.host,
                "port": self.port, "tls_port": self.tls_port,
                "internal_access_path": self.internal_access_path}

    def __repr__(self):
        return "%s(%s:%s)" % (type(self).__name__, self.host, self.port)


class ConsoleVNC(Console):
    protocol = "vnc"


class ConsoleSpice(Console):
    protocol = "spice"


class ConsoleSerial(Console):
    protocol = "serial"
