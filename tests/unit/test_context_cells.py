"""Targeting cells and scatter-gather across them, with real SQLite cell databases."""

import socket
import threading
import time

import pytest

import nova.conf
from nova import context
from nova.db import migration
from nova.objects import cell_mapping as cell_obj
from nova.objects import compute_node as compute_obj
from tests.unit.db.test_cell_setup import make_compute

CONF = nova.conf.CONF


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def cells(tmp_path):
    # A down cell must fail at once rather than after oslo.db's ten retries.
    CONF.set_override("max_retries", 1, group="database")
    CONF.set_override("retry_interval", 0, group="database")
    result = []
    for index, name in enumerate(("alpha", "beta")):
        url = "sqlite:///%s" % (tmp_path / ("%s.sqlite" % name))
        migration.db_sync("main", url=url)
        result.append(cell_obj.CellMapping(
            uuid="%08d-0000-4000-8000-%012d" % (index + 1, index + 1), name=name,
            transport_url="fake://", database_connection=url))
    down = cell_obj.CellMapping(
        uuid="00000009-0000-4000-8000-000000000009", name="down", transport_url="fake://",
        database_connection="mysql+pymysql://nova:pw@127.0.0.1:%d/nova" % _closed_port())
    try:
        yield result[0], result[1], down
    finally:
        CONF.clear_override("max_retries", group="database")
        CONF.clear_override("retry_interval", group="database")


def _hosts(cctxt):
    return sorted(n.host for n in compute_obj.ComputeNodeList.get_all(cctxt))


def test_target_cell_reaches_each_cells_database(cells):
    alpha, beta, _down = cells
    ctxt = context.get_admin_context()
    with context.target_cell(ctxt, alpha) as cctxt:
        make_compute(cctxt, "a-host")
        assert cctxt.cell_uuid == alpha.uuid
    with context.target_cell(ctxt, beta) as cctxt:
        make_compute(cctxt, "b-host")
    # The original context is left untouched.
    assert ctxt.cell_uuid is None and ctxt.db_connection is None
    with context.target_cell(ctxt, alpha) as cctxt:
        assert _hosts(cctxt) == ["a-host"]
    with context.target_cell(ctxt, beta) as cctxt:
        assert _hosts(cctxt) == ["b-host"]


def test_scatter_gather_reports_a_down_cell_without_raising(cells):
    alpha, beta, down = cells
    ctxt = context.get_admin_context()
    with context.target_cell(ctxt, alpha) as cctxt:
        make_compute(cctxt, "a-host")
    start = time.monotonic()
    results = context.scatter_gather_cells(ctxt, [alpha, beta, down], 30, _hosts)
    assert time.monotonic() - start < 20
    assert results[alpha.uuid] == ["a-host"]
    assert results[beta.uuid] == []
    assert context.is_cell_failure_sentinel(results[down.uuid])
    assert not context.is_cell_failure_sentinel(results[alpha.uuid])


def test_a_slow_cell_does_not_hold_up_the_others(cells):
    alpha, beta, _down = cells
    release = threading.Event()

    def maybe_slow(cctxt):
        if cctxt.cell_uuid == beta.uuid:
            release.wait(10)
        return _hosts(cctxt)

    ctxt = context.get_admin_context()
    try:
        start = time.monotonic()
        results = context.scatter_gather_cells(ctxt, [alpha, beta], 0.5, maybe_slow)
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert elapsed < 5
    assert results[alpha.uuid] == []
    assert results[beta.uuid] is context.did_not_respond_sentinel


def test_scatter_gather_with_no_cells():
    assert context.scatter_gather_cells(context.get_admin_context(), [], 1, _hosts) == {}
