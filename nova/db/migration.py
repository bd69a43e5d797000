"""Schema migrations of the API and cell databases (alembic, one environment each).

``db_sync`` brings a database to a revision (head by default); ``db_version``
tells where it stands. Both build their own short-lived engine, so a command
like nova-manage never needs the process-wide engine facades.

alembic is imported by the functions that use it: most nova-manage commands
(and every daemon that imports this module through nova.objects) never
migrate, and alembic costs a tenth of a CPU second to import.
"""

import os

from oslo_db.sqlalchemy import engines
from sqlalchemy.engine import url as sa_url

import nova.conf
from nova import exception

CONF = nova.conf.CONF

DATABASES = ("main", "api")
_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPT_DIRS = {
    "api": os.path.join(_HERE, "api", "migrations"),
    "main": os.path.join(_HERE, "main", "migrations"),
}


class DatabaseConnectionFailed(exception.NovaException):
    msg_fmt = "Cannot connect to the %(database)s database at %(url)s: %(reason)s"


def _mask(url):
    try:
        return sa_url.make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even parseable: show it as given
        return url


def _reason(exc):
    inner = getattr(exc, "inner_exception", None) or exc
    inner = getattr(inner, "orig", None) or inner
    text = str(inner).split("(Background on this error at")[0]
    return " ".join(text.split()) or type(exc).__name__


def _check_database(database):
    if database not in DATABASES:
        raise exception.Invalid("Unknown database %r: expected one of %s"
                                % (database, ", ".join(DATABASES)))


def _group(database):
    return CONF.api_database if database == "api" else CONF.database


def configured_url(database):
    """The URL [api_database] or [database] names; raises when unset."""
    _check_database(database)
    url = _group(database).connection
    if not url:
        if database == "api":
            raise exception.DatabaseNotConfigured(database="API", group="api_database")
        raise exception.DatabaseNotConfigured(database="cell", group="database")
    return url


def create_engine(database="main", url=None):
    """A private engine for ``url`` (default: the configured one).

    Connection retries follow the group's max_retries/retry_interval, which
    nova-manage lowers so a wrong URL fails quickly.
    """
    _check_database(database)
    group = _group(database)
    url = url or configured_url(database)
    try:
        return engines.create_engine(
            url,
            mysql_sql_mode=getattr(group, "mysql_sql_mode", "TRADITIONAL"),
            max_retries=group.max_retries,
            retry_interval=group.retry_interval,
            sqlite_synchronous=getattr(group, "sqlite_synchronous", True),
        )
    except Exception as exc:  # bad URL, missing driver, nothing listening, no such DB
        raise DatabaseConnectionFailed(database="API" if database == "api" else "cell",
                                       url=_mask(url), reason=_reason(exc))


def _alembic_config(database, connection=None):
    from alembic import config as alembic_config
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", _SCRIPT_DIRS[database])
    cfg.attributes["connection"] = connection
    cfg.attributes["nova_database"] = database
    return cfg


def script_directory(database):
    from alembic import script as alembic_script
    _check_database(database)
    return alembic_script.ScriptDirectory.from_config(_alembic_config(database))


def head_revision(database="main"):
    """The newest revision shipped for ``database``."""
    return script_directory(database).get_current_head()


def db_sync(database="main", version=None, url=None):
    """Upgrade ``database`` to ``version`` (default: head). Re-running is a no-op."""
    from alembic import command as alembic_command
    from alembic import migration as alembic_migration
    from alembic.util import exc as alembic_exc
    _check_database(database)
    target = version or "head"
    engine = create_engine(database, url)
    try:
        with engine.begin() as conn:
            cfg = _alembic_config(database, conn)
            current = alembic_migration.MigrationContext.configure(conn).get_current_revision()
            script = script_directory(database)
            try:
                wanted = script.get_revision(target)
            except alembic_exc.CommandError as exc:
                raise exception.Invalid("Unknown %s database version %r: %s"
                                        % (database, version, exc))
            if current is not None and wanted is not None and current != wanted.revision:
                ancestors = {r.revision for r in script.iterate_revisions(current, "base")}
                if wanted.revision in ancestors:
                    raise exception.Invalid(
                        "The %s database is at version %s, newer than %s; downgrades "
                        "are not supported" % (database, current, wanted.revision))
            alembic_command.upgrade(cfg, target)
    finally:
        engine.dispose()


def db_version(database="main", url=None):
    """The current revision of ``database``, or None when it was never synced."""
    from alembic import migration as alembic_migration
    _check_database(database)
    engine = create_engine(database, url)
    try:
        with engine.connect() as conn:
            return alembic_migration.MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def run_env():
    """The body of each migrations/env.py (alembic loads and runs it)."""
    from alembic import context as alembic_context
    cfg = alembic_context.config
    connection = cfg.attributes.get("connection")
    if alembic_context.is_offline_mode():
        alembic_context.configure(url=cfg.get_main_option("sqlalchemy.url"),
                                  literal_binds=True)
        with alembic_context.begin_transaction():
            alembic_context.run_migrations()
        return
    if connection is None:
        # Run by the plain alembic command line: build an engine from the URL.
        database = cfg.attributes.get("nova_database", "main")
        engine = create_engine(database, cfg.get_main_option("sqlalchemy.url"))
        try:
            with engine.begin() as conn:
                _run_online(conn)
        finally:
            engine.dispose()
        return
    _run_online(connection)


def _run_online(connection):
    from alembic import context as alembic_context
    # Batch mode lets later revisions ALTER tables on SQLite.
    alembic_context.configure(connection=connection, render_as_batch=True)
    with alembic_context.begin_transaction():
        alembic_context.run_migrations()
