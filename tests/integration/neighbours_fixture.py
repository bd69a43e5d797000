"""The real Keystone, Glance, Neutron and Placement, through tools/neighbours.py.

The script installs the four services from PyPI once per machine (a cached
virtualenv under ~/.cache/nova-tests). Each set started gets fresh MariaDB
databases, a private RabbitMQ vhost for Neutron, free loopback ports and a
work directory, all removed afterwards (only the PIDs the script started are
stopped). ``neighbours`` is one set per test process (session scope), shared
by the contract tests. Without MariaDB, RabbitMQ or the package index a test
is skipped locally and fails under CI.

``start_neighbours(compute_url)`` is for a test that must name the nova API
(the catalog's compute endpoint, where Neutron sends its events) before the
services start; ``neighbours`` passes an unused loopback port.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from tests import realparts
from tests.integration import keystone_fixture
from tests.integration import nova_procs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "tools", "neighbours.py")


class Neighbours:
    """One running set, as described by the script's JSON."""

    def __init__(self, data, vhost):
        self.data = data
        self.vhost = vhost
        self.workdir = data["workdir"]
        self.urls = data["urls"]
        self.identity = self.urls["identity"]
        self.networks = data["networks"]
        self.projects = data["projects"]
        self._tokens = {}

    def credentials(self, who):
        """The auth dict of "admin", "demo" or a service user ("nova", "neutron"...)."""
        if who in ("admin", "demo"):
            return self.data[who]
        return self.data["service_users"][who]

    def token(self, who):
        """(token id, token body) of a project-scoped token, cached per user."""
        if who not in self._tokens:
            cred = self.credentials(who)
            status, headers, body = keystone_fixture.http(
                "POST", self.identity + "/auth/tokens", {"auth": {
                    "identity": {"methods": ["password"], "password": {"user": {
                        "name": cred["username"], "domain": {"id": "default"},
                        "password": cred["password"]}}},
                    "scope": {"project": {"name": cred["project_name"],
                                          "domain": {"id": "default"}}}}})
            assert status == 201, (status, body)
            self._tokens[who] = headers["X-Subject-Token"], body["token"]
        return self._tokens[who]

    def context(self, who, **kwargs):
        """A nova RequestContext carrying ``who``'s token and catalog, as nova-api makes."""
        from nova import context as nova_context
        token, body = self.token(who)
        roles = [r["name"] for r in body["roles"]]
        return nova_context.RequestContext(
            user_id=body["user"]["id"], project_id=body["project"]["id"],
            auth_token=token, roles=roles, is_admin="admin" in roles,
            service_catalog=body["catalog"], **kwargs)

    def request(self, who, method, url, body=None, headers=None):
        """(status, headers, JSON body) of one raw call as ``who``."""
        return keystone_fixture.http(method, url, body, token=self.token(who)[0],
                                     headers=headers)

    def service_options(self, who):
        """keystoneauth options of a service user, as nova.conf would hold them."""
        cred = self.credentials(who)
        return {"auth_type": "password", "auth_url": cred["auth_url"],
                "username": cred["username"], "password": cred["password"],
                "project_name": cred["project_name"], "user_domain_name": "Default",
                "project_domain_name": "Default", "region_name": cred["region_name"]}

    def log_tail(self, service, chars=3000):
        path = self.data["logs"][service]
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return f.read()[-chars:]


def _script(*args, timeout=1800):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=timeout)


def _start_script(workdir, compute_url, transport_url, timeout=600):
    """``tools/neighbours.py start``; interrupted (a test timeout), the script is
    asked to stop (SIGTERM: it stops what it started and drops its databases)
    rather than killed, which would leave its services and tools running."""
    cmd = [sys.executable, SCRIPT, "start", "--workdir", workdir, "--compute-url",
           compute_url, "--transport-url", transport_url, "--mysql-host",
           realparts.MYSQL_HOST]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:
        proc.terminate()
        try:
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def start_neighbours(compute_url):
    """Install (once per machine) and start the four services; (Neighbours, stop)."""
    if not realparts.port_open(realparts.MYSQL_HOST, 3306):
        realparts.missing("MariaDB is not listening on %s:3306" % realparts.MYSQL_HOST)
    vhost = realparts.RabbitVhost()
    try:
        proc = _script("install")
        if proc.returncode != 0:
            realparts.missing("cannot install Keystone, Glance, Neutron and Placement "
                              "from PyPI: %s" % proc.stderr[-2000:])
        workdir = tempfile.mkdtemp(prefix="nova-neighbours-")
        try:
            proc = _start_script(workdir, compute_url, vhost.url)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        if proc.returncode != 0:
            _script("stop", "--workdir", workdir, "--drop-databases", timeout=120)
            shutil.rmtree(workdir, ignore_errors=True)
            realparts.missing("cannot start the neighbouring services:\n%s"
                              % (proc.stderr[-4000:] or proc.stdout[-4000:]))
    except BaseException:
        vhost.delete()
        raise
    with open(os.path.join(workdir, "neighbours.json")) as f:
        nb = Neighbours(json.load(f), vhost)

    def stop():
        _script("stop", "--workdir", workdir, "--drop-databases", timeout=120)
        vhost.delete()
        shutil.rmtree(workdir, ignore_errors=True)

    sys.stderr.write("\nneighbours ready in %s: %s\n" % (
        workdir, ", ".join("%s %.1fs" % kv for kv in nb.data["timings"].items())))
    return nb, stop


@pytest.fixture(scope="session")
def neighbours():
    """One set per test process, shared by the contract modules (each cleans up
    what it made); its catalog's compute endpoint is a port nothing serves."""
    nb, stop = start_neighbours("http://127.0.0.1:%d/v2.1" % nova_procs.free_port())
    try:
        yield nb
    finally:
        stop()
