"""[database] and [api_database]: the cell database and the API database."""

from oslo_config import cfg
from oslo_db import options as oslo_db_options

api_db_group = cfg.OptGroup("api_database", title="API database",
                            help="The API database: flavors, key pairs, aggregates, "
                                 "request specs and the cell/host/instance mappings.")

# The API database takes the same knobs oslo.db defines for [database].
api_db_opts = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL of the API database, e.g. "
                    "mysql+pymysql://nova:secret@127.0.0.1/nova_api?charset=utf8"),
    cfg.StrOpt("connection_parameters", default="",
               help="Extra query parameters appended to the connection URL."),
    cfg.BoolOpt("sqlite_synchronous", default=True,
                help="Whether SQLite waits for writes to reach the disk."),
    cfg.StrOpt("slave_connection", secret=True,
               help="URL of a read-only replica of the API database."),
    cfg.StrOpt("mysql_sql_mode", default="TRADITIONAL",
               help="SQL mode set on MySQL sessions."),
    cfg.IntOpt("connection_recycle_time", default=3600,
               help="Seconds after which a pooled connection is replaced."),
    cfg.IntOpt("max_pool_size", default=5, help="Most connections kept in the pool."),
    cfg.IntOpt("max_retries", default=10,
               help="Connection attempts at start-up; -1 retries forever."),
    cfg.IntOpt("retry_interval", default=10, help="Seconds between connection attempts."),
    cfg.IntOpt("max_overflow", help="Connections allowed beyond max_pool_size."),
    cfg.IntOpt("connection_debug", default=0, min=0, max=100,
               help="SQL debug output: 0 none, 100 everything."),
    cfg.BoolOpt("connection_trace", default=False,
                help="Add Python stack traces to SQL as comment strings."),
    cfg.IntOpt("pool_timeout", help="Seconds to wait for a pooled connection."),
]

# Nova sets its own default for the cell database when none is given.
oslo_db_options.set_defaults(cfg.CONF, connection=None)


def register_opts(conf):
    oslo_db_options.set_defaults(conf, connection=None)
    conf.register_group(api_db_group)
    conf.register_opts(api_db_opts, group=api_db_group)


def list_opts():
    return {api_db_group: api_db_opts, "database": oslo_db_options.database_opts}
