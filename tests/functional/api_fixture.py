"""The compute API served for real: private databases, the paste pipeline, cheroot.

``api`` (a pytest fixture) gives each test its own SQLite API and cell
databases (migrated, cells v2 mapped), the PasteDeploy pipeline of
etc/nova/api-paste.ini with noauth2, served on a free 127.0.0.1 port in this
process, and clients for it: raw HTTP (``request``), the ``openstack`` CLI
(``osc``) and openstacksdk (``sdk``). Under noauth2 the token is
``user:project``; the user ``admin`` is an administrator.

The server reads ``nova.api.openstack.api_version.MAX_API_VERSION`` on every
request, so a test may change the advertised maximum with
``monkeypatch.setattr(api_version, "MAX_API_VERSION", ...)``; the default
(2.100) already serves every implemented microversion.
"""

import json
import os
import sys
import urllib.error
import urllib.request

from oslo_config import cfg
import pytest

import nova.conf
from nova.cmd import all_identity
from nova import context as nova_context
from nova.db.api import api as api_db_api
from nova.objects import cell_setup
from nova.db import facade
from nova.db.main import api as main_db_api
from nova.image import store as image_store_pkg
from nova import objects
from nova.objects import base as objects_base
from nova import policy
from nova import rpc
from nova import wsgi_server
from tests import dbfixtures
from tests import osc_session

CONF = nova.conf.CONF
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")

# API database, cell1 and cell0 (named as nova-manage derives it from cell1's).
_MAPPED = dbfixtures.MappedCells("api.sqlite", ("cell1.sqlite", "cell1_cell0.sqlite"))

OVERRIDES = {
    ("DEFAULT", "transport_url"): "fake://",
    ("DEFAULT", "host"): "api-test-host",
    ("api", "auth_strategy"): "noauth2",
}


class API:
    """A running compute API and the ways to call it."""

    def __init__(self, tmp_path, server):
        self.tmp_path = tmp_path
        self.server = server
        self.root = "http://127.0.0.1:%d" % server.port
        self.endpoint = self.root + "/v2.1"
        self.ctxt = nova_context.get_admin_context()
        self._clouds = {}
        self._image_store = None
        self._on_stop = []
        self.seeded = {}        # host -> compute_seed.SeededCompute answering its RPC

    def on_stop(self, fn):
        """Call ``fn`` when the API stops (before RPC is torn down)."""
        self._on_stop.append(fn)

    def run_stop_hooks(self):
        while self._on_stop:
            self._on_stop.pop()()

    def _ensure_image_store(self):
        """An embedded image store for the clients: the CLI resolves a server's
        image through the image API, and an image service that cannot be reached
        answers 503, which the SDK retries for a minute."""
        if self._image_store is not None or image_store_pkg.running_endpoint():
            return
        for name, value in (("data_dir", str(self.tmp_path / "images")), ("port", 0),
                            ("listen", "127.0.0.1")):
            CONF.set_override(name, value, group="image_store")
        self._image_store = image_store_pkg.serve()

    def stop_image_store(self):
        if self._image_store is not None:
            self._image_store.stop()
            self._image_store = None
            for name in ("data_dir", "port", "listen"):
                CONF.clear_override(name, group="image_store")

    # -- raw HTTP --------------------------------------------------------------
    def request(self, method, path, body=None, version=None, user="admin", project="admin",
                headers=None, raw_body=None):
        """``(status, headers, json or text)``; ``path`` is relative to /v2.1 unless it
        starts with ``http`` or ``//`` (then relative to the server root)."""
        if path.startswith("http"):
            url = path
        elif path.startswith("//"):
            url = self.root + path[1:]
        else:
            url = self.endpoint + path
        all_headers = {"Accept": "application/json"}
        if user is not None:
            all_headers["X-Auth-Token"] = "%s:%s" % (user, project)
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if version is not None:
            all_headers["OpenStack-API-Version"] = "compute %s" % version
        all_headers.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, resp_headers, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, resp_headers, payload = exc.code, exc.headers, exc.read()
        text = payload.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return status, resp_headers, parsed

    # -- clients -----------------------------------------------------------------
    def _cloud(self, user, project):
        key = "%s:%s" % (user, project)
        if key not in self._clouds:
            self._clouds[key] = {
                "auth_type": "admin_token",
                "auth": {"endpoint": self.endpoint, "token": key},
                "compute_endpoint_override": self.endpoint,
                "region_name": "RegionOne",
                "identity_api_version": "3",
                # No Keystone under noauth2: an identity endpoint that answers 404
                # makes the CLI fall back to the project ids it was given.
                "identity_endpoint_override": self.root + "/identity/v3",
            }
        return self._clouds[key]

    def osc(self, *args, user="admin", project="admin", version=None, check=True):
        """Run ``openstack ARGS -f json``; the parsed JSON (or None for no output)."""
        self._ensure_image_store()
        name = "c-%s-%s" % (user, project)
        clouds = {"clouds": {name: self._cloud(user, project)}}
        path = self.tmp_path / ("clouds-%s.yaml" % name)
        path.write_text(json.dumps(clouds))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = str(path)
        cmd = [OPENSTACK, "--os-cloud", name]
        if version is not None:
            cmd += ["--os-compute-api-version", str(version)]
        cmd += list(args)
        wants_json = args and args[-1] not in ("-f", "json") and "-f" not in args
        if wants_json and _formats_output(args):
            cmd += ["-f", "json"]
        # Through this test process's one CLI process (tests/osc_session.py):
        # what ``subprocess.run(cmd, capture_output=True, text=True, env=env,
        # timeout=120)`` gives, without importing the CLI again for each command.
        proc = osc_session.run(cmd[1:], env=env, cwd=os.getcwd(), timeout=120)
        proc.args = cmd
        if check and proc.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (
                " ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
        if not check:
            return proc
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def sdk(self, user="admin", project="admin"):
        import openstack
        self._ensure_image_store()
        cloud = self._cloud(user, project)
        return openstack.connection.Connection(
            auth_type=cloud["auth_type"], auth=dict(cloud["auth"]),
            compute_endpoint_override=self.endpoint, region_name="RegionOne")


class _IdentityStub:
    """Keystone's place under noauth2: nova-all's identity stand-in at /identity.

    The CLI reads the identity version document before some commands and looks
    projects up by id (nova/cmd/all_identity.py answers both); everything
    outside /identity goes to the compute API.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/identity"):
            return self.app(environ, start_response)
        environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + "/identity",
                       PATH_INFO=path[len("/identity"):])
        return all_identity.application(environ, start_response)


def _formats_output(args):
    """Whether the command prints a formattable result (list/show/create/limits)."""
    verbs = {"list", "show", "create"}
    return any(a in verbs for a in args) or tuple(args[:2]) == ("limits", "show")


def _set(group, name, value):
    CONF.set_override(name, value, group=None if group == "DEFAULT" else group)


def start_api(tmp_path, monkeypatch, overrides=None):
    """Databases, configuration and the running server; returns (API, cleanup)."""
    rpc.register_opts(CONF)
    objects.register_all()
    api_url = "sqlite:///%s" % (tmp_path / "api.sqlite")
    cell_url = "sqlite:///%s" % (tmp_path / "cell1.sqlite")
    # The databases as simple_cell_setup leaves them, copied from the first test
    # that ran it; that one starts from the once-migrated schema templates.
    mapped = _MAPPED.copy(tmp_path)
    if not mapped:
        dbfixtures.sqlite_copy("api", tmp_path / "api.sqlite")
        dbfixtures.sqlite_copy("main", tmp_path / "cell1.sqlite")
        dbfixtures.sqlite_copy("main", tmp_path / "cell1_cell0.sqlite")
    values = dict(OVERRIDES)
    values[("api_database", "connection")] = api_url
    values[("database", "connection")] = cell_url
    values.update(overrides or {})
    for (group, name), value in values.items():
        _set(group, name, value)
    monkeypatch.setattr(api_db_api, "context_manager",
                        facade.new_transaction_context(api_url))
    monkeypatch.setattr(api_db_api, "_configured", True)
    monkeypatch.setattr(main_db_api, "main_context_manager",
                        main_db_api.create_context_manager(cell_url))
    monkeypatch.setattr(main_db_api, "_configured", True)
    monkeypatch.setattr(main_db_api, "DISABLE_DB_ACCESS", False)
    monkeypatch.setattr(objects_base.NovaObject, "indirection_api", None)
    monkeypatch.setattr(nova_context, "_CELL_CACHE", {})
    # The compute API objects of the route modules keep their Placement client (and
    # its endpoint) from first use: each test's API starts with none.
    from nova.api.openstack.compute import server_actions, server_create
    from nova.api.openstack.compute import server_diagnostics, servers
    for module in (server_actions, server_create, server_diagnostics, servers):
        monkeypatch.setattr(module.COMPUTE, "_report_client", None, raising=False)
    policy.reset()
    # The policy defaults only: no policy file of the machine is read.
    policy_conf = cfg.ConfigOpts()
    policy_conf([], project="nova", default_config_files=[], default_config_dirs=[])
    policy.init(conf=policy_conf)
    rpc.init(CONF)
    if not mapped:
        cell_setup.simple_cell_setup(nova_context.get_admin_context(), "fake://",
                                     verify_transport=False)
        _MAPPED.save(tmp_path)
    from nova.api.openstack.compute import wsgi_app
    app = wsgi_app.init_application()
    server = wsgi_server.Server("osapi_compute", _IdentityStub(app), host="127.0.0.1", port=0, threads=8)
    server.start()

    running = API(tmp_path, server)

    def cleanup():
        running.stop_image_store()
        server.stop()
        running.run_stop_hooks()
        rpc.cleanup()
        policy.reset()
        for (group, name) in values:
            CONF.clear_override(name, group=None if group == "DEFAULT" else group)
        api_db_api.get_engine().dispose()

    return running, cleanup


@pytest.fixture
def api(tmp_path, monkeypatch):
    """A running compute API with noauth2 on private SQLite databases."""
    running, cleanup = start_api(tmp_path, monkeypatch)
    try:
        yield running
    finally:
        cleanup()
