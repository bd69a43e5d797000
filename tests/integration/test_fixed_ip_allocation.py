"""Flat-network address allocation on every database backend: racing writers never share.

The conductor-side code of FixedIP runs in threads against SQLite, MariaDB and
PostgreSQL; the unique constraints and oslo.db's duplicate-entry parsing are
what keep addresses and MACs unique.
"""

import concurrent.futures
import threading
import uuid

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db import migration
from nova import exception
from nova import objects

objects.register_all()
NET = "4b8d6f4e-2a0c-4c56-9d0b-6f5a0e6a9c11"


@pytest.fixture
def ctxt(any_db_url):
    migration.db_sync("api", url=any_db_url)
    with api_db.use_connection(any_db_url):
        yield nova_context.get_admin_context()


def _uuid():
    return str(uuid.uuid4())


def test_racing_allocations_get_distinct_addresses(ctxt):
    start = threading.Event()

    def allocate(_n):
        start.wait(10)
        try:
            return str(objects.FixedIP.associate_pool(
                ctxt, NET, "192.0.2.10", "192.0.2.19", _uuid(), _uuid(), retries=40).address)
        except exception.NoMoreFixedIps:
            return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(allocate, n) for n in range(14)]
        start.set()
        results = [f.result() for f in futures]
    got = sorted(r for r in results if r)
    assert got == ["192.0.2.%d" % i for i in range(10, 20)]
    assert results.count(None) == 4
    rows = objects.FixedIPList.get_by_network(ctxt, NET)
    assert len({r.mac_address for r in rows}) == 10


def test_duplicates_are_refused_with_novas_errors(ctxt):
    first = objects.FixedIP.associate(ctxt, NET, "192.0.2.5", _uuid(), _uuid(),
                                      mac_address="fa:16:3e:00:00:05")
    with pytest.raises(exception.FixedIpAlreadyInUse):
        objects.FixedIP.associate(ctxt, NET, "192.0.2.5", _uuid(), _uuid())
    with pytest.raises(exception.VirtualInterfaceMacAddressException):
        objects.FixedIP.associate(ctxt, NET, "192.0.2.6", _uuid(), _uuid(),
                                  mac_address="fa:16:3e:00:00:05")
    first.destroy()
    again = objects.FixedIP.associate(ctxt, NET, "192.0.2.5", _uuid(), _uuid())
    assert str(again.address) == "192.0.2.5"
    assert objects.FixedIPList.release_by_instance_uuid(ctxt, again.instance_uuid) == 1
