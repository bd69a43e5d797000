"""nova.db.migration on SQLite: sync, version, and the errors a person sees."""

import socket

import pytest
import sqlalchemy as sa

import nova.conf
from nova.db import migration
from nova import exception

CONF = nova.conf.CONF


def _tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("database, table", [("api", "cell_mappings"), ("main", "instances")])
def test_sync_creates_the_schema_and_reports_its_version(tmp_path, database, table):
    url = "sqlite:///%s" % (tmp_path / "db.sqlite")
    assert migration.db_version(database, url=url) is None
    migration.db_sync(database, url=url)
    head = migration.head_revision(database)
    assert migration.db_version(database, url=url) == head
    assert table in _tables(url)
    assert "alembic_version" in _tables(url)
    migration.db_sync(database, url=url)  # a second run changes nothing
    migration.db_sync(database, version=head, url=url)
    assert migration.db_version(database, url=url) == head


def test_sync_uses_the_configured_connection(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "api.sqlite")
    CONF.set_override("connection", url, group="api_database")
    try:
        migration.db_sync("api")
        assert migration.db_version("api") == migration.head_revision("api")
    finally:
        CONF.clear_override("connection", group="api_database")


def test_unconfigured_database():
    CONF.set_override("connection", None, group="api_database")
    try:
        with pytest.raises(exception.DatabaseNotConfigured):
            migration.db_sync("api")
    finally:
        CONF.clear_override("connection", group="api_database")


def test_unknown_database_and_version(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "db.sqlite")
    with pytest.raises(exception.Invalid):
        migration.db_sync("nope", url=url)
    with pytest.raises(exception.Invalid) as err:
        migration.db_sync("main", version="deadbeef", url=url)
    assert "deadbeef" in err.value.format_message()


def test_wrong_urls_fail_fast_with_a_clear_message():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    CONF.set_override("max_retries", 1, group="database")
    CONF.set_override("retry_interval", 0, group="database")
    try:
        with pytest.raises(migration.DatabaseConnectionFailed) as err:
            migration.db_sync("main", url="mysql+pymysql://nova:pw@127.0.0.1:%d/nova" % port)
        message = err.value.format_message()
        assert "cell database" in message
        assert "pw" not in message  # the password is masked
        with pytest.raises(migration.DatabaseConnectionFailed):
            migration.db_version("main", url="not a url")
    finally:
        CONF.clear_override("max_retries", group="database")
        CONF.clear_override("retry_interval", group="database")
