"""``python -m nova.image.store --config-file nova.conf``: the image store as its own process.

Serves ``[image_store] data_dir`` on ``[image_store] listen``:``port`` until
SIGTERM; nova's daemons reach it through ``[glance] endpoint_override``.
"""

import sys

from nova.cmd import common
from nova.image import store


def main(argv=None):
    common.parse_args(sys.argv if argv is None else argv, "image-store", init_rpc=False)
    return common.run(store.ImageStoreService())


if __name__ == "__main__":
    sys.exit(main())
