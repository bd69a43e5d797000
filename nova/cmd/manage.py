"""nova-manage: the operator's tool for databases and cells v2.

    nova-manage [--config-file F] [--config-dir D] <category> <command> [args]

Categories: ``db``, ``api_db`` (nova/cmd/manage_db.py), ``cell_v2``
(nova/cmd/manage_cells.py) and ``placement`` (nova/cmd/manage_placement.py). A failure prints one ``ERROR: ...`` line on
stderr and exits non-zero; a traceback is shown only with --debug.
"""

import sys
import traceback
import warnings

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy.exc

import nova.conf
from nova.cmd.manage_utils import error, forget_connections, one_line
from nova import config
from nova import exception
from nova import version

CONF = nova.conf.CONF

# Quiet libraries whose warnings would bury the one line an operator needs.
_LOG_LEVELS = ["oslo_db=ERROR", "alembic=WARNING", "oslo_concurrency=INFO",
               "oslo_policy=INFO", "oslo.privsep=ERROR", "kombu=ERROR", "amqp=ERROR",
               "py.warnings=ERROR"]

# Exit code for an error no command anticipated (upstream uses 255 too).
UNEXPECTED_ERROR = 255


def _categories():
    from nova.cmd import manage_cells
    from nova.cmd import manage_db
    from nova.cmd import manage_placement
    return {
        "db": manage_db.DbCommands,
        "api_db": manage_db.ApiDbCommands,
        "cell_v2": manage_cells.CellV2Commands,
        "placement": manage_placement.PlacementCommands,
    }


def _add_command_parsers(subparsers):
    """Build ``<category> <command> [args]`` from the command classes."""
    for category, cls in _categories().items():
        command_object = cls()
        cat_parser = subparsers.add_parser(category, help=cls.__doc__)
        cat_parser.set_defaults(command_object=command_object)
        actions = cat_parser.add_subparsers(dest="action", metavar="<action>")
        actions.required = True
        for name in sorted(dir(cls)):
            if name.startswith("_"):
                continue
            fn = getattr(command_object, name)
            if not callable(fn) or not hasattr(fn, "cli_args"):
                continue
            doc = (fn.__doc__ or "").strip().splitlines()
            parser = actions.add_parser(name, help=doc[0] if doc else None,
                                        description=fn.__doc__)
            for args, kwargs, _dest in fn.cli_args:
                parser.add_argument(*args, **kwargs)
            parser.set_defaults(action_fn=fn,
                                action_kwargs=[dest for _a, _kw, dest in fn.cli_args])


category_opt = cfg.SubCommandOpt("category", title="Command categories",
                                 help="Available categories",
                                 handler=_add_command_parsers)


def _shorten_db_retries():
    # A wrong URL should fail in a second, not after the daemons' patient retries.
    for group in ("database", "api_database"):
        CONF.set_override("max_retries", 1, group=group)
        CONF.set_override("retry_interval", 0, group=group)


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    forget_connections()
    try:
        return _main(argv)
    finally:
        forget_connections()


def _main(argv):
    try:
        CONF.register_cli_opt(category_opt)
    except cfg.ArgsAlreadyParsedError:  # main() called again in one process
        CONF.clear()
        CONF.register_cli_opt(category_opt)
    config.register_logging(CONF)
    from nova import rpc  # transport_url and the other messaging options
    rpc.register_opts(CONF)
    try:
        CONF(argv[1:], project="nova", version=version.version_string())
    except cfg.Error as exc:
        error(one_line(exc))
        return 1
    debug = CONF.debug
    if not debug:
        warnings.simplefilter("ignore")
    logging.set_defaults(default_log_levels=logging.get_default_log_levels() + _LOG_LEVELS)
    logging.setup(CONF, "nova")
    _shorten_db_retries()

    from nova import objects
    objects.register_all()

    try:
        fn = CONF.category.action_fn
        kwargs = {name: getattr(CONF.category, "arg_" + name)
                  for name in CONF.category.action_kwargs}
        ret = fn(**kwargs)
        return 0 if ret is None else ret
    except exception.DatabaseNotConfigured as exc:
        error(exc.format_message())
        return 1
    except (db_exc.DBError, sqlalchemy.exc.SQLAlchemyError) as exc:
        if debug:
            traceback.print_exc()
        error("Database error: %s" % one_line(exc))
        return 1
    except exception.NovaException as exc:
        if debug:
            traceback.print_exc()
        error(one_line(exc))
        return 1
    except KeyboardInterrupt:
        error("Interrupted")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        error("An unexpected error occurred (%s): %s" % (type(exc).__name__, one_line(exc)))
        return UNEXPECTED_ERROR


if __name__ == "__main__":
    sys.exit(main())
