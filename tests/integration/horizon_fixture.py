"""A cloud for the dashboard: nova's daemons beside the real neighbours, and Horizon.

Keystone 30, Glance 33, Neutron 29 and Placement 16 come from tools/neighbours.py;
nova-api, nova-conductor, nova-scheduler, one nova-compute (fake driver) and
nova-novncproxy run as separate processes over RabbitMQ and MariaDB
(tests/integration/boot_cluster.py); Horizon 27 comes from tools/horizon.py (its
own cached virtualenv) and is served by Django's runserver on a free loopback
port. ``dashboard_cloud()`` is a context manager, used by the dashboard tests
(one deployment per module) and by benchmarks/dashboard.py.

The cloud holds, before any page is opened: a flavor ``m1.tiny`` (public),
an image ``cirros-dash`` (public, raw), the admin's key pair ``admin-key`` and the
demo user's ``demo-key``.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tests import realparts
from tests.integration import boot_cluster
from tests.integration import neighbours_fixture
from tests.integration import nova_procs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "tools", "horizon.py")
CHROMIUM = os.environ.get("NOVA_TEST_CHROMIUM", "/usr/bin/chromium")


def public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _script(*args, timeout=1800):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=timeout)


def require_browser():
    """Playwright (PyPI) and Debian's chromium, or skip (fail under CI)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        realparts.missing("playwright is not installed in the test venv: %s" % exc)
    if not os.path.exists(CHROMIUM):
        realparts.missing("Debian's chromium is not installed at %s" % CHROMIUM)


def install_horizon():
    """The cached Horizon virtualenv (made once per machine and version)."""
    proc = _script("install")
    if proc.returncode != 0:
        realparts.missing("cannot install Horizon from PyPI: %s"
                          % (proc.stderr[-2000:] or proc.stdout[-2000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


class DashboardCloud:
    def __init__(self, nb, cluster, horizon, workdir):
        self.nb = nb
        self.cluster = cluster
        self.horizon = horizon
        self.url = horizon["url"]
        self.workdir = workdir
        self.api_log_path = os.path.join(workdir, "nova-api.log")
        self.novnc_port = None
        self.ids = {}

    def describe(self):
        """What attach() needs to reach this deployment from another process."""
        return {"neighbours": self.nb.data, "horizon": self.horizon, "workdir": self.workdir,
                "ids": self.ids, "novnc_port": self.novnc_port}

    def credentials(self, who):
        return self.nb.credentials(who)

    def compute(self, who, method, path, body=None, version="2.1"):
        """(status, body) of one nova API call as ``who`` ("admin" or "demo")."""
        status, _headers, answer = self.nb.request(
            who, method, self.nb.urls["compute"] + path, body,
            headers={"OpenStack-API-Version": "compute %s" % version})
        return status, answer

    def image(self, method, path, body=None, raw=None, who="admin", headers=None):
        import urllib.request
        req = urllib.request.Request(self.nb.urls["image"] + path, method=method,
                                     data=raw if raw is not None else (
                                         json.dumps(body).encode() if body else None))
        req.add_header("X-Auth-Token", self.nb.token(who)[0])
        req.add_header("Content-Type", "application/json" if raw is None
                       else "application/octet-stream")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = resp.read()
            return resp.status, (json.loads(data) if data else None)

    def api_log(self):
        with open(self.api_log_path, errors="replace") as f:
            return f.read()

    def logs(self):
        text = self.cluster.logs() if self.cluster is not None else ""
        for name in ("log", "server_log"):
            path = self.horizon[name]
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += "\n--- horizon %s\n%s" % (name, f.read()[-4000:])
        return text

    def seed(self):
        """The flavor, image and key pairs every walk starts from."""
        status, body = self.compute("admin", "POST", "/flavors", {"flavor": {
            "name": "m1.tiny", "vcpus": 1, "ram": 256, "disk": 1, "id": "1"}})
        assert status == 200, body
        self.ids["flavor"] = body["flavor"]["id"]
        status, image = self.image("POST", "/v2/images", {
            "name": "cirros-dash", "disk_format": "raw", "container_format": "bare",
            "visibility": "public"})
        assert status == 201, image
        status, _ = self.image("PUT", "/v2/images/%s/file" % image["id"], raw=b"\0" * 65536)
        assert status == 204
        self.ids["image"] = image["id"]
        for who in ("admin", "demo"):
            status, body = self.compute(who, "POST", "/os-keypairs", {"keypair": {
                "name": "%s-key" % who, "public_key": public_key()}}, version="2.2")
            assert status in (200, 201), body


def attach(path):
    """A DashboardCloud for a deployment another process holds (its describe() as
    JSON at ``path``), for trying a walk again without a new deployment."""
    with open(path) as f:
        data = json.load(f)
    nb = neighbours_fixture.Neighbours(data["neighbours"], None)
    cloud = DashboardCloud(nb, None, data["horizon"], data["workdir"])
    cloud.ids = data["ids"]
    cloud.novnc_port = data["novnc_port"]
    return cloud


@contextlib.contextmanager
def dashboard_cloud(compute_hosts=("compute1",), api_workers=1, extra=None):
    """Start everything; yield a DashboardCloud; stop and remove everything."""
    require_browser()
    install_horizon()
    api_port = nova_procs.free_port()
    novnc_port = nova_procs.free_port()
    nb, stop_nb = neighbours_fixture.start_neighbours("http://127.0.0.1:%d/v2.1" % api_port)
    workdir = tempfile.mkdtemp(prefix="nova-dashboard-")
    horizon_dir = os.path.join(workdir, "horizon")
    dbs = vhost = cluster = horizon = starting = None
    try:
        # Horizon needs only Keystone: it starts while nova's daemons do.
        starting = subprocess.Popen(
            [sys.executable, SCRIPT, "start", "--workdir", horizon_dir, "--keystone-url",
             nb.identity], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        dbs = boot_cluster.ClusterDatabases.create(driver="pymysql")
        vhost = realparts.RabbitVhost()
        settings = {"vnc": {"novncproxy_host": "127.0.0.1", "novncproxy_port": novnc_port,
                            "novncproxy_base_url": "http://127.0.0.1:%d/vnc_auto.html"
                                                   % novnc_port}}
        for group, values in (extra or {}).items():
            settings.setdefault(group, {}).update(values)
        cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url, neighbours=nb,
                                           api_port=api_port, compute_hosts=compute_hosts,
                                           api_workers=api_workers, extra=settings)
        cluster.start()
        cluster._script("nova-novncproxy", "novnc")
        nova_procs.wait_for(lambda: realparts.port_open("127.0.0.1", novnc_port), timeout=60,
                            what="nova-novncproxy", daemons=list(cluster.daemons.values()))
        out, err = starting.communicate(timeout=300)
        if starting.returncode != 0:
            raise AssertionError("Horizon did not start:\n%s\n%s" % (out[-3000:],
                                                                     err[-3000:]))
        with open(os.path.join(horizon_dir, "horizon.json")) as f:
            horizon = json.load(f)
        cloud = DashboardCloud(nb, cluster, horizon, workdir)
        cloud.novnc_port = novnc_port
        cloud.seed()
        yield cloud
    finally:
        if starting is not None:
            if starting.poll() is None:
                try:
                    starting.communicate(timeout=300)
                except subprocess.TimeoutExpired:
                    starting.kill()
                    starting.communicate()
            if os.path.exists(os.path.join(horizon_dir, "horizon.json")):
                _script("stop", "--workdir", horizon_dir, timeout=60)
        if cluster is not None:
            cluster.stop()
        if vhost is not None:
            vhost.delete()
        if dbs is not None:
            dbs.drop()
        stop_nb()
        if os.environ.get("NOVA_TEST_KEEP_DASHBOARD_LOGS"):
            sys.stderr.write("dashboard work directory kept: %s\n" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
