"""``python -m nova.image.store --config-file nova.conf``: the image store as its own process.

Serves ``[image_store] data_dir`` on ``[image_store] listen``:``port`` until
SIGTERM; nova's daemons reach it through ``[glance] endpoint_override``.
"""

import os
import sys

from oslo_service import service as oslo_service

from nova.cmd import common
import nova.conf

CONF = nova.conf.CONF


class StoreService(oslo_service.ServiceBase):
    def __init__(self):
        self.running = None

    def start(self):
        from nova.image import store
        os.makedirs(CONF.image_store.data_dir, exist_ok=True)
        self.running = store.serve()

    def stop(self):
        if self.running is not None:
            self.running.stop()
            self.running = None

    def wait(self):
        pass

    def reset(self):
        pass


def main(argv=None):
    common.parse_args(sys.argv if argv is None else argv, "image-store", init_rpc=False)
    return common.run(StoreService())


if __name__ == "__main__":
    sys.exit(main())
