"""Fixtures shared by every test suite."""

import pytest

# First: nova picks the concurrency backend (oslo.service's threading one)
# before any test module imports an oslo library that would pick eventlet.
import nova  # noqa: F401,E402

from nova import wsgi_server  # noqa: E402
from tests import realparts  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def quick_server_stop():
    """Servers in the test process poll for shutdown every 50 ms, not every 500 ms.

    cheroot's accept loop checks its stop flag between select() calls whose
    timeout is the server's ``expiration_interval``; stopping a server waits
    for that. Every functional test stops one to three servers (compute API,
    Placement, image store), so the default 0.5 s was most of a short test's
    time. Requests are served as before: select() returns as soon as a
    connection is ready either way.
    """
    server_class = wsgi_server._CherootServer
    original = server_class.expiration_interval
    server_class.expiration_interval = 0.05
    try:
        yield
    finally:
        server_class.expiration_interval = original


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
