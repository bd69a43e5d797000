"""Engine-facade helpers shared by the API and cell database layers."""

from oslo_db import options as oslo_db_options
from oslo_db.sqlalchemy import enginefacade


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


def new_transaction_context(connection=None, **kwargs):
    """A private, non-global transaction context bound to one URL."""
    ctxt = enginefacade.transaction_context()
    if connection:
        kwargs["connection"] = connection
    ctxt.configure(**kwargs)
    return ctxt


# Keep oslo.db's [database] options registered even when nothing else did.
__all__ = ["facade_kwargs", "new_transaction_context", "oslo_db_options"]
