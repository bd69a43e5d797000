"""Fixtures shared by every test suite."""

import pytest

# First: nova picks the concurrency backend (oslo.service's threading one)
# before any test module imports an oslo library that would pick eventlet.
import nova  # noqa: F401,E402

from nova import wsgi_server  # noqa: E402
from tests import osc_session  # noqa: E402
from tests import realparts  # noqa: E402


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``: modules (or xdist groups of them) longest first
    (tests/xdist_order.py); other ``--dist`` modes are xdist's own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests import xdist_order
    return xdist_order.CostOrderedScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def quick_stops():
    """In-process HTTP servers notice a stop within 50 ms instead of 0.5 s.

    Only a polling interval changes; nothing is served differently: cheroot's
    accept loop checks its stop flag between select() calls whose timeout is
    the server's public ``expiration_interval`` (0.5 s); select() still
    returns at once for a ready connection. Every functional test stops one to
    three servers (compute API, Placement, image store), so that wait was most
    of a short test's time.
    """
    patched = [(wsgi_server._CherootServer, "expiration_interval", 0.05)]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _v in patched]
    for owner, name, value in patched:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in originals:
            setattr(owner, name, value)


@pytest.fixture(scope="session", autouse=True)
def shared_cli():
    """The ``openstack`` CLI process the tests of this process share
    (tests/osc_session.py) stops with them."""
    try:
        yield
    finally:
        osc_session.close_shared()


@pytest.fixture
def mysql_db():
    db = realparts.MySQLDatabase()
    yield db
    db.drop()


@pytest.fixture
def postgres_db():
    db = realparts.PostgresDatabase()
    yield db
    db.drop()


@pytest.fixture
def rabbit_vhost():
    vhost = realparts.RabbitVhost()
    yield vhost
    vhost.delete()


@pytest.fixture
def sqlite_url(tmp_path):
    return "sqlite:///%s" % (tmp_path / "nova.sqlite")


@pytest.fixture(params=["sqlite", "mysql", "postgresql"])
def any_db_url(request, tmp_path):
    """A fresh empty database URL on each supported backend."""
    if request.param == "sqlite":
        yield "sqlite:///%s" % (tmp_path / "db.sqlite")
        return
    db = (realparts.MySQLDatabase() if request.param == "mysql"
          else realparts.PostgresDatabase())
    yield db.url
    db.drop()
