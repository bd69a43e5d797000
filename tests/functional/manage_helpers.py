"""Running the installed nova-manage / nova-status console scripts in tests."""

import atexit
import os
import subprocess
import sys
import threading

import nova.conf
from nova import context
from nova.db.api import api as api_db
from nova.objects import cell_setup
from tests import dbfixtures
from tests import manage_runner

CONF = nova.conf.CONF
BIN_DIR = os.path.dirname(sys.executable)


def script(name):
    path = os.path.join(BIN_DIR, name)
    return [path] if os.path.exists(path) else [sys.executable, "-m", "nova.cmd." +
                                                name.split("-")[1]]


def write_config(path, api_url, main_url, transport_url="fake://"):
    path.write_text(
        "[DEFAULT]\ntransport_url = %s\n[api_database]\nconnection = %s\n"
        "[database]\nconnection = %s\n" % (transport_url, api_url, main_url))
    return path


def run(name, config_file, *args, timeout=60):
    """``NAME --config-file CONFIG_FILE ARGS`` (nova-manage or nova-status):
    a CompletedProcess.

    The commands of a test process run one at a time in one process
    (tests/manage_runner.py), each as a new process would run it; with
    NOVA_TEST_MANAGE_PROCESSES=1 in the environment each runs in a process
    of the console script of its own.
    """
    if os.environ.get("NOVA_TEST_MANAGE_PROCESSES") == "1":
        return _process(name, config_file, *args, timeout=timeout)
    with _runner_lock:
        runner = _runners.get(name)
        if runner is None:
            # One process per console script: nova-manage and nova-status
            # each register their own "category" command-line option.
            runner = _runners[name] = manage_runner.ManageRunner()
            atexit.register(runner.close)
        # One command at a time (callers may run several from threads).
        return runner.run(["--config-file", str(config_file), *args], timeout=timeout,
                          script=name)


def _process(name, config_file, *args, timeout=60):
    env = dict(os.environ)
    env.pop("OS_DEBUG", None)
    proc = subprocess.run(script(name) + ["--config-file", str(config_file), *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)
    return proc


_runners = {}       # console script name -> its ManageRunner
_runner_lock = threading.Lock()


def manage(config_file, *args, timeout=60):
    """``nova-manage --config-file CONFIG_FILE ARGS``: a CompletedProcess (see run())."""
    return run("nova-manage", config_file, *args, timeout=timeout)


def assert_ok(proc):
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


def assert_one_error_line(proc, *needles):
    """Non-zero exit, exactly one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def table_rows(output):
    """Data rows of a prettytable: lists of stripped cell texts."""
    rows = []
    for line in output.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header


def synced(api_path=None, main_path=None):
    """New SQLite files as ``nova-manage api_db sync`` / ``db sync`` leave them.

    Copies of the migrated templates (tests/dbfixtures.py), for tests whose
    subject is a later command: nova-manage's sync itself is tested as a
    console script. Returns the URLs.
    """
    return tuple(dbfixtures.sqlite_copy(kind, path)
                 for kind, path in (("api", api_path), ("main", main_path)) if path)


def simple_cell_setup(api_url, main_url, transport_url="fake://"):
    """What ``nova-manage cell_v2 simple_cell_setup`` does, done in this process."""
    CONF.set_override("connection", main_url, group="database")
    try:
        with api_db.use_connection(api_url):
            return cell_setup.simple_cell_setup(context.get_admin_context(), transport_url)
    finally:
        CONF.clear_override("connection", group="database")
