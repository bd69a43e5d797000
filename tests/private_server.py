"""The process plumbing of a server a test runs for itself (tests/private_mariadb.py,
tests/private_rabbit.py).

A ``PrivateServer`` lives in its own work directory (created if needed),
listens on loopback ports chosen at run time (``free_port``), and is started
here as one process whose output goes to ``server.out`` in that directory.
``start`` waits until the server answers (``_answers``, the subclass's own
probe) and returns the seconds it took (each start's are kept in
``starts``); a server that exits, or does not answer in time, is an error
with the tail of its logs. It is stopped by its own PID only: ``shutdown``
(SIGTERM, then SIGKILL if it does not exit in time), ``kill`` (SIGKILL, as a
crash), ``restart``.
"""

import os
import random
import signal
import socket
import subprocess
import time


# Ports a test picks for a server to bind later come from below Linux's
# ephemeral range (32768-60999 by default): a port the kernel hands out for
# bind(0) is also what it gives outgoing connections, and one of those took a
# chosen port before its server bound it ("Address already in use").
PICK_LOW, PICK_HIGH = 10000, 32000


def free_port():
    """A TCP port free on 127.0.0.1 now, outside the ephemeral range."""
    for _attempt in range(500):
        port = random.randint(PICK_LOW, PICK_HIGH)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:     # everything taken: any free port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateServer:
    """One server process under ``workdir``; subclasses say how to run and probe it."""

    what = "private server"    # in errors: "the <what> exited with ..."
    start_timeout = 120
    poll_interval = 0.1

    def __init__(self, workdir):
        self.workdir = os.path.abspath(str(workdir))
        os.makedirs(self.workdir, exist_ok=True)
        self.proc = None
        self._out = None
        self.starts = []

    # -- what a subclass gives ----------------------------------------------------

    def _command(self):
        """(argv, extra keyword arguments of subprocess.Popen)."""
        raise NotImplementedError

    def _answers(self):
        """Whether the server answers its clients now."""
        raise NotImplementedError

    def _prepare(self):
        """Before each start, counted in its seconds (e.g. a first data directory)."""

    def log_tail(self, chars=3000):
        path = os.path.join(self.workdir, "server.out")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as log:
            return log.read()[-chars:]

    # -- the process ----------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=None):
        """Start the server; the seconds until it answered (0 if it runs already)."""
        if self.alive():
            return 0.0
        timeout = timeout or self.start_timeout
        began = time.monotonic()
        self._prepare()
        argv, popen_kwargs = self._command()
        self._out = open(os.path.join(self.workdir, "server.out"), "a")
        self.proc = subprocess.Popen(argv, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT,
                                     **popen_kwargs)
        deadline = began + timeout
        while not self._answers():
            if self.proc.poll() is not None:
                raise RuntimeError("the %s exited with %s:\n%s" % (
                    self.what, self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the %s did not answer on port %d within %d s:\n%s"
                                   % (self.what, self.port, timeout, self.log_tail()))
            time.sleep(self.poll_interval)
        took = time.monotonic() - began
        self.starts.append(took)
        return took

    def _wait_exit(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._out is not None:
            self._out.close()
            self._out = None

    def shutdown(self, timeout=60):
        """A clean shutdown (SIGTERM to the server's own PID)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            self._wait_exit(timeout)

    def kill(self):
        """SIGKILL the server, as a crash would end it."""
        if self.alive():
            self.proc.kill()
            self._wait_exit(10)

    def restart(self, down_for=0.0, hard=False):
        """Stop (SIGTERM, or SIGKILL when ``hard``), stay down ``down_for`` s,
        start on the same ports and data. Returns (seconds to stop, seconds to start)."""
        began = time.monotonic()
        if hard:
            self.kill()
        else:
            self.shutdown()
        stopped = time.monotonic() - began
        if down_for:
            time.sleep(down_for)
        return stopped, self.start()
