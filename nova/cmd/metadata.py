"""nova-api-metadata: the metadata API instances read (cloud-init)."""

import sys

from nova.cmd import common
from nova import service


def main():
    common.parse_args(sys.argv, "nova-api-metadata")
    return common.run(service.WSGIService("metadata"))


if __name__ == "__main__":
    sys.exit(main())
