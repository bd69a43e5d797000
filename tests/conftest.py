"""Fixtures shared by every test suite."""

import pytest

# First: nova picks the concurrency backend (oslo.service's threading one)
# before any test module imports an oslo library that would pick eventlet.
import nova  # noqa: F401,E402

from tests import realparts


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
