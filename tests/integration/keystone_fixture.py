"""A real Keystone for integration tests, in its own virtualenv.

Keystone comes from PyPI into a virtualenv of its own (so its pins never touch
the project's), keyed by the requirement list so later runs reuse it. Each
test session then gets a private SQLite database, fernet and credential keys
in a temporary directory, a bootstrapped admin, and Keystone served by
gunicorn on a free loopback port, plus two projects and a few users made
through the Identity REST API. Everything is removed afterwards.
"""

import fcntl
import grp
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests import private_server
from tests import realparts

REQUIREMENTS = ("keystone>=30,<31", "gunicorn")
VENV_ROOT = os.environ.get(
    "NOVA_TEST_KEYSTONE_VENV_ROOT",
    os.path.join(os.path.expanduser("~"), ".cache", "nova-tests"))
INSTALL_TIMEOUT = 1200
PASSWORD = "secret-" + uuid.uuid4().hex[:8]


def venv_path():
    key = hashlib.sha1("\n".join(REQUIREMENTS).encode()).hexdigest()[:12]
    return os.path.join(VENV_ROOT, "keystone-venv-" + key)


def ensure_venv():
    """Create (or reuse) the Keystone virtualenv; return (path, seconds spent)."""
    path = venv_path()
    marker = os.path.join(path, ".installed")
    os.makedirs(VENV_ROOT, exist_ok=True)
    start = time.monotonic()
    # One installer at a time; a half-made venv (no marker) is made again.
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(marker):
            return path, 0.0
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", path], check=True)
        subprocess.run([os.path.join(path, "bin", "pip"), "install", "--quiet",
                        "--disable-pip-version-check", *REQUIREMENTS],
                       check=True, timeout=INSTALL_TIMEOUT)
        with open(marker, "w") as f:
            f.write("\n".join(REQUIREMENTS) + "\n")
    return path, time.monotonic() - start


def _free_port():
    return private_server.free_port()


def http(method, url, body=None, token=None, headers=None, timeout=60):
    """One JSON request; returns (status, headers, parsed body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status, headers = resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw, status, headers = err.read(), err.code, err.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, headers, parsed


LAUNCHER = """
import sys

from gunicorn.app.base import BaseApplication

PORT = sys.argv[1]
del sys.argv[1:]


class KeystoneServer(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", "127.0.0.1:" + PORT)
        self.cfg.set("workers", 1)
        self.cfg.set("threads", 4)
        self.cfg.set("timeout", 120)
        self.cfg.set("control_socket_disable", True)

    def load(self):
        from keystone.wsgi.api import application
        return application


KeystoneServer().run()
"""


class Keystone:
    """One running Keystone and the identities a test needs in it."""

    DOMAIN = "default"

    def __init__(self, venv, workdir):
        self.venv = venv
        self.workdir = workdir
        self.conf_file = os.path.join(workdir, "keystone.conf")
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.v3 = self.url + "/v3"
        self.admin_password = PASSWORD
        self.process = None
        self.users = {}      # name -> {"id", "name", "password", "project", "project_id"}
        self.projects = {}   # name -> id
        self.roles = {}      # name -> id
        self.timings = {}
        self._admin_token = None

    # -- set-up -----------------------------------------------------------
    def _write_config(self):
        keys = os.path.join(self.workdir, "fernet-keys")
        cred = os.path.join(self.workdir, "credential-keys")
        os.makedirs(keys, mode=0o700)
        os.makedirs(cred, mode=0o700)
        with open(self.conf_file, "w") as f:
            f.write("[DEFAULT]\nlog_file = %s\n\n" % os.path.join(self.workdir, "keystone.log"))
            f.write("[database]\nconnection = sqlite:///%s\n\n"
                    % os.path.join(self.workdir, "keystone.sqlite"))
            f.write("[token]\nprovider = fernet\n\n")
            f.write("[fernet_tokens]\nkey_repository = %s\n\n" % keys)
            f.write("[fernet_receipts]\nkey_repository = %s\n\n" % keys)
            f.write("[credential]\nkey_repository = %s\n" % cred)

    def _manage(self, *args):
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        owner = ["--keystone-user", user, "--keystone-group", group]
        cmd = [os.path.join(self.venv, "bin", "keystone-manage"),
               "--config-file", self.conf_file, *args]
        if args[0] in ("fernet_setup", "credential_setup"):
            cmd += owner
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError("keystone-manage %s failed (%d):\n%s%s"
                               % (args[0], proc.returncode, proc.stdout, proc.stderr))

    def start(self):
        start = time.monotonic()
        self._write_config()
        self._manage("db_sync")
        self._manage("fernet_setup")
        self._manage("credential_setup")
        self._manage("bootstrap", "--bootstrap-password", self.admin_password,
                     "--bootstrap-username", "admin",
                     "--bootstrap-project-name", "admin",
                     "--bootstrap-role-name", "admin",
                     "--bootstrap-region-id", "RegionOne",
                     "--bootstrap-admin-url", self.v3,
                     "--bootstrap-internal-url", self.v3,
                     "--bootstrap-public-url", self.v3)
        self.timings["keystone-manage"] = time.monotonic() - start
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf_file,
                   PYTHONWARNINGS="ignore")
        env.pop("OS_KEYSTONE_CONFIG_DIR", None)
        self._log = open(os.path.join(self.workdir, "gunicorn.log"), "wb")
        # Keystone parses sys.argv with oslo.config, so the server's own
        # options cannot be on its command line: a small launcher runs
        # gunicorn programmatically. One worker: SQLite and several writers
        # do not mix.
        launcher = os.path.join(self.workdir, "serve.py")
        with open(launcher, "w") as f:
            f.write(LAUNCHER)
        self.process = subprocess.Popen(
            [os.path.join(self.venv, "bin", "python"), launcher, str(self.port)],
            env=env, cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self._wait_ready()
        self.timings["serving"] = time.monotonic() - start
        self._create_identities()
        self.timings["setup"] = time.monotonic() - start

    def _wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited with %s:\n%s"
                                   % (self.process.returncode, self.log_tail()))
            try:
                status, _, _ = http("GET", self.v3, timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("Keystone did not answer on %s within %ss:\n%s"
                           % (self.v3, timeout, self.log_tail()))

    def log_tail(self, chars=4000):
        text = ""
        for name in ("gunicorn.log", "keystone.log"):
            path = os.path.join(self.workdir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += "--- %s ---\n%s\n" % (name, f.read()[-chars:])
        return text

    def _admin(self, method, path, body=None, expect=(200, 201, 204)):
        status, _, data = http(method, self.v3 + path, body, token=self.admin_token())
        if status not in expect:
            raise RuntimeError("%s %s -> %s %s" % (method, path, status, data))
        return data

    def _create_identities(self):
        for role in self._admin("GET", "/roles")["roles"]:
            self.roles[role["name"]] = role["id"]
        for needed in ("admin", "member", "reader", "service"):
            if needed not in self.roles:
                self.roles[needed] = self._admin(
                    "POST", "/roles", {"role": {"name": needed}})["role"]["id"]
        for project in self._admin("GET", "/projects")["projects"]:
            self.projects[project["name"]] = project["id"]
        self.users["admin"] = {"name": "admin", "password": self.admin_password,
                               "project": "admin", "project_id": self.projects["admin"],
                               "id": self._admin("GET", "/users?name=admin")["users"][0]["id"]}
        for name in ("project-a", "project-b", "service"):
            self.projects[name] = self._admin(
                "POST", "/projects",
                {"project": {"name": name, "domain_id": self.DOMAIN}})["project"]["id"]
        self.add_user("member-a", "project-a", ["member"])
        self.add_user("member-b", "project-b", ["member"])
        self.add_user("reader-a", "project-a", ["reader"])
        self.add_user("nova", "service", ["service", "admin"])

    def add_user(self, name, project, roles):
        password = "pw-" + uuid.uuid4().hex[:12]
        user = self._admin("POST", "/users", {"user": {
            "name": name, "password": password, "domain_id": self.DOMAIN,
            "default_project_id": self.projects[project]}})["user"]
        for role in roles:
            self._admin("PUT", "/projects/%s/users/%s/roles/%s"
                        % (self.projects[project], user["id"], self.roles[role]))
        self.users[name] = {"id": user["id"], "name": name, "password": password,
                            "project": project, "project_id": self.projects[project]}
        return self.users[name]

    # -- use --------------------------------------------------------------
    def token(self, user):
        """A project-scoped token for one of self.users, and its token body."""
        info = self.users[user]
        status, headers, data = http("POST", self.v3 + "/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": info["name"], "domain": {"id": self.DOMAIN},
                "password": info["password"]}}},
            "scope": {"project": {"id": info["project_id"]}}}})
        if status != 201:
            raise RuntimeError("token for %s: %s %s" % (user, status, data))
        return headers["X-Subject-Token"], data["token"]

    def admin_token(self):
        if self._admin_token is None:
            status, headers, data = http("POST", self.v3 + "/auth/tokens", {"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"id": self.DOMAIN},
                    "password": self.admin_password}}},
                "scope": {"project": {"name": "admin", "domain": {"id": self.DOMAIN}}}}})
            if status != 201:
                raise RuntimeError("admin token: %s %s" % (status, data))
            self._admin_token = headers["X-Subject-Token"]
        return self._admin_token

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        if getattr(self, "_log", None):
            self._log.close()


def start_keystone():
    """Install (once) and start a Keystone; skip locally / fail under CI if impossible."""
    try:
        venv, install_seconds = ensure_venv()
    except (OSError, subprocess.SubprocessError) as exc:
        realparts.missing("cannot install Keystone from PyPI into its virtualenv: %s" % exc)
    workdir = tempfile.mkdtemp(prefix="nova-keystone-")
    ks = Keystone(venv, workdir)
    ks.timings["install"] = install_seconds
    try:
        ks.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        ks.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        realparts.missing("cannot start Keystone: %s" % exc)
    return ks


@pytest.fixture(scope="session")
def keystone():
    ks = start_keystone()
    sys.stderr.write("\nKeystone %s ready: %s\n" % (
        ks.url, ", ".join("%s %.1fs" % item for item in ks.timings.items())))
    yield ks
    ks.stop()
    shutil.rmtree(ks.workdir, ignore_errors=True)
