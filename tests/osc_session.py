"""Many ``openstack`` commands through one CLI process.

Starting ``openstack`` costs 2-4 s of CPU (importing openstackclient, cliff,
openstacksdk and their entry points) before the command itself runs; a test
module that drives a cloud with fifty commands pays minutes for it. An
``OSCSession`` starts one process of the same interpreter that runs the same
entry point as the ``openstack`` console script (``openstackclient.shell.main``)
once per command, as cliff's interactive mode does, and returns what the
command printed and its exit code:

    with OSCSession() as osc:
        result = osc.run(["server", "list", "-f", "json"], env=env, cwd=workdir)
        result.returncode, result.stdout, result.stderr

The test suites share one such process per test process (``run``, below;
api_fixture's ``osc``, the integration clusters' ``osc``): it starts with the
first command and stops when the tests end.

Each command gets a fresh ``OpenStackShell`` (fresh options, session, token,
client manager and API clients), the given environment (``OS_*`` variables replaced, not
merged) and working directory. The waits of ``--wait`` (osc-lib's
``wait_for_status``, openstacksdk's ``wait_for_delete``) poll every
``POLL`` s instead of every 5 s and 2 s: the test waits less after the server
is ready, and the commands and their output are otherwise unchanged.
"""

import atexit
import json
import os
import subprocess
import sys
import threading

from tests import pipe_runner

POLL = 0.5


class CommandResult(subprocess.CompletedProcess):
    """What ``subprocess.run(..., capture_output=True, text=True)`` gives:
    ``args``, ``returncode``, ``stdout``, ``stderr``, ``check_returncode()``."""


class OSCSession(pipe_runner.PipeRunner):
    """One long-lived CLI process; ``run`` sends it a command at a time."""

    MODULE = "tests.osc_session"
    NAME = "openstack CLI"

    def __init__(self, start=False, env=None):
        """``start``: start the process now, so that its imports overlap
        whatever the caller does before the first command. ``env``: the
        process's environment (``os.environ`` when it starts if None); each
        command's ``OS_*`` variables replace its own."""
        self.env = os.environ if env is None else env
        super().__init__(start=start)

    def process_env(self):
        return dict(self.env)

    def run(self, args, env, cwd=None, timeout=300):
        """``openstack ARGS`` in ``env``; a CommandResult. The process is
        killed (and started afresh by the next command) after ``timeout``."""
        request = {"argv": [str(a) for a in args], "cwd": cwd,
                   "env": {k: v for k, v in env.items() if k.startswith("OS_")}}
        answer = self.ask(request, timeout, ["openstack", *args])
        return CommandResult(args, answer["rc"], answer["stdout"], answer["stderr"])


# -- one session per test process ----------------------------------------------------

# The environment of the test process as it was when the tests were collected
# (tests/conftest.py imports this module): the shared CLI process starts with
# it, not with whatever a test has patched into os.environ at that moment.
_BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
_shared = None
_shared_lock = threading.Lock()


def run(args, env, cwd=None, timeout=300):
    """``openstack ARGS`` through this process's shared OSCSession (started
    by the first command, closed at exit): as ``OSCSession.run``. Commands
    from several threads take turns."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.owner != os.getpid():
            # (A forked test process starts its own: the pipes are its parent's.)
            _shared = OSCSession(env=_BASE_ENV)
            _shared.owner = os.getpid()
            atexit.register(close_shared)
        return _shared.run(args, env=env, cwd=cwd, timeout=timeout)


def close_shared():
    """Stop the shared CLI process, if any (the next ``run`` starts another)."""
    with _shared_lock:
        if _shared is not None and _shared.owner == os.getpid():
            _shared.close()


# -- the CLI side -----------------------------------------------------------------------

def _faster_waits():
    """``--wait`` polls every POLL s (osc-lib waits 5 s between polls,
    openstacksdk 2 s)."""
    import functools

    from openstack import resource
    from osc_lib import utils

    def clamp(function, name, position):
        @functools.wraps(function)
        def polled(*args, **kwargs):
            if len(args) > position:
                args = list(args)
                args[position] = min(args[position] or POLL, POLL)
            else:
                kwargs[name] = min(kwargs.get(name) or POLL, POLL)
            return function(*args, **kwargs)
        return polled

    # wait_for_status(status_f, res_id, status_field, success_status,
    #                 error_status, sleep_time, callback)
    utils.wait_for_status = clamp(utils.wait_for_status, "sleep_time", 5)
    # wait_for_delete(manager, res_id, status_field, error_status, exception_name,
    #                 sleep_time, timeout, callback)
    utils.wait_for_delete = clamp(utils.wait_for_delete, "sleep_time", 5)
    # openstack.resource.wait_for_status(session, resource, status, failures,
    #                                    interval, ...), wait_for_delete(session,
    #                                    resource, interval, ...)
    resource.wait_for_status = clamp(resource.wait_for_status, "interval", 4)
    resource.wait_for_delete = clamp(resource.wait_for_delete, "interval", 2)


def serve(stdin, stdout):
    import contextlib
    import io
    import logging
    import warnings

    from openstackclient import shell
    # What the first command would import (the compute, image and network
    # commands and their clients), while the caller is still setting up.
    from openstackclient.compute.v2 import server  # noqa: F401
    from openstackclient.image.v2 import image  # noqa: F401
    from openstackclient.network.v2 import port  # noqa: F401

    from osc_lib import clientmanager

    _faster_waits()
    # The program's name in usage and error messages, as the console script has it.
    sys.argv[0] = os.path.join(os.path.dirname(sys.executable), "openstack")
    home = os.getcwd()
    for line in stdin:
        request = json.loads(line)
        for key in [k for k in os.environ if k.startswith("OS_")]:
            del os.environ[key]
        os.environ.update(request["env"])
        os.chdir(request["cwd"] or home)
        out, err = io.StringIO(), io.StringIO()
        # The API clients are cached on the ClientManager class (osc-lib's
        # ClientCache descriptors, set there when the plugins load): each is
        # replaced by a fresh one of the same factory, as openstackclient
        # itself makes them, so that each command makes its own clients from
        # its own credentials and options, as a new process would.
        for klass in clientmanager.ClientManager.__mro__:
            for name, value in list(vars(klass).items()):
                if isinstance(value, clientmanager.ClientCache):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        setattr(klass, name, clientmanager.ClientCache(value.factory))
        root = logging.getLogger()
        handlers = list(root.handlers)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = shell.main(request["argv"])
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
            except BaseException as exc:    # noqa: BLE001 - the CLI's crash, reported
                import traceback
                traceback.print_exc()
                rc = 1
                del exc
        root.handlers[:] = handlers
        stdout.write(json.dumps({"rc": rc or 0, "stdout": out.getvalue(),
                                 "stderr": err.getvalue()}) + "\n")
        stdout.flush()


def main():
    # A command sees /dev/null as its stdin (``image create`` without --file
    # reads image data from a stdin that is not a terminal) and as the file
    # descriptor 1, so nothing but the answers reaches the answers' pipe.
    requests, answers = pipe_runner.take_pipes()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    serve(requests, answers)


if __name__ == "__main__":
    main()
