"""A private API database and cell database (SQLite files) for one test."""

import pytest

import nova.conf
from nova.db.api import api as api_db
from nova.db import facade
from nova.db.main import api as main_db
from tests import dbfixtures

CONF = nova.conf.CONF


class Databases:
    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.api_url = "sqlite:///%s" % (tmp_path / "nova_api.sqlite")
        self.main_url = "sqlite:///%s" % (tmp_path / "nova.sqlite")

    def cell_url(self, name):
        return "sqlite:///%s" % (self.dir / ("%s.sqlite" % name))


@pytest.fixture
def databases(tmp_path, monkeypatch):
    """Both databases migrated, and the process facades pointed at them."""
    dbs = Databases(tmp_path)
    CONF.set_override("connection", dbs.api_url, group="api_database")
    CONF.set_override("connection", dbs.main_url, group="database")
    # Both files are copies of templates migrated once per test process.
    dbfixtures.sqlite_copy("api", tmp_path / "nova_api.sqlite")
    dbfixtures.sqlite_copy("main", tmp_path / "nova.sqlite")
    api_ctx = facade.new_transaction_context(dbs.api_url)
    main_ctx = facade.new_transaction_context(dbs.main_url)
    monkeypatch.setattr(api_db, "context_manager", api_ctx)
    monkeypatch.setattr(api_db, "_configured", True)
    monkeypatch.setattr(main_db, "main_context_manager", main_ctx)
    monkeypatch.setattr(main_db, "_configured", True)
    try:
        yield dbs
    finally:
        CONF.clear_override("connection", group="api_database")
        CONF.clear_override("connection", group="database")
        for ctx in (api_ctx, main_ctx):
            ctx.dispose_pool()
