"""Run nova daemons as separate processes for a test, from a config file each."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse

from tests import private_server

VENV_BIN = os.path.dirname(sys.executable)
SAMPLE_CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "etc", "nova",
                             "nova.conf.sample")


def free_port():
    """A TCP port free on 127.0.0.1 now (tests/private_server.py says which)."""
    return private_server.free_port()


def sync_cell_db(url):
    """Create the cell database schema at ``url``."""
    from nova.db import migration
    migration.db_sync("main", url=url)


def write_config(path, sections, base_sample=True):
    """Write ``sections`` ({group: {option: value}}) to ``path``.

    When the generated sample configuration exists it is the starting point
    (every option commented out, as shipped), so the daemons are shown to
    start from it; our values follow in their own sections.
    """
    chunks = []
    if base_sample and os.path.exists(SAMPLE_CONFIG):
        with open(SAMPLE_CONFIG) as sample:
            chunks.append(sample.read())
            chunks.append("\n")
    for group, values in sections.items():
        chunks.append("[%s]\n" % group)
        for key, value in values.items():
            chunks.append("%s = %s\n" % (key, value))
        chunks.append("\n")
    with open(path, "w") as conf:
        conf.write("".join(chunks))
    return path


def base_sections(tmp_path, host, transport_url, db_url=None, **extra):
    """The options every test daemon needs: its host, queue, DB and fast timers."""
    sections = {
        "DEFAULT": {
            "host": host,
            "transport_url": transport_url,
            "state_path": str(tmp_path / ("state-" + host)),
            "report_interval": 1,
            "service_down_time": 10,
            "periodic_fuzzy_delay": 0,
            "rpc_response_timeout": 20,
            "log_file": str(tmp_path / ("%s.log" % host)),
            "debug": "true",
        },
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1},
        "oslo_messaging_rabbit": {"heartbeat_timeout_threshold": 10,
                                  "kombu_reconnect_delay": 0.5,
                                  "rabbit_retry_interval": 1,
                                  "rabbit_retry_backoff": 1},
    }
    if db_url:
        sections["database"] = {"connection": db_url}
    for group, values in extra.items():
        sections.setdefault(group, {}).update(values)
    return sections


class Daemon:
    """One nova console script running with one config file."""

    def __init__(self, binary, config_file, env=None, python_module=None):
        """``python_module``: run ``python -m <module>`` (a wrapper around a
        console script) instead of ``binary``'s script."""
        self.binary = binary
        self.config_file = config_file
        self.stdout_path = config_file + ".stdout"
        self.stderr_path = config_file + ".stderr"
        full_env = dict(os.environ)
        full_env.update(env or {})
        self._out = open(self.stdout_path, "w")
        self._err = open(self.stderr_path, "w")
        command = ([sys.executable, "-m", python_module] if python_module
                   else [os.path.join(VENV_BIN, binary)])
        self.proc = subprocess.Popen(command + ["--config-file", config_file],
                                     stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=full_env)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=10):
        """SIGTERM; returns (exit code, seconds it took to exit)."""
        start = time.monotonic()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return code, time.monotonic() - start

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._err.close()

    def stderr(self):
        with open(self.stderr_path) as err:
            return err.read()

    def output(self):
        with open(self.stdout_path) as out:
            return out.read()

    def log(self, tmp_path=None):
        """The daemon's log file (log_file of its config), if any."""
        for line in open(self.config_file):
            if line.startswith("log_file"):
                path = line.split("=", 1)[1].strip()
                if os.path.exists(path):
                    with open(path) as log:
                        return log.read()
        return self.output()


def wait_for(predicate, timeout=30, interval=0.2, what="condition", daemons=()):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for daemon in daemons:
            if not daemon.alive():
                raise AssertionError("%s exited (code %s) while waiting for %s:\n%s\n%s" % (
                    daemon.binary, daemon.proc.returncode, what, daemon.stderr()[-3000:],
                    daemon.log()[-3000:]))
        if time.monotonic() > deadline:
            details = "\n".join("--- %s\n%s" % (d.binary, d.log()[-2000:]) for d in daemons)
            raise AssertionError("timed out waiting for %s\n%s" % (what, details))
        time.sleep(interval)


def consuming(transport_url, queue):
    """Whether a server consumes the RabbitMQ queue ``queue`` (e.g. ``conductor``,
    the topic of nova-conductor) on the vhost of ``transport_url``.

    A call sent before its server consumes is lost: a daemon's first ping of
    the conductor then waits ten seconds before it asks again.
    """
    import amqp
    url = urllib.parse.urlsplit(transport_url)
    conn = amqp.Connection(host="%s:%d" % (url.hostname, url.port or 5672),
                           userid=urllib.parse.unquote(url.username or "guest"),
                           password=urllib.parse.unquote(url.password or "guest"),
                           virtual_host=urllib.parse.unquote(url.path[1:]) or "/",
                           connect_timeout=5)
    try:
        conn.connect()
        try:
            return conn.channel().queue_declare(queue, passive=True)[2] > 0
        except amqp.exceptions.NotFound:
            return False
    except OSError:
        return False
    finally:
        conn.close()


def sqlite_rows(db_path, query, args=()):
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute(query, args).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def service_rows(db_path):
    """{binary: (host, report_count)} of the live rows in the services table."""
    rows = sqlite_rows(db_path, "SELECT binary, host, report_count FROM services "
                                "WHERE deleted = 0")
    return {binary: (host, count) for binary, host, count in rows}
