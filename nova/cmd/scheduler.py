"""nova-scheduler: picks hosts for instances."""

import sys

from oslo_concurrency import processutils

from nova.cmd import common
import nova.conf
from nova import service

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-scheduler")
    server = service.Service.create(binary="nova-scheduler", topic="scheduler")
    return common.run(server, workers=CONF.scheduler.workers
                      or processutils.get_worker_count())


if __name__ == "__main__":
    sys.exit(main())
