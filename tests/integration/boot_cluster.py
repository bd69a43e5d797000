"""A distributed deployment on this machine: every service its own process.

Placement (``python -m nova.scheduler.client.embedded``), the image store
(``python -m nova.image.store``), nova-conductor, nova-scheduler, nova-api and
one nova-compute per host (the fake driver unless ``compute_extra`` names
another, e.g. the libvirt driver), talking over RabbitMQ, with the API,
cell0, cell1 and Placement databases on MariaDB (through mysqlclient unless
ClusterDatabases.create is given driver="pymysql"). Used by
tests/integration/test_boot_multiprocess.py and benchmarks/boot.py.

    dbs = ClusterDatabases.create()      # four fresh MariaDB databases
    cluster = BootCluster(workdir, dbs, vhost_url)
    cluster.start()
    ...
    cluster.stop(); dbs.drop()

With ``neighbours=`` (a tests/integration/neighbours_fixture.Neighbours, started
with ``compute_url`` naming ``api_port``) the cluster runs beside the real
Keystone, Glance, Neutron and Placement instead: nova-api validates Keystone
tokens, and [glance], [neutron] and [placement] reach the services through
the catalog as the ``nova`` service user; no embedded Placement or image store
is started.
"""

import http.client
import json
import os
import subprocess
import sys
import time

from tests.integration import nova_procs
from tests import manage_runner
from tests import realparts

HEADERS = {"X-Auth-Token": "admin:admin", "Accept": "application/json"}
PASTE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "etc", "nova",
                                     "api-paste.ini"))


def _port_of(url):
    return int(url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


class ClusterDatabases:
    """api, cell1, cell0 (named ``<cell1>_cell0`` as nova-manage derives it), placement."""

    def __init__(self, api, cell, cell0, placement):
        self.api, self.cell, self.cell0, self.placement = api, cell, cell0, placement

    @classmethod
    def create(cls, driver="mysqldb", server=None):
        """Four fresh databases; the daemons reach them through ``driver``
        (mysqldb: the C driver, as a production deployment would use). On
        ``server`` (a tests/private_mariadb.PrivateMariaDB) when given, else
        on the machine's shared MariaDB."""
        def fresh(name=None):
            if server is not None:
                return server.create_database(name, driver=driver)
            return realparts.MySQLDatabase(name=name, driver=driver)
        made = []
        try:
            for _ in range(2):
                made.append(fresh())
            made.append(fresh(made[1].name + "_cell0"))
            made.append(fresh())
        except BaseException:
            for db in made:
                db.drop()
            raise
        return cls(*made)

    @staticmethod
    def connect(db):
        import pymysql
        # A private server's databases name their port; the shared one is on 3306.
        return pymysql.connect(host=getattr(db, "host", realparts.MYSQL_HOST),
                               port=getattr(db, "port", 3306), user="root", password="",
                               database=db.name)

    def count(self, db, query):
        conn = self.connect(db)
        try:
            with conn.cursor() as cur:
                cur.execute(query)
                return cur.fetchone()[0]
        finally:
            conn.close()

    def drop(self):
        for db in (self.api, self.cell, self.cell0, self.placement):
            db.drop()


class HTTP:
    """A keep-alive JSON client of one endpoint."""

    def __init__(self, port, headers):
        self.port = port
        self.headers = headers
        self._conn = None

    def request(self, method, path, body=None, headers=None, raw=None):
        all_headers = dict(self.headers, **(headers or {}))
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self._conn.request(method, path, body=data, headers=all_headers)
                resp = self._conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        answer = json.loads(payload) if payload else None
        return resp.status, answer

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class ModuleDaemon(nova_procs.Daemon):
    """``python -m <module> --config-file <file>`` as a daemon."""

    def __init__(self, module, config_file):
        self.binary = module
        self.config_file = config_file
        self.stdout_path = config_file + ".stdout"
        self.stderr_path = config_file + ".stderr"
        self._out = open(self.stdout_path, "w")
        self._err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", module, "--config-file",
                                      config_file], stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL)


SETUP_STEPS = (("api_db", "sync"), ("cell_v2", "map_cell0"), ("db", "sync"),
               ("cell_v2", "create_cell", "--name", "cell1"))


manage_steps = manage_runner.run_steps


def sync_databases(workdir, dbs, transport_url, runner=None):
    """The databases' set-up of ``BootCluster.start`` (api_db sync, map_cell0,
    db sync, create_cell), on its own: for a caller that does it while
    something else starts, then calls ``start(databases_synced=True)``. Given
    a ``runner``, the same process can map the cluster's hosts afterwards
    (``BootCluster(manage_runner=runner)``)."""
    conf = nova_procs.write_config(os.path.join(str(workdir), "manage-setup.conf"), {
        "DEFAULT": {"transport_url": transport_url,
                    "log_file": os.path.join(str(workdir), "manage-setup.log")},
        "database": {"connection": dbs.cell.url},
        "api_database": {"connection": dbs.api.url}}, base_sample=False)
    return manage_steps(conf, SETUP_STEPS, runner)


class BootCluster:
    """Configs, nova-manage set-up and the daemons of one deployment."""

    # Seconds each daemon may take to answer at start.
    START_TIMEOUT = 90

    def __init__(self, workdir, dbs, transport_url, compute_hosts=("compute1", "compute2"),
                 debug=True, report_interval=1, api_workers=1, extra=None,
                 service_workers=1, neighbours=None, api_port=None, compute_extra=None,
                 host_extra=None, manage_runner=None):
        self.workdir = str(workdir)
        # The nova-manage process of the set-up and of discover_hosts after the
        # computes started (one process per cluster): given, or made by start().
        self.manage_runner = manage_runner
        self.dbs = dbs
        self.transport_url = transport_url
        self.compute_hosts = tuple(compute_hosts)
        self.debug = debug
        self.report_interval = report_interval
        self.api_workers = api_workers
        # Processes of nova-conductor and nova-scheduler each; None leaves
        # their own default (one per CPU).
        self.service_workers = service_workers
        self.extra = extra or {}
        self.neighbours = neighbours
        # Options of the nova-compute daemons only ({group: {option: value}}),
        # applied after ``extra``: compute_driver, [libvirt], instances_path...
        self.compute_extra = compute_extra or {}
        # Options of one nova-compute ({host: {group: {option: value}}}), applied
        # last: e.g. one VMware compute beside fake ones.
        self.host_extra = host_extra or {}
        self.ports = {name: nova_procs.free_port()
                      for name in ("api", "placement", "images")}
        if api_port:
            self.ports["api"] = api_port
        self.daemons = {}
        api_headers, placement_token = dict(HEADERS), "admin"
        if neighbours is not None:
            admin_token = neighbours.token("admin")[0]
            api_headers["X-Auth-Token"] = placement_token = admin_token
            self.ports["placement"] = _port_of(neighbours.urls["placement"])
            self.ports["images"] = _port_of(neighbours.urls["image"])
        self.api = HTTP(self.ports["api"], api_headers)
        self.placement = HTTP(self.ports["placement"], {"X-Auth-Token": placement_token,
                                                        "Accept": "application/json"})
        self.images = HTTP(self.ports["images"], dict(api_headers))

    # -- configuration -------------------------------------------------------------

    def _config(self, name, host, database=True, compute=False):
        workdir = self.workdir
        sections = {
            "DEFAULT": {
                "host": host,
                "transport_url": self.transport_url,
                "state_path": os.path.join(workdir, "state-" + name),
                # The daemons stand for the processes of one host: one service
                # token per credentials among them (nova/token_share.py).
                "shared_token_path": os.path.join(workdir, "service_tokens"),
                "log_file": os.path.join(workdir, name + ".log"),
                "debug": "true" if self.debug else "false",
                "report_interval": self.report_interval,
                "service_down_time": max(10, 6 * self.report_interval),
                "periodic_fuzzy_delay": 0,
                "rpc_response_timeout": 60,
                "compute_driver": "fake.FakeDriver",
                "enabled_apis": "osapi_compute",
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": self.ports["api"],
                "osapi_compute_workers": self.api_workers,
                # Room for a thousand small servers on two fake nodes.
                "cpu_allocation_ratio": 128.0,
                "ram_allocation_ratio": 64.0,
                "disk_allocation_ratio": 2.0,
            },
            "api": {"auth_strategy": "noauth2"},
            "quota": {"instances": -1, "cores": -1, "ram": -1},
            "filter_scheduler": {"max_instances_per_host": 10000,
                                 "max_io_ops_per_host": 10000},
            "placement": {"endpoint_override": "http://127.0.0.1:%d" % self.ports["placement"],
                          "embedded_connection": self.dbs.placement.url,
                          "embedded_listen": "127.0.0.1",
                          "embedded_port": self.ports["placement"]},
            "glance": {"backend": "local",
                       "endpoint_override": "http://127.0.0.1:%d" % self.ports["images"]},
            "image_store": {"listen": "127.0.0.1", "port": self.ports["images"],
                            "data_dir": os.path.join(workdir, "images")},
            "oslo_messaging_rabbit": {"heartbeat_timeout_threshold": 30,
                                      "kombu_reconnect_delay": 0.5,
                                      "rabbit_retry_interval": 1,
                                      "rabbit_retry_backoff": 1},
        }
        if self.neighbours is not None:
            self._external_services(sections)
        if self.service_workers is not None:
            sections["conductor"] = {"workers": self.service_workers}
            sections["scheduler"] = {"workers": self.service_workers}
        if database:
            sections["database"] = {"connection": self.dbs.cell.url}
            sections["api_database"] = {"connection": self.dbs.api.url}
        for group, values in self.extra.items():
            sections.setdefault(group, {}).update(values)
        if compute:
            for group, values in self.compute_extra.items():
                sections.setdefault(group, {}).update(values)
            for group, values in self.host_extra.get(host, {}).items():
                sections.setdefault(group, {}).update(values)
        return nova_procs.write_config(os.path.join(workdir, name + ".conf"), sections,
                                       base_sample=False)

    def _external_services(self, sections):
        """Point a daemon's configuration at the real neighbouring services."""
        nb = self.neighbours
        service_user = nb.service_options("nova")
        for name in ("placement", "glance", "image_store"):
            sections.pop(name, None)
        sections["api"] = {"auth_strategy": "keystone"}
        sections["wsgi"] = {"api_paste_config": PASTE}
        sections["keystone_authtoken"] = dict(
            service_user, www_authenticate_uri=nb.identity,
            service_token_roles_required="true")
        sections["placement"] = dict(service_user, valid_interfaces="public")
        sections["glance"] = dict(service_user, backend="glance",
                                  valid_interfaces="public")
        sections["neutron"] = dict(service_user, backend="neutron",
                                   valid_interfaces="public")
        # Service tokens beside the user's on every call to a neighbour, as a
        # production deployment sends them.
        sections["service_user"] = dict(service_user, send_service_user_token="true")

    def manage(self, *args):
        """``nova-manage ARGS`` with the cluster's manage.conf (through its
        nova-manage process); the output, AssertionError on failure."""
        if self.manage_runner is None:
            self.manage_runner = manage_runner.ManageRunner()
        return manage_steps(os.path.join(self.workdir, "manage.conf"), [args],
                            self.manage_runner, timeout=300)

    def close_manage(self):
        if self.manage_runner is not None:
            self.manage_runner.close()
            self.manage_runner = None

    # -- life cycle ----------------------------------------------------------------

    def _module(self, name, module):
        daemon = ModuleDaemon(module, self._config(name, name))
        self.daemons[name] = daemon
        return daemon

    def _script(self, binary, host, database=True):
        name = binary if binary != "nova-compute" else "nova-compute-" + host
        daemon = nova_procs.Daemon(binary, self._config(name, host, database=database,
                                                        compute=binary == "nova-compute"))
        self.daemons[name] = daemon
        return daemon

    def _wait_http(self, client, path, what, timeout=None):
        def answers():
            try:
                return client.request("GET", path)[0] == 200
            except OSError:
                client.close()
                return False
        nova_procs.wait_for(answers, timeout=timeout or self.START_TIMEOUT, what=what,
                            daemons=list(self.daemons.values()))

    def start(self, timeout=None, databases_synced=False):
        """Set up the databases (unless ``sync_databases`` did), start every
        daemon, map the compute hosts (each wait for a service up to
        ``timeout`` s, ``START_TIMEOUT`` by default)."""
        timeout = timeout or self.START_TIMEOUT
        conf = self._config("manage", "manage")
        if self.manage_runner is None:
            # Its imports overlap the start of Placement and the image store.
            self.manage_runner = manage_runner.ManageRunner(start=True)
        if self.neighbours is None:
            # Neither needs nova's databases: they start while nova-manage works.
            self._module("placement", "nova.scheduler.client.embedded")
            self._module("image-store", "nova.image.store")
        if not databases_synced:
            # Every set-up command, and discover_hosts below, in one
            # nova-manage process (each process starts at a CPU second or more).
            manage_steps(conf, SETUP_STEPS, self.manage_runner)
        self._script("nova-conductor", "conductor")
        self._script("nova-scheduler", "scheduler")
        self._script("nova-api", "api")
        if self.neighbours is None:
            # A compute reports its node to Placement as it starts; one that
            # finds Placement not serving yet tries again only at its next
            # periodic resource update (a minute later). (A compute that starts
            # before the conductor consumes waits for it: nova/conductor/api.py.)
            self._wait_http(self.placement, "/", "Placement", timeout=timeout)
        for host in self.compute_hosts:
            self._script("nova-compute", host, database=False)
        if self.neighbours is None:
            self._wait_http(self.images, "/v2/images", "the image store", timeout=timeout)
        self._wait_http(self.api, "/v2.1/", "nova-api", timeout=timeout)
        nova_procs.wait_for(lambda: len(self.providers()) == len(self.compute_hosts),
                            timeout=timeout, what="a resource provider per compute",
                            daemons=list(self.daemons.values()))
        self.manage("cell_v2", "discover_hosts")
        self.close_manage()
        return self

    def stop(self):
        """SIGTERM every daemon, the computes first (a compute whose periodic
        report to the conductor is in flight when the conductor goes waits for
        its answer before it exits); {name: exit code}."""
        self.close_manage()
        codes = {}
        computes = [name for name in self.daemons if name.startswith("nova-compute")]
        others = [name for name in self.daemons if name not in computes]
        for group in (computes, others):
            for name in group:
                if self.daemons[name].alive():
                    self.daemons[name].proc.send_signal(15)
            for name in group:
                codes[name] = self.daemons[name].terminate(timeout=15)[0]
                self.daemons[name].kill()
        codes = {name: codes[name] for name in self.daemons}
        for client in (self.api, self.placement, self.images):
            client.close()
        return codes

    def logs(self, tail=3000):
        return "\n".join("--- %s\n%s" % (name, d.log()[-tail:])
                         for name, d in self.daemons.items())

    # -- REST helpers --------------------------------------------------------------

    def compute(self, method, path, body=None, version="2.1"):
        return self.api.request(method, "/v2.1" + path, body,
                                headers={"OpenStack-API-Version": "compute %s" % version})

    def providers(self):
        try:
            status, body = self.placement.request("GET", "/resource_providers")
        except OSError:
            self.placement.close()
            return []
        return body["resource_providers"] if status == 200 else []

    def usages(self, project="admin"):
        status, body = self.placement.request(
            "GET", "/usages?project_id=%s" % project,
            headers={"OpenStack-API-Version": "placement 1.9"})
        assert status == 200, body
        return body["usages"]

    def provider_allocations(self):
        """{provider name: allocations dict} of every compute node provider."""
        found = {}
        for rp in self.providers():
            status, body = self.placement.request(
                "GET", "/resource_providers/%s/allocations" % rp["uuid"])
            assert status == 200, body
            found[rp["name"]] = body["allocations"]
        return found

    def create_flavor(self, name, vcpus, ram, disk, flavor_id):
        status, body = self.compute("POST", "/flavors", {"flavor": {
            "name": name, "vcpus": vcpus, "ram": ram, "disk": disk, "id": flavor_id}})
        assert status == 200, body
        return body["flavor"]["id"]

    def create_image(self, name="cirros", size=1024):
        status, image = self.images.request("POST", "/v2/images", {
            "name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": "public"})
        assert status == 201, image
        status, body = self.images.request(
            "PUT", "/v2/images/%s/file" % image["id"], raw=b"\0" * size,
            headers={"Content-Type": "application/octet-stream"})
        assert status == 204, body
        return image["id"]

    def boot(self, name, flavor, image, count=1):
        """POST one request for ``count`` servers; the reservation id."""
        status, body = self.compute("POST", "/servers", {"server": {
            "name": name, "flavorRef": flavor, "imageRef": image,
            "min_count": count, "max_count": count, "return_reservation_id": True}})
        assert status == 202, body
        return body["reservation_id"]

    def statuses(self, name_prefix):
        """{server id: status} of the servers whose name starts with ``name_prefix``."""
        found = {}
        marker = None
        while True:
            path = "/servers/detail?limit=1000&name=%%5E%s" % name_prefix
            if marker:
                path += "&marker=" + marker
            status, body = self.compute("GET", path)
            assert status == 200, body
            for server in body["servers"]:
                found[server["id"]] = server["status"]
            if len(body["servers"]) < 1000:
                return found
            marker = body["servers"][-1]["id"]

    def wait_for_statuses(self, name_prefix, count, wanted=("ACTIVE",), timeout=120,
                          interval=0.1):
        """Poll until ``count`` servers named ``name_prefix``* all show one of ``wanted``.

        AssertionError on an ERROR server or after ``timeout``; the statuses.
        """
        deadline = time.monotonic() + timeout
        while True:
            seen = self.statuses(name_prefix)
            if "ERROR" in seen.values() and "ERROR" not in wanted:
                raise AssertionError("a server went to ERROR: %s\n%s" % (
                    seen, self.logs()))
            if len(seen) == count and set(seen.values()) <= set(wanted):
                return seen
            if time.monotonic() > deadline:
                raise AssertionError("timed out: %d servers, statuses %s\n%s" % (
                    len(seen), sorted(set(seen.values())), self.logs()))
            for name, daemon in self.daemons.items():
                if not daemon.alive():
                    raise AssertionError("%s exited:\n%s" % (name, daemon.stderr()[-3000:]))
            time.sleep(interval)

    def wait_for_none(self, name_prefix, timeout=120, interval=0.2):
        nova_procs.wait_for(lambda: not self.statuses(name_prefix), timeout=timeout,
                            interval=interval, what="servers %s* gone" % name_prefix,
                            daemons=list(self.daemons.values()))
