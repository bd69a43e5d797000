"""The cell database's engine facades and the per-context choice between them.

A RequestContext targeted at a cell (nova.context.target_cell) carries that
cell's transaction context in ``db_connection``; everything else uses the
one configured by [database].
"""

import functools

from oslo_db.sqlalchemy import enginefacade

import nova.conf
from nova.db import facade
from nova import exception

CONF = nova.conf.CONF

# nova-compute sets this: any cell database access then fails loudly, so the
# conductor stays the only gateway to SQL for compute hosts.
DISABLE_DB_ACCESS = False

main_context_manager = enginefacade.transaction_context()
_configured = False


def configure(conf=CONF):
    global _configured
    if _configured:
        return
    if not conf.database.connection:
        raise exception.DatabaseNotConfigured(database="cell", group="database")
    facade.configure(main_context_manager, **facade.facade_kwargs(conf.database))
    _configured = True


def reset():
    """Dispose of the [database] engines and forget them: the next query
    configures the facade again from [database] as it is then (see
    nova.db.api.api.reset())."""
    global main_context_manager, _configured
    main_context_manager.dispose_pool()
    main_context_manager = enginefacade.transaction_context()
    _configured = False


def create_context_manager(connection):
    """A transaction context for one cell's database URL."""
    kwargs = facade.facade_kwargs(CONF.database)
    kwargs.pop("connection", None)
    kwargs.pop("slave_connection", None)
    return facade.new_transaction_context(connection, **kwargs)


def _check_allowed():
    if DISABLE_DB_ACCESS:
        raise exception.DBNotAllowed(binary="nova-compute")


def get_context_manager(context):
    """The transaction context ``context`` is targeted at."""
    _check_allowed()
    if context is not None and getattr(context, "db_connection", None) is not None:
        return context.db_connection
    configure()
    return main_context_manager


def get_engine(context=None):
    return get_context_manager(context).writer.get_engine()


def _pick(kind):
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(context, *args, **kwargs):
            ctxt_mgr = get_context_manager(context)
            return getattr(ctxt_mgr, kind)(fn)(context, *args, **kwargs)
        return wrapper
    return decorator


reader = _pick("reader")
writer = _pick("writer")
