"""Access to the real services on this machine, one private namespace per test.

Every helper here creates a fresh, uniquely named resource (database, vhost)
and removes it afterwards. When a service is missing a test is skipped with the
reason locally, and fails under CI (CI=true), where nothing may be skipped.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import uuid

import pytest

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

MYSQL_HOST = os.environ.get("NOVA_TEST_MYSQL_HOST", "127.0.0.1")
PG_HOST = os.environ.get("NOVA_TEST_PG_HOST", "127.0.0.1")
RABBIT_HOST = os.environ.get("NOVA_TEST_RABBIT_HOST", "127.0.0.1")


def missing(reason):
    """Skip locally, fail under CI."""
    if UNDER_CI:
        pytest.fail("required under CI but missing: " + reason, pytrace=False)
    pytest.skip(reason)


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def unique_name(prefix):
    return "%s_%s" % (prefix, uuid.uuid4().hex[:12])


class MySQLDatabase:
    """A fresh MariaDB database; ``driver`` names the SQLAlchemy dialect driver
    of its URL: "pymysql" (pure Python, the default) or "mysqldb" (mysqlclient,
    the C driver)."""

    def __init__(self, name=None, driver="pymysql"):
        import pymysql
        if driver == "mysqldb":
            try:
                import MySQLdb  # noqa: F401
            except ImportError as exc:
                missing("mysqlclient (the C MariaDB driver) is not installed: %s" % exc)
        if not port_open(MYSQL_HOST, 3306):
            missing("MariaDB is not listening on %s:3306" % MYSQL_HOST)
        self.name = name or unique_name("nova_test")
        try:
            self._admin = pymysql.connect(host=MYSQL_HOST, user="root", password="",
                                          autocommit=True)
        except pymysql.err.MySQLError as exc:
            missing("cannot log in to MariaDB as root: %s" % exc)
        with self._admin.cursor() as cur:
            cur.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4" % self.name)
        self.url = "mysql+%s://root@%s/%s?charset=utf8" % (driver, MYSQL_HOST, self.name)

    def drop(self):
        with self._admin.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS `%s`" % self.name)
        self._admin.close()


class PostgresDatabase:
    def __init__(self, name=None):
        import psycopg2
        if not port_open(PG_HOST, 5432):
            missing("PostgreSQL is not listening on %s:5432" % PG_HOST)
        self.name = name or unique_name("nova_test")
        try:
            self._admin = psycopg2.connect(host=PG_HOST, user="postgres", dbname="postgres")
        except psycopg2.Error as exc:
            missing("cannot log in to PostgreSQL as postgres: %s" % exc)
        self._admin.autocommit = True
        with self._admin.cursor() as cur:
            cur.execute('CREATE DATABASE "%s"' % self.name)
        self.url = "postgresql+psycopg2://postgres@%s/%s" % (PG_HOST, self.name)

    def drop(self):
        with self._admin.cursor() as cur:
            # Terminate what the test left connected, then drop.
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,))
            cur.execute('DROP DATABASE IF EXISTS "%s"' % self.name)
        self._admin.close()


def rabbitmqctl(*args, check=True):
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        missing("rabbitmqctl is not installed")
    return subprocess.run([exe, "-q", *args], capture_output=True, text=True, timeout=60,
                          check=check)


class RabbitVhost:
    """A private RabbitMQ virtual host for one test."""

    def __init__(self):
        if not port_open(RABBIT_HOST, 5672):
            missing("RabbitMQ is not listening on %s:5672" % RABBIT_HOST)
        self.name = unique_name("nova_test")
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        self.url = "rabbit://guest:guest@%s:5672/%s" % (RABBIT_HOST, self.name)

    def connections(self):
        """PIDs of the broker connections open on this vhost."""
        out = rabbitmqctl("list_connections", "pid", "vhost").stdout
        pids = []
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and parts[1].strip() == self.name:
                pids.append(parts[0].strip())
        return pids

    def close_connections(self, reason="closed by test"):
        pids = self.connections()
        for pid in pids:
            rabbitmqctl("close_connection", pid, reason, check=False)
        return len(pids)

    def delete(self):
        rabbitmqctl("delete_vhost", self.name, check=False)


LIBVIRTD_LOCK = os.environ.get("NOVA_TEST_LIBVIRTD_LOCK", "/var/tmp/nova-tests-libvirtd.lock")


@contextlib.contextmanager
def libvirtd_lock(timeout=600):
    """Hold the machine's libvirtd for one test module at a time.

    Only for a module that must have qemu:///system to itself (one that would
    restart it, say). No module takes it today: real-guest modules name their
    domains, bridges and directories for themselves and run side by side, and
    libvirtd restarts are tested on a private daemon
    (tests/libvirtd_private.py). A module waiting here holds a worker idle.
    """
    import fcntl
    import time
    with open(LIBVIRTD_LOCK, "a") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail("libvirtd stayed busy with another test module for %d s "
                                "(%s)" % (timeout, LIBVIRTD_LOCK), pytrace=False)
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
