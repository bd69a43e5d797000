"""nova-api: the compute API (and every other API listed in [DEFAULT] enabled_apis)."""

import sys

from nova.cmd import common
import nova.conf
from nova import service

CONF = nova.conf.CONF


def main():
    common.parse_args(sys.argv, "nova-api")
    apis = [api for api in CONF.enabled_apis if api in service.WSGIService.BINARIES]
    if not apis:
        sys.stderr.write("nova-api: no API to serve: [DEFAULT] enabled_apis lists none of "
                         "%s\n" % ", ".join(sorted(service.WSGIService.BINARIES)))
        return 1
    # Each API runs in [DEFAULT] <api>_workers processes (one per CPU unless set).
    service.serve_apis([service.WSGIService(api) for api in apis])
    return service.wait() or 0


if __name__ == "__main__":
    sys.exit(main())
