"""nova-serialproxy: WebSocket proxy between a serial console client and an
instance's serial port (a TCP endpoint on its compute host)."""

import sys

from nova.cmd import common
import nova.conf
from nova.console import websocketproxy

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-serialproxy")
    server = websocketproxy.ConsoleProxyService(
        "nova-serialproxy", CONF.serial_console.serialproxy_host,
        CONF.serial_console.serialproxy_port, console_types=("serial",))
    return common.run(server)


if __name__ == "__main__":
    sys.exit(main())
