"""The migrations build exactly the schema the models describe, on every backend.

For SQLite, MariaDB and PostgreSQL: upgrade an empty database to head, then
ask alembic's autogenerate to compare the live schema with the models'
metadata. The diff must be empty. No difference is filtered out: when one
appears, fix the model or the migration.
"""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from nova.db.api import models as api_models
from nova.db.main import models as main_models
from nova.db import migration

pytestmark = pytest.mark.integration

METADATA = {"api": api_models.ApiBase.metadata, "main": main_models.MainBase.metadata}


def _diff(url, metadata):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["api", "main"])
def test_models_match_migrations(any_db_url, database):
    assert migration.db_version(database, url=any_db_url) is None
    migration.db_sync(database, url=any_db_url)
    migration.db_sync(database, url=any_db_url)  # running it again is a no-op
    assert migration.db_version(database, url=any_db_url) == migration.head_revision(database)
    assert _diff(any_db_url, METADATA[database]) == []


def test_the_comparison_notices_a_difference(sqlite_url):
    """Guard against a comparison that could never fail."""
    migration.db_sync("api", url=sqlite_url)
    changed = sa.MetaData()
    for table in api_models.ApiBase.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["cell_mappings"].append_column(sa.Column("extra", sa.Integer))
    diff = _diff(sqlite_url, changed)
    assert [(op[0], op[2], op[3].name) for op in diff] == \
        [("add_column", "cell_mappings", "extra")]


@pytest.mark.parametrize("database", ["api", "main"])
def test_mysql_tables_are_innodb_utf8(mysql_db, database):
    migration.db_sync(database, url=mysql_db.url)
    engine = sa.create_engine(mysql_db.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT table_name, engine, table_collation FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_name != 'alembic_version'"),
                {"schema": mysql_db.name}).all()
    finally:
        engine.dispose()
    assert {r[0] for r in rows} == set(METADATA[database].tables)
    for name, engine_name, collation in rows:
        assert engine_name == "InnoDB", name
        assert collation.startswith("utf8"), (name, collation)
    if database == "api":
        assert dict((r[0], r[2]) for r in rows)["flavor_extra_specs"].endswith("_bin")
