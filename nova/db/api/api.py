"""The API database's engine facade."""

from oslo_db.sqlalchemy import enginefacade

import nova.conf
from nova.db import facade
from nova import exception

CONF = nova.conf.CONF

context_manager = enginefacade.transaction_context()
_configured = False


def configure(conf=CONF):
    """Bind the facade to [api_database]; done once per process."""
    global _configured
    if _configured:
        return
    if not conf.api_database.connection:
        raise exception.DatabaseNotConfigured(database="API", group="api_database")
    context_manager.configure(**facade.facade_kwargs(conf.api_database))
    _configured = True


def get_engine():
    configure()
    return context_manager.writer.get_engine()


def reader(fn):
    """Decorate a query function taking ``context`` first: read transaction."""
    def wrapper(context, *args, **kwargs):
        configure()
        return context_manager.reader(fn)(context, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def writer(fn):
    """Decorate a query function taking ``context`` first: write transaction."""
    def wrapper(context, *args, **kwargs):
        configure()
        return context_manager.writer(fn)(context, *args, **kwargs)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
