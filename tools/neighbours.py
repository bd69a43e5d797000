#!/usr/bin/env python3
"""Keystone, Glance, Neutron and Placement from PyPI, beside this project, on one machine.

For a tryout of nova against the real neighbouring services, and for the
integration tests (tests/integration/neighbours_fixture.py runs this script).
Standard library only; any Python 3.11 runs it.

    tools/neighbours.py install
        Create (or reuse) the cached virtualenv
        ~/.cache/nova-tests/neighbours-venv-<hash> holding keystone 30,
        glance 33, neutron 29, openstack-placement 16, gunicorn, PyMySQL and
        the agent-less ML2 mechanism driver of tools/agentless_ml2/.

    tools/neighbours.py start --workdir DIR --compute-url URL
                              [--transport-url URL] [--mysql-host H] [--json FILE]
        Write the configurations into DIR, make one fresh MariaDB database per
        service, sync them (a copy of the template database a first sync
        left, ``neighbours_tpl_<key>_<service>``, kept like the virtualenv),
        bootstrap Keystone (admin; the service project;
        users nova, neutron, glance, placement with the service and admin
        roles; a catalog with identity, compute (URL, the nova API under
        test), image, network and placement), start each service under
        gunicorn on a free loopback port, create the networks ``private``
        (10.0.0.0/24, shared) and ``public`` (external, 172.24.4.0/24), and
        print a JSON document of URLs, credentials, databases and PIDs
        (also written to DIR/neighbours.json).

    tools/neighbours.py stop --workdir DIR [--drop-databases]
        Stop exactly the processes started (their PIDs from DIR/neighbours.json)
        and, if asked, drop their databases.

Neutron needs a message queue for its notifications: without --transport-url
a private RabbitMQ vhost is made with rabbitmqctl (and removed by stop).
"""

import argparse
import concurrent.futures
import fcntl
import hashlib
import json
import os
import shutil
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER_DIR = os.path.join(HERE, "agentless_ml2")
REQUIREMENTS = ("keystone>=30,<31", "glance>=33,<34", "neutron>=29,<30",
                "openstack-placement>=16,<17", "gunicorn", "PyMySQL")
CACHE_ROOT = os.environ.get("NOVA_NEIGHBOURS_CACHE",
                            os.path.join(os.path.expanduser("~"), ".cache", "nova-tests"))
INSTALL_TIMEOUT = 1800
SERVICES = ("keystone", "glance", "neutron", "placement")
REGION = "RegionOne"


# -- installation -------------------------------------------------------------------

def venv_path():
    key = hashlib.sha1("\n".join(REQUIREMENTS).encode()).hexdigest()[:12]
    return os.path.join(CACHE_ROOT, "neighbours-venv-" + key)


def _driver_hash():
    digest = hashlib.sha1()
    for name in sorted(os.listdir(DRIVER_DIR)):
        path = os.path.join(DRIVER_DIR, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    return digest.hexdigest()[:12]


def ensure_venv(python=None):
    """Create (or reuse) the virtualenv; return (path, seconds spent installing).

    One installer at a time (a file lock); a venv without its marker file was
    left half-made and is made again. The ML2 driver is reinstalled (seconds)
    whenever its source changes, without touching the rest.
    """
    path = venv_path()
    marker = os.path.join(path, ".installed")
    driver_marker = os.path.join(path, ".driver-" + _driver_hash())
    pip = [os.path.join(path, "bin", "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    os.makedirs(CACHE_ROOT, exist_ok=True)
    start = time.monotonic()
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run([python or sys.executable, "-m", "venv", path], check=True)
            subprocess.run(pip + list(REQUIREMENTS), check=True, timeout=INSTALL_TIMEOUT)
            with open(marker, "w") as f:
                f.write("\n".join(REQUIREMENTS) + "\n")
        if not os.path.exists(driver_marker):
            for old in os.listdir(path):
                if old.startswith(".driver-"):
                    os.unlink(os.path.join(path, old))
            # A private copy: pip builds in place and must not litter the tree.
            build = os.path.join(path, "agentless-ml2-src")
            shutil.rmtree(build, ignore_errors=True)
            shutil.copytree(DRIVER_DIR, build,
                            ignore=shutil.ignore_patterns("*.egg-info", "build",
                                                          "__pycache__"))
            subprocess.run(pip + ["--no-deps", "--force-reinstall", build], check=True,
                           timeout=600)
            open(driver_marker, "w").close()
    return path, time.monotonic() - start


# -- small helpers --------------------------------------------------------------------

def free_port():
    """A TCP port free on 127.0.0.1 now, below the kernel's ephemeral range
    (32768 and up), which outgoing connections take ports from: one of those
    could take a port chosen with bind(0) before its server bound it."""
    for _attempt in range(500):
        port = random.randint(10000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method, url, body=None, token=None, headers=None, timeout=60):
    """One JSON request; (status, headers, parsed body or None)."""
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
            raw, status, hdrs = resp.read(), resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw, status, hdrs = err.read(), err.code, err.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, hdrs, parsed


def write_ini(path, sections):
    with open(path, "w") as f:
        for group, values in sections.items():
            f.write("[%s]\n" % group)
            for key, value in values.items():
                f.write("%s = %s\n" % (key, value))
            f.write("\n")
    return path


def mysql(host, sql):
    """Run statements as MariaDB's root through the venv's PyMySQL."""
    code = ("import sys, pymysql\n"
            "c = pymysql.connect(host=sys.argv[1], user='root', password='', autocommit=True)\n"
            "cur = c.cursor()\n"
            "for s in sys.argv[2:]:\n"
            "    cur.execute(s)\n")
    subprocess.run([os.path.join(venv_path(), "bin", "python"), "-c", code, host, *sql],
                   check=True, capture_output=True, timeout=120)


# A schema a service's own migrations made once, kept as a template database
# (``neighbours_tpl_<key>_<service>``; the key names the virtualenv's
# installation and the ML2 driver) and copied, tables, rows and foreign keys,
# into each fresh database: seconds of SQL instead of a process running every
# migration (Neutron's alone costs half a minute of CPU). A template with
# views, triggers, routines or generated columns is not made; such a service
# keeps its migrations.
TEMPLATE_MARK = "neighbours_template_complete"
SCHEMAS = r"""
import json, sys, pymysql
host, command, pairs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
c = pymysql.connect(host=host, user='root', password='', autocommit=True)
cur = c.cursor()
cur.execute("SET SESSION foreign_key_checks = 0")
MARK = %(mark)r

def rows(sql, *args):
    cur.execute(sql, args)
    return cur.fetchall()

def complete(db):
    return bool(rows("SELECT 1 FROM information_schema.tables "
                     "WHERE table_schema = %%s AND table_name = %%s", db, MARK))

def copyable(db):
    return not (rows("SELECT 1 FROM information_schema.tables WHERE table_schema = %%s "
                     "AND table_type <> 'BASE TABLE'", db)
                or rows("SELECT 1 FROM information_schema.triggers "
                        "WHERE trigger_schema = %%s", db)
                or rows("SELECT 1 FROM information_schema.routines "
                        "WHERE routine_schema = %%s", db)
                or rows("SELECT 1 FROM information_schema.columns WHERE table_schema = %%s "
                        "AND extra LIKE '%%%%GENERATED%%%%'", db))

def copy(source, target):
    tables = [t for (t,) in rows("SELECT table_name FROM information_schema.tables "
                                 "WHERE table_schema = %%s AND table_name <> %%s",
                                 source, MARK)]
    cur.execute("USE `%%s`" %% target)
    for table in tables:
        cur.execute("SHOW CREATE TABLE `%%s`.`%%s`" %% (source, table))
        cur.execute(cur.fetchone()[1])
        cur.execute("INSERT INTO `%%s`.`%%s` SELECT * FROM `%%s`.`%%s`"
                    %% (target, table, source, table))
    return len(tables)

done = []
for template, db in pairs:
    if command == "restore":
        # Into the fresh (empty) database, from a complete template.
        if complete(template):
            copy(template, db)
            done.append(db)
    elif command == "save" and not complete(template) and copyable(db):
        # The service's older templates (another installation's), and this
        # one if a save was interrupted.
        service = template.rsplit("_", 1)[1]
        for (old,) in rows("SELECT schema_name FROM information_schema.schemata "
                           "WHERE schema_name LIKE 'neighbours\\_tpl\\_%%%%'"):
            if old.rsplit("_", 1)[1] == service:
                cur.execute("DROP DATABASE `%%s`" %% old)
        cur.execute("CREATE DATABASE `%%s` CHARACTER SET utf8mb4" %% template)
        copy(db, template)
        cur.execute("CREATE TABLE `%%s`.`%%s` (id INT)" %% (template, MARK))
        done.append(db)
print(json.dumps(done))
""" % {"mark": TEMPLATE_MARK}


def schemas(host, command, pairs):
    """``restore`` (template -> database, where the template is complete) or
    ``save`` (database -> template, where none is complete; one saver at a
    time, a file lock) each (template, database) pair; the databases done."""
    cmd = [os.path.join(venv_path(), "bin", "python"), "-c", SCHEMAS, host, command,
           json.dumps(pairs)]
    with open(os.path.join(CACHE_ROOT, "neighbours-templates.lock"), "w") as lock:
        if command == "save":
            fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError("schema %s failed:\n%s" % (command, proc.stderr[-3000:]))
    return json.loads(proc.stdout)


def template_key(venv):
    """The installation the templates come from: the virtualenv (its requirements
    and when it was installed) and the ML2 driver's source."""
    marker = os.path.join(venv, ".installed")
    stamp = "%s %s %s" % (venv, os.path.getmtime(marker) if os.path.exists(marker) else 0,
                          _driver_hash())
    return hashlib.sha1(stamp.encode()).hexdigest()[:12]


def rabbitmqctl(*args):
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        raise RuntimeError("rabbitmqctl is not installed; pass --transport-url")
    subprocess.run([exe, "-q", *args], check=True, capture_output=True, timeout=60)


# gunicorn in-process: the services parse sys.argv with oslo.config, so the
# server's own options must not be on the command line.
LAUNCHER = """
import os
import sys

from gunicorn.app.base import BaseApplication

MODULE, PORT, WORKERS = sys.argv[1], sys.argv[2], int(sys.argv[3])
del sys.argv[1:]


class Server(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", "127.0.0.1:" + PORT)
        self.cfg.set("workers", WORKERS)
        self.cfg.set("threads", 8)
        self.cfg.set("timeout", 300)
        self.cfg.set("graceful_timeout", 5)
        # Idle keep-alive connections stay open longer than a client's pool
        # keeps them unused (gunicorn's 2 s default closed connections that
        # keystoneauth was about to reuse: RemoteDisconnected under load).
        self.cfg.set("keepalive", 75)
        self.cfg.set("control_socket_disable", True)
        self.cfg.set("accesslog", "-")

    def load(self):
        import importlib
        return importlib.import_module(MODULE).application


Server().run()
"""


class Neighbours:
    """The four services of one work directory."""

    def __init__(self, workdir, compute_url, transport_url=None, mysql_host="127.0.0.1",
                 venv=None, workers=1):
        self.workdir = os.path.abspath(workdir)
        self.venv = venv or venv_path()
        self.compute_url = compute_url.rstrip("/")
        self.mysql_host = mysql_host
        self.workers = workers
        self.tag = uuid.uuid4().hex[:8]
        self.vhost = None
        if transport_url is None:
            self.vhost = "neighbours_" + self.tag
            transport_url = "rabbit://guest:guest@127.0.0.1:5672/" + self.vhost
        self.transport_url = transport_url
        self.ports = {name: free_port() for name in SERVICES}
        self.urls = {name: "http://127.0.0.1:%d" % port for name, port in self.ports.items()}
        self.urls["identity"] = self.urls["keystone"] + "/v3"
        self.databases = {name: "neighbours_%s_%s" % (name, self.tag) for name in SERVICES}
        self.passwords = {name: "pw-" + uuid.uuid4().hex[:16]
                          for name in ("admin", "nova", "neutron", "glance", "placement",
                                       "demo")}
        self.pids = {}
        self.timings = {}
        self.networks = {}
        self._admin_token = None

    def db_url(self, service):
        return "mysql+pymysql://root@%s/%s?charset=utf8" % (self.mysql_host,
                                                             self.databases[service])

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def bin(self, name):
        return os.path.join(self.venv, "bin", name)

    def run(self, *cmd, env=None, timeout=600):
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, **(env or {})), cwd=self.workdir)
        if proc.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s\n%s" % (
                " ".join(cmd[:3]), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
        return proc.stdout

    # -- configuration ------------------------------------------------------------------

    def _authtoken(self, user):
        return {"www_authenticate_uri": self.urls["identity"],
                "auth_url": self.urls["identity"], "auth_type": "password",
                "username": user, "password": self.passwords[user],
                "project_name": "service", "user_domain_name": "Default",
                "project_domain_name": "Default", "region_name": REGION,
                "service_token_roles_required": "true"}

    def _service_auth(self, user):
        return {"auth_url": self.urls["identity"], "auth_type": "password",
                "username": user, "password": self.passwords[user],
                "project_name": "service", "user_domain_name": "Default",
                "project_domain_name": "Default", "region_name": REGION}

    def write_configs(self):
        for name in SERVICES:
            os.makedirs(self.path(name), exist_ok=True)
        # The paste pipelines ship in the venv's etc/, outside the packages.
        shutil.copy(os.path.join(self.venv, "etc", "glance", "glance-api-paste.ini"),
                    self.path("glance"))
        shutil.copy(os.path.join(self.venv, "etc", "neutron", "api-paste.ini"),
                    self.path("neutron"))
        keys = self.path("keystone", "fernet-keys")
        creds = self.path("keystone", "credential-keys")
        os.makedirs(keys, mode=0o700, exist_ok=True)
        os.makedirs(creds, mode=0o700, exist_ok=True)
        write_ini(self.path("keystone", "keystone.conf"), {
            "DEFAULT": {"log_file": self.path("keystone", "keystone.log")},
            "database": {"connection": self.db_url("keystone")},
            "token": {"provider": "fernet"},
            # bcrypt's least cost: a password check costs ~1 ms of CPU
            # instead of ~250 ms (every CLI command logs in with a password).
            "identity": {"password_hash_rounds": 4},
            "fernet_tokens": {"key_repository": keys},
            "fernet_receipts": {"key_repository": keys},
            "credential": {"key_repository": creds},
        })
        images = self.path("glance", "images")
        os.makedirs(images, exist_ok=True)
        write_ini(self.path("glance", "glance-api.conf"), {
            "DEFAULT": {"log_file": self.path("glance", "glance.log"),
                        "enabled_backends": "file:file",
                        "bind_host": "127.0.0.1", "bind_port": self.ports["glance"],
                        "workers": self.workers},
            "database": {"connection": self.db_url("glance")},
            "glance_store": {"default_backend": "file"},
            "file": {"filesystem_store_datadir": images},
            "os_glance_staging_store": {"filesystem_store_datadir":
                                        self.path("glance", "staging")},
            "os_glance_tasks_store": {"filesystem_store_datadir": self.path("glance", "tasks")},
            "keystone_authtoken": self._authtoken("glance"),
            "paste_deploy": {"flavor": "keystone",
                             "config_file": self.path("glance", "glance-api-paste.ini")},
            "oslo_concurrency": {"lock_path": self.path("glance", "locks")},
        })
        write_ini(self.path("neutron", "neutron.conf"), {
            "DEFAULT": {"log_file": self.path("neutron", "neutron.log"), "debug": "true",
                        "core_plugin": "ml2", "service_plugins": "router",
                        "auth_strategy": "keystone", "transport_url": self.transport_url,
                        "notify_nova_on_port_status_changes": "true",
                        "notify_nova_on_port_data_changes": "true",
                        "send_events_interval": 1,
                        "api_workers": self.workers, "rpc_workers": 0,
                        "api_paste_config": self.path("neutron", "api-paste.ini"),
                        "state_path": self.path("neutron", "state")},
            "database": {"connection": self.db_url("neutron")},
            "keystone_authtoken": self._authtoken("neutron"),
            "nova": dict(self._service_auth("nova"), endpoint_type="public"),
            "oslo_concurrency": {"lock_path": self.path("neutron", "locks")},
            "ml2": {"type_drivers": "flat,vlan", "tenant_network_types": "vlan",
                    "mechanism_drivers": "agentless", "extension_drivers": "port_security"},
            "ml2_type_flat": {"flat_networks": "public"},
            "ml2_type_vlan": {"network_vlan_ranges": "physnet1:100:199"},
            "ml2_agentless": {"vif_type": "ovs"},
            "securitygroup": {"firewall_driver": "noop"},
        })
        write_ini(self.path("placement", "placement.conf"), {
            "DEFAULT": {"log_file": self.path("placement", "placement.log")},
            "placement_database": {"connection": self.db_url("placement")},
            "api": {"auth_strategy": "keystone"},
            "keystone_authtoken": self._authtoken("placement"),
        })

    def env(self, service):
        conf = {
            "keystone": ["keystone.conf"],
            "glance": ["glance-api.conf"],
            "neutron": ["neutron.conf"],
            "placement": ["placement.conf"],
        }[service]
        upper = service.upper()
        return {"OS_%s_CONFIG_DIR" % upper: self.path(service),
                "OS_%s_CONFIG_FILES" % upper: ";".join(self.path(service, c) for c in conf),
                "PYTHONWARNINGS": "ignore"}

    # -- databases -------------------------------------------------------------------

    def create_databases(self):
        mysql(self.mysql_host, ["CREATE DATABASE `%s` CHARACTER SET utf8mb4" % db
                                for db in self.databases.values()])
        if self.vhost:
            rabbitmqctl("add_vhost", self.vhost)
            rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")

    def template(self, service):
        return "neighbours_tpl_%s_%s" % (template_key(self.venv), service)

    def sync_databases(self):
        """Each schema copied from its template where there is one, else made by
        the service's migrations (and kept as the template); Keystone's key
        repositories meanwhile, and its bootstrap once its schema and keys are
        there. Every step is a subprocess of its own, run from a thread."""
        ks_conf = self.path("keystone", "keystone.conf")
        owner = ["--keystone-user", str(os.getuid()), "--keystone-group", str(os.getgid())]
        try:
            import grp
            import pwd
            owner = ["--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
                     "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
        except (ImportError, KeyError):
            pass
        migrate = {"keystone": [self.bin("keystone-manage"), "--config-file", ks_conf,
                                "db_sync"],
                   "glance": [self.bin("glance-manage"), "--config-file",
                              self.path("glance", "glance-api.conf"), "db_sync"],
                   "neutron": [self.bin("neutron-db-manage"), "--config-file",
                               self.path("neutron", "neutron.conf"), "upgrade", "heads"],
                   "placement": [self.bin("placement-manage"), "--config-file",
                                 self.path("placement", "placement.conf"), "db", "sync"]}
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            keys = [pool.submit(self._timed, "keystone_" + step,
                                [self.bin("keystone-manage"), "--config-file", ks_conf, step,
                                 *owner])
                    for step in ("fernet_setup", "credential_setup")]
            mark = time.monotonic()
            pairs = {name: (self.template(name), self.databases[name]) for name in SERVICES}
            restored = set(schemas(self.mysql_host, "restore", list(pairs.values())))
            self.timings["schemas_copied"] = time.monotonic() - mark
            made = [name for name in SERVICES if self.databases[name] not in restored]
            futures = {name: pool.submit(self._timed, name + "_migrations", migrate[name])
                       for name in made if name != "keystone"}
            if "keystone" in made:
                self._timed("keystone_migrations", migrate["keystone"])
                # The template holds the migrations' schema, before the bootstrap's rows.
                schemas(self.mysql_host, "save", [pairs["keystone"]])
            for future in keys:
                future.result()
            self._timed("keystone_bootstrap", [
                self.bin("keystone-manage"), "--config-file", ks_conf, "bootstrap",
                "--bootstrap-password", self.passwords["admin"],
                "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
                "--bootstrap-role-name", "admin", "--bootstrap-region-id", REGION,
                "--bootstrap-admin-url", self.urls["identity"],
                "--bootstrap-internal-url", self.urls["identity"],
                "--bootstrap-public-url", self.urls["identity"]])
            for future in futures.values():
                future.result()
        others = [pairs[name] for name in made if name != "keystone"]
        if others:
            mark = time.monotonic()
            schemas(self.mysql_host, "save", others)
            self.timings["templates_saved"] = time.monotonic() - mark

    def _timed(self, name, cmd):
        mark = time.monotonic()
        self.run(*cmd)
        self.timings[name] = time.monotonic() - mark

    # -- processes ---------------------------------------------------------------------

    def serve(self, service, module):
        launcher = self.path("serve.py")
        if not os.path.exists(launcher):
            with open(launcher, "w") as f:
                f.write(LAUNCHER)
        log = open(self.path(service, "gunicorn.log"), "ab")
        try:
            proc = subprocess.Popen(
                [self.bin("python"), launcher, module, str(self.ports[service]),
                 str(self.workers)],
                env=dict(os.environ, **self.env(service)), cwd=self.path(service),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            log.close()
        self.pids[service] = proc.pid
        self.save()
        return proc

    def wait_ready(self, service, path, timeout=120):
        deadline = time.monotonic() + timeout
        url = self.urls[service] + path
        while time.monotonic() < deadline:
            if not _alive(self.pids[service]):
                raise RuntimeError("%s exited:\n%s" % (service, self.log_tail(service)))
            try:
                status, _, _ = http("GET", url, timeout=5)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("%s did not answer on %s within %ss:\n%s"
                           % (service, url, timeout, self.log_tail(service)))

    def log_tail(self, service, chars=3000):
        text = ""
        for name in ("gunicorn.log", service + ".log"):
            path = self.path(service, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += "--- %s/%s ---\n%s\n" % (service, name, f.read()[-chars:])
        return text

    # -- Keystone contents -------------------------------------------------------------

    def admin_token(self):
        if self._admin_token is None:
            self._admin_token = self.token("admin", "admin")
        return self._admin_token

    def token(self, user, project):
        status, headers, body = http("POST", self.urls["identity"] + "/auth/tokens", {
            "auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"},
                "password": self.passwords[user]}}},
                "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
        if status != 201:
            raise RuntimeError("token for %s: %s %s" % (user, status, body))
        return headers["X-Subject-Token"]

    def identity(self, method, path, body=None):
        status, _, data = http(method, self.urls["identity"] + path, body,
                               token=self.admin_token())
        if status not in (200, 201, 204):
            raise RuntimeError("%s %s -> %s %s" % (method, path, status, data))
        return data

    def bootstrap_identity(self):
        roles = {r["name"]: r["id"] for r in self.identity("GET", "/roles")["roles"]}
        for needed in ("member", "reader", "service"):
            if needed not in roles:
                roles[needed] = self.identity("POST", "/roles",
                                              {"role": {"name": needed}})["role"]["id"]
        service_project = self.identity("POST", "/projects", {"project": {
            "name": "service", "domain_id": "default"}})["project"]["id"]
        self.users = {}
        for user in ("nova", "neutron", "glance", "placement"):
            uid = self.identity("POST", "/users", {"user": {
                "name": user, "password": self.passwords[user], "domain_id": "default",
                "default_project_id": service_project}})["user"]["id"]
            for role in ("service", "admin"):
                self.identity("PUT", "/projects/%s/users/%s/roles/%s"
                              % (service_project, uid, roles[role]))
            self.users[user] = uid
        endpoints = {
            ("nova", "compute"): self.compute_url,
            ("glance", "image"): self.urls["glance"],
            ("neutron", "network"): self.urls["neutron"],
            ("placement", "placement"): self.urls["placement"],
        }
        for (name, kind), url in endpoints.items():
            sid = self.identity("POST", "/services", {"service": {
                "name": name, "type": kind, "enabled": True}})["service"]["id"]
            for interface in ("public", "internal", "admin"):
                self.identity("POST", "/endpoints", {"endpoint": {
                    "service_id": sid, "interface": interface, "url": url,
                    "region_id": REGION}})
        # A user of a project of its own, as a person trying the cloud would be.
        demo_project = self.identity("POST", "/projects", {"project": {
            "name": "demo", "domain_id": "default"}})["project"]["id"]
        uid = self.identity("POST", "/users", {"user": {
            "name": "demo", "password": self.passwords["demo"], "domain_id": "default",
            "default_project_id": demo_project}})["user"]["id"]
        self.identity("PUT", "/projects/%s/users/%s/roles/%s"
                      % (demo_project, uid, roles["member"]))
        self.users["demo"] = uid
        self.projects = {"admin": self.identity("GET", "/projects?name=admin")
                         ["projects"][0]["id"], "service": service_project,
                         "demo": demo_project}

    # -- Neutron contents ---------------------------------------------------------------

    def neutron(self, method, path, body=None):
        status, _, data = http(method, self.urls["neutron"] + path, body,
                               token=self.admin_token())
        if status not in (200, 201, 204):
            raise RuntimeError("%s %s -> %s %s" % (method, path, status, data))
        return data

    def create_networks(self):
        private = self.neutron("POST", "/v2.0/networks", {"network": {
            "name": "private", "shared": True}})["network"]
        subnet = self.neutron("POST", "/v2.0/subnets", {"subnet": {
            "name": "private-subnet", "network_id": private["id"], "ip_version": 4,
            "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1"}})["subnet"]
        public = self.neutron("POST", "/v2.0/networks", {"network": {
            "name": "public", "router:external": True, "shared": True,
            "provider:network_type": "flat",
            "provider:physical_network": "public"}})["network"]
        public_subnet = self.neutron("POST", "/v2.0/subnets", {"subnet": {
            "name": "public-subnet", "network_id": public["id"], "ip_version": 4,
            "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1"}})["subnet"]
        self.networks = {"private": {"id": private["id"], "subnet_id": subnet["id"]},
                         "public": {"id": public["id"], "subnet_id": public_subnet["id"]}}

    # -- the whole thing -----------------------------------------------------------------

    def start(self):
        begin = time.monotonic()
        os.makedirs(self.workdir, exist_ok=True)
        self.write_configs()
        self.create_databases()
        self.save()
        self.sync_databases()
        mark = time.monotonic()
        # All four start at once (none needs another to start); Keystone's
        # contents are made while the others load.
        self.serve("keystone", "keystone.wsgi.api")
        self.serve("glance", "glance.wsgi.api")
        self.serve("neutron", "neutron.wsgi.api")
        self.serve("placement", "placement.wsgi.api")
        self.wait_ready("keystone", "/v3")
        self.bootstrap_identity()
        self.wait_ready("glance", "/versions")
        self.wait_ready("neutron", "/")
        self.wait_ready("placement", "/")
        self.timings["serving"] = time.monotonic() - mark
        self.create_networks()
        self.timings["start"] = time.monotonic() - begin
        return self.save()

    def describe(self):
        auth = {"auth_url": self.urls["identity"], "user_domain_name": "Default",
                "project_domain_name": "Default", "region_name": REGION}
        return {
            "workdir": self.workdir,
            "venv": self.venv,
            "region": REGION,
            "urls": {"identity": self.urls["identity"], "image": self.urls["glance"],
                     "network": self.urls["neutron"], "placement": self.urls["placement"],
                     "compute": self.compute_url},
            "admin": dict(auth, username="admin", password=self.passwords["admin"],
                          project_name="admin"),
            "service_users": {user: dict(auth, username=user, password=self.passwords[user],
                                         project_name="service")
                              for user in ("nova", "neutron", "glance", "placement")},
            "demo": dict(auth, username="demo", password=self.passwords["demo"],
                         project_name="demo"),
            "projects": getattr(self, "projects", {}),
            "networks": self.networks,
            "transport_url": self.transport_url,
            "vhost": self.vhost,
            "mysql_host": self.mysql_host,
            "databases": self.databases,
            "pids": self.pids,
            "logs": {s: self.path(s, s + ".log") for s in SERVICES},
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }

    def save(self):
        data = self.describe()
        tmp = self.path("neighbours.json.tmp")
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, self.path("neighbours.json"))
        return data


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def stop(state, drop_databases=False, timeout=15):
    """SIGTERM each recorded process group (gunicorn and its workers), then SIGKILL."""
    pids = list(state.get("pids", {}).values())
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.1)
        if _alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap(pid)
    if drop_databases:
        mysql(state.get("mysql_host", "127.0.0.1"),
              ["DROP DATABASE IF EXISTS `%s`" % db for db in state["databases"].values()])
        if state.get("vhost"):
            try:
                rabbitmqctl("delete_vhost", state["vhost"])
            except (RuntimeError, subprocess.CalledProcessError):
                pass


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="create or reuse the cached virtualenv")
    start_p = sub.add_parser("start", help="configure and start the four services")
    start_p.add_argument("--workdir", required=True)
    start_p.add_argument("--compute-url", required=True,
                         help="the nova API (…/v2.1) for the catalog and Neutron's events")
    start_p.add_argument("--transport-url", help="for Neutron (default: a private vhost)")
    start_p.add_argument("--mysql-host", default="127.0.0.1")
    start_p.add_argument("--workers", type=int, default=1)
    start_p.add_argument("--json", help="also write the description here")
    stop_p = sub.add_parser("stop", help="stop the services a start left running")
    stop_p.add_argument("--workdir", required=True)
    stop_p.add_argument("--drop-databases", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "install":
        path, seconds = ensure_venv()
        print(json.dumps({"venv": path, "install_seconds": round(seconds, 1)}))
        return 0
    if args.command == "stop":
        with open(os.path.join(args.workdir, "neighbours.json")) as f:
            stop(json.load(f), drop_databases=args.drop_databases)
        return 0
    venv, seconds = ensure_venv()
    nb = Neighbours(args.workdir, args.compute_url, transport_url=args.transport_url,
                    mysql_host=args.mysql_host, venv=venv, workers=args.workers)
    nb.timings["install"] = seconds

    def stopped(signum, frame):
        raise SystemExit("stopped by signal %d" % signum)

    # SIGTERM (a test's timeout) stops what was started, as a failure does.
    signal.signal(signal.SIGTERM, stopped)
    try:
        data = nb.start()
    except BaseException:
        stop(nb.describe(), drop_databases=True)
        raise
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=2)
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
