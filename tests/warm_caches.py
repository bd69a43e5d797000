"""Build, before the tests ask for them, the caches the real-service tests fill on first use.

On a fresh machine the first test of a real-service module would otherwise
spend minutes installing its service from PyPI (or building its guest) while
it holds a pytest-xdist worker. tools/run-tests.sh runs this module in the
background when pytest starts, so the downloads overlap the unit and
functional tests:

    python -m tests.warm_caches

Every step is the one the fixture itself calls, behind the same file lock and
marker, so a test that gets there first simply waits for (or does) the same
work, and a step that fails here fails there again with its own message.
A new real-service module whose fixture installs or builds something (a
virtualenv, a Go binary, a guest image) adds its step to ``STEPS``.
"""

import os
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def neighbours_venv():
    """Keystone, Glance, Neutron, Placement (tests/integration/neighbours_fixture.py)."""
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "neighbours.py"), "install"],
                   check=True, capture_output=True, timeout=1800)


def keystone_venv():
    """Keystone alone (tests/integration/keystone_fixture.py)."""
    from tests.integration import keystone_fixture
    keystone_fixture.ensure_venv()


def libvirt_guest():
    """Debian's kernel and a busybox initramfs (tests/libvirt_guest.py)."""
    from tests import libvirt_guest as guest
    guest.build()


STEPS = (neighbours_venv, keystone_venv, libvirt_guest)


def main():
    results = {}

    def run(step):
        start = time.monotonic()
        try:
            step()
            results[step.__name__] = "ok %.1fs" % (time.monotonic() - start)
        except Exception as exc:  # noqa: BLE001 - the test reports it again
            results[step.__name__] = "failed after %.1fs: %r" % (
                time.monotonic() - start, exc)

    threads = [threading.Thread(target=run, args=(step,)) for step in STEPS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, result in results.items():
        print("warm %s: %s" % (name, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
