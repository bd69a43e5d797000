"""Engine-facade helpers shared by the API and cell database layers."""

from oslo_db import options as oslo_db_options
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy
from sqlalchemy.engine import make_url

from nova import concurrency

# How long a SQLite connection waits for another one's lock (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30000


def facade_kwargs(group):
    """enginefacade.configure() arguments from an oslo.config DB group."""
    names = ("connection", "slave_connection", "sqlite_synchronous", "mysql_sql_mode",
             "connection_recycle_time", "connection_debug", "max_pool_size",
             "max_overflow", "pool_timeout", "connection_trace", "max_retries",
             "retry_interval", "connection_parameters")
    kwargs = {}
    for name in names:
        if hasattr(group, name):
            value = getattr(group, name)
            if value is not None:
                kwargs[name] = value
    return kwargs


def configure(ctxt, **kwargs):
    """Configure an enginefacade transaction context.

    A SQLite file gets what several threads and processes writing at once
    need (the all-in-one runs every service in one process): WAL journaling,
    a busy timeout, and writer transactions that take the write lock when they
    begin (BEGIN IMMEDIATE), so a transaction never fails half-way when it
    upgrades from reading to writing. Readers get an engine of their own whose
    transactions stay deferred, so reads never wait for the write lock.
    """
    # oslo.db's checkin hook sleeps to let other eventlet green threads run;
    # under OS threads it only hands the GIL away on every transaction (the
    # conductor's build loop waited on it), so it is kept for eventlet only.
    kwargs.setdefault("thread_checkin", concurrency.selected() == "eventlet")
    url = kwargs.get("connection")
    if _is_sqlite_file(url):
        kwargs.setdefault("slave_connection", url)
        kwargs["synchronous_reader"] = False
        created = []

        def tune(engine):
            # enginefacade builds the writer engine first, then the reader.
            _tune_sqlite(engine, immediate=not created)
            created.append(engine)

        ctxt.append_on_engine_create(tune)
    ctxt.configure(**kwargs)
    return ctxt


def new_transaction_context(connection=None, **kwargs):
    """A private, non-global transaction context bound to one URL."""
    if connection:
        kwargs["connection"] = connection
    return configure(enginefacade.transaction_context(), **kwargs)


def _is_sqlite_file(url):
    if not url:
        return False
    try:
        parsed = make_url(url)
    except Exception:
        return False
    return (parsed.get_backend_name() == "sqlite"
            and parsed.database not in (None, "", ":memory:"))


def _tune_sqlite(engine, immediate):
    def on_connect(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = %d" % SQLITE_BUSY_TIMEOUT_MS)
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    sqlalchemy.event.listen(engine, "connect", on_connect)
    if immediate:
        # oslo.db turns pysqlite's implicit transactions off and emits a plain
        # (deferred) BEGIN itself; the writer engine emits BEGIN IMMEDIATE
        # instead, keeping oslo.db's "in_transaction" bookkeeping.
        for listener in list(engine.dispatch.begin):
            if getattr(listener, "__name__", "") == "_sqlite_emit_begin":
                sqlalchemy.event.remove(engine, "begin", listener)

        def on_begin(conn):
            if "in_transaction" not in conn.info:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.info["in_transaction"] = True

        sqlalchemy.event.listen(engine, "begin", on_begin)
    # oslo.db connected once to test the URL, before these listeners existed.
    engine.dispose()


# Keep oslo.db's [database] options registered even when nothing else did.
__all__ = ["configure", "facade_kwargs", "new_transaction_context", "oslo_db_options"]
