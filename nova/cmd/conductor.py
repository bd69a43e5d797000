"""nova-conductor: object calls and build orchestration; the only DB user."""

import sys

from nova.cmd import common
import nova.conf
from nova import service

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-conductor")
    server = service.Service.create(binary="nova-conductor", topic="conductor")
    return common.run(server, workers=CONF.conductor.workers or 1)


if __name__ == "__main__":
    sys.exit(main())
