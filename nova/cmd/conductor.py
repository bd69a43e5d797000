"""nova-conductor: object calls and build orchestration; the only DB user."""

import sys

from oslo_concurrency import processutils

from nova.cmd import common
import nova.conf
from nova import service

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-conductor")
    server = service.Service.create(binary="nova-conductor", topic="conductor")
    return common.run(server, workers=CONF.conductor.workers
                      or processutils.get_worker_count())


if __name__ == "__main__":
    sys.exit(main())
