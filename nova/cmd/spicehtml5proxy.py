"""nova-spicehtml5proxy: WebSocket proxy between spice-html5 and an instance's SPICE."""

import sys

from nova.cmd import common
import nova.conf
from nova.console import websocketproxy

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-spicehtml5proxy")
    server = websocketproxy.ConsoleProxyService(
        "nova-spicehtml5proxy", CONF.spice.html5proxy_host, CONF.spice.html5proxy_port,
        web=websocketproxy.SPICE_WEB,
        console_types=("spice-html5",))
    return common.run(server)


if __name__ == "__main__":
    sys.exit(main())
