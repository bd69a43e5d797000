"""The API database's engine facade."""

import contextlib

from oslo_db.sqlalchemy import enginefacade

import nova.conf
from nova.db import facade
from nova import exception

CONF = nova.conf.CONF

context_manager = enginefacade.transaction_context()
_configured = False
# A private transaction context that replaces the configured one while set
# (see use_connection()); tests and tools point the API database elsewhere.
_override = None


def configure(conf=CONF):
    """Bind the facade to [api_database]; done once per process."""
    global _configured
    if _configured:
        return
    if not conf.api_database.connection:
        raise exception.DatabaseNotConfigured(database="API", group="api_database")
    facade.configure(context_manager, **facade.facade_kwargs(conf.api_database))
    _configured = True


def reset():
    """Dispose of the configured engines and forget them: the next query
    configures the facade again from [api_database] as it is then.

    For a process that runs several nova-manage commands, each with its own
    configuration (nova/cmd/manage.py main()).
    """
    global context_manager, _configured
    context_manager.dispose_pool()
    context_manager = enginefacade.transaction_context()
    _configured = False


def get_context_manager():
    """The transaction context API-database queries run in."""
    if _override is not None:
        return _override
    configure()
    return context_manager


@contextlib.contextmanager
def use_connection(connection, **kwargs):
    """Send API-database queries to ``connection`` inside the block.

    Yields the private transaction context; the previous one is restored and
    the private engine disposed of afterwards.
    """
    global _override
    previous = _override
    ctxt_mgr = facade.new_transaction_context(connection, **kwargs)
    _override = ctxt_mgr
    try:
        yield ctxt_mgr
    finally:
        _override = previous
        ctxt_mgr.writer.get_engine().dispose()


def get_engine():
    return get_context_manager().writer.get_engine()


def reader(fn):
    """Decorate a query function taking ``context`` first: read transaction."""
    def wrapper(context, *args, **kwargs):
        return get_context_manager().reader(fn)(context, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def writer(fn):
    """Decorate a query function taking ``context`` first: write transaction."""
    def wrapper(context, *args, **kwargs):
        return get_context_manager().writer(fn)(context, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
