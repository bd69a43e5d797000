"""nova-novncproxy: WebSocket proxy between noVNC in a browser and an instance's VNC."""

import sys

from nova.cmd import common
import nova.conf
from nova.console import websocketproxy

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-novncproxy")
    server = websocketproxy.ConsoleProxyService(
        "nova-novncproxy", CONF.vnc.novncproxy_host, CONF.vnc.novncproxy_port,
        web=websocketproxy.NOVNC_WEB, console_types=("novnc",))
    return common.run(server)


if __name__ == "__main__":
    sys.exit(main())
