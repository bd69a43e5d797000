"""Helpers shared by the nova-manage command modules."""

import sys

import prettytable

from nova import exception


def forget_connections():
    """Close and forget the databases, cell connections and service sessions
    a command used.

    nova-manage's and nova-status's main() call it on entry and exit: main()
    may be called again in one process (a test runner, a set-up script), each
    time with its own configuration, and starts as a new process would.
    """
    from nova import context
    from nova.db.api import api as api_db
    from nova.db.main import api as main_db
    from nova import service_auth

    api_db.reset()
    main_db.reset()
    context.clear_cell_cache()
    service_auth.reset()


def args(*names, **kwargs):
    """Declare one command-line argument of a nova-manage command method.

    The parsed value is passed to the method as the keyword named by
    ``dest`` (default: the option's name). Internally argparse stores it
    under an ``arg_`` prefix so it cannot clash with a global option such as
    --version or transport_url.
    """
    positional = not names[0].startswith("-")
    param = kwargs.pop("dest", None) or names[-1].lstrip("-").replace("-", "_")
    if positional:
        kwargs.setdefault("metavar", param.upper())
        names = ("arg_" + param,)
    else:
        kwargs["dest"] = "arg_" + param

    def decorator(fn):
        fn.__dict__.setdefault("cli_args", []).insert(0, (names, kwargs, param))
        return fn
    return decorator


def one_line(exc):
    """A single-line description of ``exc`` (the database driver's message if any)."""
    inner = exc
    for attr in ("inner_exception", "orig"):
        nested = getattr(inner, attr, None)
        if nested is not None and nested is not inner:
            inner = nested
    if isinstance(exc, exception.NovaException):
        text = exc.format_message()
    else:
        text = str(inner)
    text = text.split("(Background on this error at")[0]
    text = text.split("[SQL:")[0]
    text = " ".join(text.split())
    return text or type(exc).__name__


def error(message):
    """The one line on stderr that explains why a command failed."""
    print("ERROR: %s" % " ".join(str(message).split()), file=sys.stderr)


def print_table(headers, rows, sortby=None):
    table = prettytable.PrettyTable(headers)
    for row in rows:
        table.add_row(row)
    if sortby:
        table.sortby = sortby
    print(table)
