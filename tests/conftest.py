"""Fixtures shared by every test suite."""

import pytest

# First: nova picks the concurrency backend (oslo.service's threading one)
# before any test module imports an oslo library that would pick eventlet.
import nova  # noqa: F401,E402

from nova import wsgi_server  # noqa: E402
from tests import realparts  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def quick_stops():
    """In-process servers notice a stop within 50-100 ms instead of 0.5-1 s.

    Only polling intervals change; nothing is served or handled differently:

    - cheroot's accept loop checks its stop flag between select() calls whose
      timeout is the server's ``expiration_interval`` (0.5 s); select() still
      returns at once for a ready connection.
    - futurist's idle pool threads (oslo.messaging's RPC executor) look for
      a stop between waits of ``MAX_IDLE_FOR`` (1 s) on their work queue; work
      is still picked up the moment it is queued.

    Every functional test stops one to three servers (compute API, Placement,
    image store) and the boot tests four RPC services, so those waits were
    most of a short test's time.
    """
    from futurist import _thread as futurist_thread

    patched = [(wsgi_server._CherootServer, "expiration_interval", 0.05),
               (futurist_thread.ThreadWorker, "MAX_IDLE_FOR", 0.1)]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _v in patched]
    for owner, name, value in patched:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in originals:
            setattr(owner, name, value)


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
