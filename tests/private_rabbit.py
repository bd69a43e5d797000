"""A RabbitMQ node of a test's own, which the test may stop, kill and restart.

The machine's shared broker (127.0.0.1:5672, tests/realparts.RabbitVhost) is
never touched: this node has its own node name, AMQP port, distribution port,
Erlang port mapper (an ``epmd`` started here on a port of its own), cookie,
HOME, database (Mnesia) and log directories and configuration file, and no
plugins. It runs Debian's ``rabbitmq-server`` scripts as the current user
(the Debian wrapper in /usr/sbin switches to the rabbitmq user; the scripts
in /usr/lib/rabbitmq/bin do not), so the process started here is the Erlang
VM itself and is stopped by its PID.

    node = PrivateRabbit(workdir)
    node.start()                  # ~5-25 s on this machine (first boot slowest)
    url = node.url                # rabbit://guest:guest@127.0.0.1:<port>/
    node.restart()                # SIGTERM, wait, start again: queues declared
                                  # durable survive, transient ones do not
    node.kill()                   # SIGKILL: a crash
    node.stop()                   # also stops its epmd

Data survive a restart (same Mnesia directory), so the guest user and any
durable queue are there again. The process plumbing (start and wait, stop
by PID) is tests/private_server.py's.
"""

import os
import secrets
import shutil
import socket
import subprocess

from tests import private_server
from tests import realparts

SCRIPTS = os.environ.get("NOVA_TEST_RABBIT_SCRIPTS", "/usr/lib/rabbitmq/bin")
START_TIMEOUT = 180


def _amqp_answers(port, timeout=2.0):
    """True when an AMQP 0-9-1 server answers the protocol header on ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            sock.settimeout(timeout)
            first = sock.recv(7)
    except OSError:
        return False
    # A method frame (type 1) on channel 0: connection.start.
    return len(first) >= 3 and first[0] == 1 and first[1:3] == b"\x00\x00"


class PrivateRabbit(private_server.PrivateServer):
    """One private RabbitMQ node under ``workdir`` (created if needed)."""

    what = "private RabbitMQ node"
    start_timeout = START_TIMEOUT
    poll_interval = 0.2

    def __init__(self, workdir, name=None):
        server = os.path.join(SCRIPTS, "rabbitmq-server")
        if not os.path.exists(server) or shutil.which("epmd") is None:
            realparts.missing("RabbitMQ's server scripts (%s) or epmd are not installed"
                              % server)
        super().__init__(workdir)
        self.name = name or realparts.unique_name("novatest")
        self.nodename = "%s@localhost" % self.name
        self.port = private_server.free_port()
        self.dist_port = private_server.free_port()
        self.epmd_port = private_server.free_port()
        self.url = "rabbit://guest:guest@127.0.0.1:%d/" % self.port
        self.home = os.path.join(self.workdir, "home")
        self.mnesia = os.path.join(self.workdir, "mnesia")
        self.logs = os.path.join(self.workdir, "log")
        for path in (self.home, self.mnesia, self.logs):
            os.makedirs(path, exist_ok=True)
        cookie = os.path.join(self.home, ".erlang.cookie")
        with open(cookie, "w") as out:
            out.write(secrets.token_hex(16))
        os.chmod(cookie, 0o400)
        self.config_file = os.path.join(self.workdir, "rabbitmq.conf")
        with open(self.config_file, "w") as out:
            # The AMQP listener comes from RABBITMQ_NODE_IP_ADDRESS/PORT below.
            out.write("loopback_users.guest = true\n"
                      "log.file.level = info\n"
                      "log.console = false\n")
        self.plugins_file = os.path.join(self.workdir, "enabled_plugins")
        open(self.plugins_file, "w").close()
        # Read instead of /etc/rabbitmq/rabbitmq-env.conf, which names the shared node.
        self.env_file = os.path.join(self.workdir, "rabbitmq-env.conf")
        open(self.env_file, "w").close()
        self.epmd = None

    def _env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update({
            "HOME": self.home,
            "RABBITMQ_CONF_ENV_FILE": self.env_file,
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": self.mnesia,
            "RABBITMQ_LOG_BASE": self.logs,
            "RABBITMQ_CONFIG_FILE": self.config_file,
            "RABBITMQ_ENABLED_PLUGINS_FILE": self.plugins_file,
            "RABBITMQ_PID_FILE": os.path.join(self.workdir, "rabbit.pid"),
            # Run the VM in place of the script (no signal-forwarding shell
            # around it), still without an Erlang shell (-noinput below).
            "RABBITMQ_ALLOW_INPUT": "1",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        })
        return env

    def _start_epmd(self):
        if self.epmd is not None and self.epmd.poll() is None:
            return
        self.epmd = subprocess.Popen(
            [shutil.which("epmd"), "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _command(self):
        return [os.path.join(SCRIPTS, "rabbitmq-server"), "-noinput"], {"env": self._env()}

    def _answers(self):
        return _amqp_answers(self.port)

    def start(self, timeout=START_TIMEOUT):
        """Start the node (its epmd first); returns the seconds until it answered AMQP."""
        if not self.alive():
            self._start_epmd()
        return super().start(timeout)

    def stop(self):
        """Stop the node and its epmd (both by PID)."""
        self.shutdown()
        if self.epmd is not None and self.epmd.poll() is None:
            self.epmd.terminate()
            try:
                self.epmd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.epmd.kill()
                self.epmd.wait()

    def log_tail(self, chars=3000):
        chunks = []
        for name in sorted(os.listdir(self.logs)):
            if name.endswith(".log"):
                with open(os.path.join(self.logs, name), errors="replace") as log:
                    chunks.append(log.read()[-chars:])
        out = os.path.join(self.workdir, "server.out")
        if os.path.exists(out):
            with open(out, errors="replace") as log:
                chunks.append(log.read()[-chars:])
        return "\n".join(chunks)
