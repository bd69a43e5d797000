"""nova-compute: runs instances on one hypervisor; reaches the DB only via the conductor."""

import sys

from nova.cmd import common
from nova.compute import rpcapi as compute_rpcapi
from nova import service


def main():
    common.parse_args(sys.argv, "nova-compute")
    # From here on any database access in this process raises DBNotAllowed,
    # and object methods run in nova-conductor.
    common.block_db_access("nova-compute")
    common.use_conductor_for_objects()
    server = service.Service.create(binary="nova-compute", topic=compute_rpcapi.RPC_TOPIC)
    return common.run(server)


if __name__ == "__main__":
    sys.exit(main())
