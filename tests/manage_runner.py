"""Many ``nova-manage`` (and ``nova-status``) commands through one process.

A ``nova-manage`` process spends about a CPU second importing nova, oslo and
SQLAlchemy before its command runs; the tests run dozens of commands. A
``ManageRunner`` starts one process of the same interpreter that calls the
console script's entry point (``nova.cmd.manage.main``) once per command and
answers with the command's exit code and what it printed (``script="nova-status"``:
``nova.cmd.status.main``, likewise):

    with ManageRunner() as runner:
        proc = runner.run(["--config-file", conf, "cell_v2", "list_cells"])
        proc.returncode, proc.stdout, proc.stderr

Each command starts as a new process would: ``main()`` parses its own
command line and configuration files afresh (``CONF.clear()``) and closes and
forgets the databases, cell connections and service sessions of the command
before (``nova.cmd.manage_utils.forget_connections``, done on entry and exit);
here the warning filters, the root logger's handlers (closed: a log file is
released) and the program name are restored or set for every command, output
at the file-descriptor level is added to the command's, and what importing
nova printed at start-up (a real process prints it every time) is put before
every command's output.
"""

import json
import os
import subprocess
import sys

from tests import pipe_runner

BIN_DIR = os.path.dirname(sys.executable)
SCRIPTS = ("nova-manage", "nova-status")


class ManageRunner(pipe_runner.PipeRunner):
    """One long-lived nova-manage process; ``run`` sends it a command at a time."""

    MODULE = "tests.manage_runner"
    NAME = "nova-manage"

    def __init__(self, start=False, env=None):
        """``start``: start the process now, so that its imports overlap
        whatever the caller does before the first command. ``env``: the
        process's environment (default: this one's without OS_DEBUG)."""
        self.env = env
        self.script = None
        super().__init__(start=start)

    def process_env(self):
        env = dict(os.environ if self.env is None else self.env)
        env.pop("OS_DEBUG", None)
        return env

    def run(self, args, timeout=60, script="nova-manage"):
        """``SCRIPT ARGS``; a subprocess.CompletedProcess. The process is
        killed (and started afresh by the next command) after ``timeout`` s,
        raising subprocess.TimeoutExpired as subprocess.run does."""
        args = [str(a) for a in args]
        # nova-manage and nova-status register different command-line options
        # under one name: a process runs the commands of one of them only.
        if self.script is None:
            self.script = script
        elif script != self.script:
            raise ValueError("this runner runs %s commands, not %s" % (self.script, script))
        assert script in SCRIPTS, script
        path = os.path.join(BIN_DIR, script)
        answer = self.ask({"script": script, "argv": args}, timeout, [path, *args])
        return subprocess.CompletedProcess([path, *args], answer["rc"],
                                           answer["stdout"], answer["stderr"])


def run_steps(conf, steps, runner=None, timeout=600):
    """Run nova-manage ``steps`` (argument lists) in order with the
    configuration file ``conf``, in one process: ``runner``'s (left running
    for the caller's next commands) or a new one's. Their output;
    AssertionError at the first that fails."""
    own = runner is None
    runner = runner or ManageRunner()
    try:
        output = []
        for step in steps:
            result = runner.run(["--config-file", str(conf), *step], timeout=timeout)
            if result.returncode != 0:
                raise AssertionError("nova-manage %s failed (%s):\n%s%s" % (
                    " ".join(step), result.returncode, result.stdout[-3000:],
                    result.stderr[-3000:]))
            output.append(result.stdout)
        return "".join(output)
    finally:
        if own:
            runner.close()


# -- the nova-manage side ------------------------------------------------------------

class _FdCapture:
    """What is written straight to a file descriptor (not through sys.std*)."""

    def __init__(self, fd):
        import tempfile
        self.file = tempfile.TemporaryFile()
        os.dup2(self.file.fileno(), fd)
        self.read = 0

    def new(self):
        self.file.seek(self.read)
        data = self.file.read()
        self.read += len(data)
        return data.decode("utf-8", "replace")


def serve(requests, answers, out_fd, err_fd):
    import contextlib
    import io
    import logging
    import traceback
    import warnings

    # What a console script imports before main() and what main() imports
    # for every command (its categories), all before the first command.
    from nova.cmd import manage
    from nova.cmd import manage_cells  # noqa: F401
    from nova.cmd import manage_db  # noqa: F401
    from nova.cmd import manage_placement  # noqa: F401

    # What the imports printed, which every process of the console script prints.
    preambles = {"nova-manage": (out_fd.new(), err_fd.new())}
    from nova.cmd import status
    preambles["nova-status"] = tuple(a + b for a, b in zip(preambles["nova-manage"],
                                                           (out_fd.new(), err_fd.new())))
    mains = {"nova-manage": manage.main, "nova-status": status.main}
    root = logging.getLogger()
    for line in requests:
        request = json.loads(line)
        script = request["script"]
        # The program's name in usage and error messages.
        sys.argv[0] = os.path.join(BIN_DIR, script)
        preamble = preambles[script]
        out, err = io.StringIO(preamble[0]), io.StringIO(preamble[1])
        out.seek(0, io.SEEK_END)
        err.seek(0, io.SEEK_END)
        handlers = list(root.handlers)
        with warnings.catch_warnings(), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                rc = mains[script]([sys.argv[0]] + request["argv"])
            except SystemExit as exc:  # argparse's errors, --help, --version
                rc = exc.code
                if rc is not None and not isinstance(rc, int):
                    print(rc, file=sys.stderr)  # as the interpreter does
                    rc = 1
            except BaseException:  # noqa: BLE001 - reported as the interpreter would
                traceback.print_exc()
                rc = 1
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        answers.write(json.dumps({"rc": rc or 0, "stdout": out.getvalue() + out_fd.new(),
                                  "stderr": err.getvalue() + err_fd.new()}) + "\n")
        answers.flush()


def main():
    # A command sees /dev/null as its stdin, and what reaches the file
    # descriptors 1 and 2 directly is captured into its answer.
    requests, answers = pipe_runner.take_pipes()
    out_fd, err_fd = _FdCapture(1), _FdCapture(2)
    serve(requests, answers, out_fd, err_fd)


if __name__ == "__main__":
    main()
