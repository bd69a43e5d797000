"""Choose a process's concurrency backend before anything else is imported.

Native threads are the default. eventlet is chosen per process with the
NOVA_CONCURRENCY_BACKEND environment variable or ``[DEFAULT]
concurrency_backend`` in one of the ``--config-file``/``--config-dir`` files on
the command line (read here with configparser, because oslo.config itself
must not be imported before eventlet has patched the standard library).
"""

import configparser
import glob
import os
import sys

ENV_VAR = "NOVA_CONCURRENCY_BACKEND"
BACKENDS = ("threading", "eventlet")

_selected = None


def _config_files(argv):
    files = []
    args = list(argv)
    for i, arg in enumerate(args):
        for flag, is_dir in (("--config-file", False), ("--config-dir", True)):
            value = None
            if arg == flag and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(flag + "="):
                value = arg.split("=", 1)[1]
            if value is None:
                continue
            if is_dir:
                files.extend(sorted(glob.glob(os.path.join(value, "*.conf"))))
            else:
                files.append(value)
    return files


def requested_backend(argv=None, environ=None):
    """The backend asked for by the environment or the config files."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_VAR)
    if not value:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        for path in _config_files(sys.argv[1:] if argv is None else argv):
            try:
                parser.read(path)
            except configparser.Error:
                continue  # oslo.config reports the malformed file later
        value = parser.defaults().get("concurrency_backend")
    value = (value or "threading").strip().lower()
    return value if value in BACKENDS else "threading"


def _import_eventlet_without_green_dns():
    """Under native threads, import eventlet's green socket without green DNS.

    The oslo libraries import eventlet even in the threading backend
    (futurist does whenever it is installed). Its green socket module then
    imports eventlet's green DNS resolver and dnspython, about a fifth of a
    daemon's import time, for green sockets this backend never uses.
    eventlet reads EVENTLET_NO_GREENDNS when that module is first imported;
    the variable is set only for that import, so a child process that chooses
    eventlet keeps its green DNS.
    """
    if "eventlet.green.socket" in sys.modules:
        return
    saved = os.environ.get("EVENTLET_NO_GREENDNS")
    os.environ["EVENTLET_NO_GREENDNS"] = "yes"
    try:
        import eventlet.green.socket  # noqa: F401
    except ImportError:
        pass    # eventlet is not installed: nothing imports it
    finally:
        if saved is None:
            del os.environ["EVENTLET_NO_GREENDNS"]
        else:
            os.environ["EVENTLET_NO_GREENDNS"] = saved


def select(argv=None):
    """Pick the backend once; later calls return the first choice."""
    global _selected
    if _selected is not None:
        return _selected
    backend = requested_backend(argv)
    if backend == "eventlet":
        import eventlet
        eventlet.monkey_patch()
    else:
        _import_eventlet_without_green_dns()
    from oslo_service import backend as service_backend
    kind = (service_backend.BackendType.EVENTLET if backend == "eventlet"
            else service_backend.BackendType.THREADING)
    try:
        service_backend.init_backend(kind)
    except Exception:  # already chosen by an earlier import in this process
        pass
    _selected = backend
    return backend


def selected():
    return _selected
