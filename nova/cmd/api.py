"""nova-api: the compute API (and every other API listed in [DEFAULT] enabled_apis)."""

import gc
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
    services = [service.WSGIService(api) for api in apis]
    # What is loaded by now (modules, configuration, the WSGI pipeline) lives
    # as long as the process: moved out of the cyclic collector's reach once,
    # so that the collections a large listing triggers do not walk it again
    # and again (and forked workers share it). The collector stays on.
    gc.collect()
    gc.freeze()
    # Each API runs in [DEFAULT] <api>_workers processes (one per CPU unless set).
    service.serve_apis(services)
    return service.wait() or 0


if __name__ == "__main__":
    sys.exit(main())
