"""A long-lived helper process that runs one command per JSON line.

The base of tests/osc_session.py (the ``openstack`` CLI) and
tests/manage_runner.py (nova-manage, nova-status): starting those programs
costs about a CPU second of imports before each command, so each runs in one
process that serves many commands. The caller writes a JSON request line to
the process's stdin and reads a JSON answer line from its stdout
(``PipeRunner.ask``); the process takes those two pipes aside (``take_pipes``)
so that what a command prints cannot reach them.
"""

import json
import os
import select
import subprocess
import sys
import time

# The source tree's root: the process imports its ``tests.<module>`` from there.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class PipeRunner:
    """The caller's side: ``MODULE`` (``python -m MODULE``) serves the requests."""

    MODULE = None
    NAME = "helper"     # in the errors: "the <NAME> process exited ..."

    def __init__(self, start=False):
        """``start``: start the process now, so that its imports overlap
        whatever the caller does before the first command."""
        self.proc = None
        self.commands = 0
        if start:
            self._start()

    def process_env(self):
        """The process's environment (subclasses adjust it)."""
        return dict(os.environ)

    def _start(self):
        env = self.process_env()
        env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.MODULE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)

    def ask(self, request, timeout, command):
        """Send ``request``; its answer (a dict). The process is started if
        needed, and killed (the next request starts another) after ``timeout``
        s: subprocess.TimeoutExpired for ``command``, as subprocess.run raises."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.commands += 1
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if select.select([self.proc.stdout], [], [], max(0, left))[0]:
                line = self.proc.stdout.readline()
                if not line:
                    code = self.proc.wait()
                    self.proc = None
                    raise AssertionError("the %s process exited (%s) running %s"
                                         % (self.NAME, code, command))
                return json.loads(line)
            if left <= 0:
                self.close()
                raise subprocess.TimeoutExpired(command, timeout)

    def close(self):
        """Stop the process: end of input (it exits), killed if it does not within 5 s."""
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    self.proc.stdin.close()
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
            self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def take_pipes():
    """The serving side: (requests, answers), the pipes that were stdin and
    stdout. File descriptor 0 and ``sys.stdin`` become /dev/null (a command
    that reads its standard input sees none); the caller decides what
    descriptor 1 becomes."""
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    sys.stdin = open(os.devnull)
    return requests, answers
