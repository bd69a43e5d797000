"""A MariaDB server of a test's own, which the test may restart and kill.

The machine's shared server (127.0.0.1:3306, tests/realparts.MySQLDatabase)
is never touched: this one has its own data directory (made by
``mariadb-install-db``), socket, pid file and a loopback TCP port chosen at
run time, and is started with ``--no-defaults`` so no /etc/mysql file applies.
root logs in without a password over loopback. The process started here is
``mariadbd`` itself and is stopped by its PID only.

    server = PrivateMariaDB(workdir)
    server.start()                    # ~5 s the first time (data directory), <1 s after
    db = server.create_database()     # .name, .url, .host, .port, .drop()
    server.url("nova", "mysqldb")     # mysql+mysqldb://root@127.0.0.1:<port>/nova?charset=utf8
    server.restart(down_for=3)        # clean shutdown (SIGTERM), down, start: same port, same data
    server.kill()                     # SIGKILL: a crash (InnoDB recovers at the next start)
    server.stop(remove_data=True)

Without the binaries: a skip with the reason, a failure under CI=true. The
process plumbing (start and wait, stop by PID) is tests/private_server.py's.
"""

import os
import shutil
import subprocess

from tests import private_server
from tests import realparts

START_TIMEOUT = 120
SBIN = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin", "/usr/local/bin", "/usr/bin")


def _find(*names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for directory in SBIN:
            path = os.path.join(directory, name)
            if os.access(path, os.X_OK):
                return path
    return None


class PrivateDatabase:
    """One database on a PrivateMariaDB; ``url`` is what a daemon's
    [database] connection names."""

    def __init__(self, server, name, driver):
        self.server = server
        self.name = name
        self.host = server.host
        self.port = server.port
        self.url = server.url(name, driver)

    def drop(self):
        if not self.server.alive():
            return  # its data directory goes with the server's work directory
        conn = self.server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("DROP DATABASE IF EXISTS `%s`" % self.name)
        finally:
            conn.close()


class PrivateMariaDB(private_server.PrivateServer):
    """One private MariaDB server under ``workdir`` (created if needed)."""

    host = "127.0.0.1"
    what = "private MariaDB server"
    start_timeout = START_TIMEOUT   # the data directory the first time: ~5 s here

    def __init__(self, workdir):
        self.server_bin = _find("mariadbd", "mysqld")
        self.install_bin = _find("mariadb-install-db", "mysql_install_db")
        if self.server_bin is None or self.install_bin is None:
            realparts.missing("MariaDB's server (mariadbd) or mariadb-install-db is not "
                              "installed")
        super().__init__(workdir)
        self.datadir = os.path.join(self.workdir, "data")
        self.socket = os.path.join(self.workdir, "mysqld.sock")
        self.pid_file = os.path.join(self.workdir, "mysqld.pid")
        self.error_log = os.path.join(self.workdir, "error.log")
        self.port = private_server.free_port()

    # The server refuses to run as root unless told to.
    def _user(self):
        return ["--user=root"] if os.geteuid() == 0 else []

    def _install(self):
        out = os.path.join(self.workdir, "install.out")
        with open(out, "w") as log:
            result = subprocess.run(
                [self.install_bin, "--no-defaults", "--datadir=" + self.datadir,
                 "--auth-root-authentication-method=normal", "--skip-test-db",
                 "--skip-name-resolve", *self._user()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.workdir, timeout=START_TIMEOUT)
        if result.returncode != 0:
            with open(out, errors="replace") as log:
                raise RuntimeError("%s failed (%s):\n%s" % (
                    self.install_bin, result.returncode, log.read()[-3000:]))

    def connect(self, database=None, timeout=5):
        import pymysql
        return pymysql.connect(host=self.host, port=self.port, user="root", password="",
                               database=database, autocommit=True,
                               connect_timeout=timeout)

    def _answers(self):
        import pymysql
        try:
            self.connect(timeout=2).close()
        except pymysql.err.MySQLError:
            return False
        return True

    def _prepare(self):
        if not os.path.isdir(os.path.join(self.datadir, "mysql")):
            self._install()

    def _command(self):
        return [self.server_bin, "--no-defaults", "--datadir=" + self.datadir,
                "--socket=" + self.socket, "--pid-file=" + self.pid_file,
                "--port=%d" % self.port, "--bind-address=127.0.0.1", "--skip-networking=0",
                "--log-error=" + self.error_log, "--skip-name-resolve", "--skip-log-bin",
                # Small and quick: a test's data fits in a few MB, and nothing
                # here needs every commit on disk before it answers.
                "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=32M",
                "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
                "--max-connections=1000", "--character-set-server=utf8mb4",
                *self._user()], {}

    def stop(self, remove_data=False):
        """Shut down; with ``remove_data`` its data directory (every database) goes too."""
        self.shutdown()
        if remove_data:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def url(self, dbname, driver="pymysql"):
        """The SQLAlchemy URL of ``dbname`` on this server (``driver``:
        pymysql or mysqldb)."""
        return "mysql+%s://root@%s:%d/%s?charset=utf8" % (driver, self.host, self.port,
                                                            dbname)

    def create_database(self, name=None, driver="pymysql"):
        """A fresh database (a unique name unless ``name``)."""
        if driver == "mysqldb":
            try:
                import MySQLdb  # noqa: F401
            except ImportError as exc:
                realparts.missing("mysqlclient (the C MariaDB driver) is not installed: %s"
                                  % exc)
        name = name or realparts.unique_name("nova_test")
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4" % name)
        finally:
            conn.close()
        return PrivateDatabase(self, name, driver)

    def log_tail(self, chars=3000):
        chunks = []
        for path in (self.error_log, os.path.join(self.workdir, "server.out")):
            if os.path.exists(path):
                with open(path, errors="replace") as log:
                    chunks.append(log.read()[-chars:])
        return "\n".join(chunks)
