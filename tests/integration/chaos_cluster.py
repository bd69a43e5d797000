"""A storm of boots and deletes while daemons are killed and the broker restarts.

Shared by tests/integration/test_chaos.py (small, in CI) and
benchmarks/chaos.py (100 boots / 100 deletes, with and without the faults).

The deployment is tests/integration/boot_cluster.BootCluster on a PRIVATE
RabbitMQ node (tests/private_rabbit.py), with nova-api in two worker
processes, two nova-conductor daemons, one nova-scheduler and three
nova-compute (fake driver), the databases on a PRIVATE MariaDB server
(tests/private_mariadb.py), never the machine's shared one.

    rabbit = PrivateRabbit(workdir / "rabbit"); rabbit.start()
    mariadb = PrivateMariaDB(workdir / "mariadb"); mariadb.start()
    dbs = boot_cluster.ClusterDatabases.create(server=mariadb)
    cluster = ChaosCluster(workdir, dbs, rabbit, mariadb).start()
    result = run_storm(cluster, count=20, faults=default_faults(cluster))
    result["counts"]      # what is left that should not be; all zero when healthy

Faults are (seconds after the storm began, name, action): ``kill -9`` of a
daemon (restarted after ``down_for`` seconds), ``kill -9`` of one nova-api
worker (its parent forks a new one), a restart of the private broker, and
the kill of every connection the daemons hold to their MariaDB databases
(``KILL`` on the shared server, for this cluster's own databases only).
"""

import os
import signal
import threading
import time

from tests.integration import boot_cluster
from tests.integration import nova_procs

FLAVOR = {"VCPU": 1, "MEMORY_MB": 128, "DISK_GB": 1}
SERVICE_BINARIES = ("nova-conductor", "nova-scheduler", "nova-compute")


def children_of(pid):
    """PIDs whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


class ChaosCluster(boot_cluster.BootCluster):
    """BootCluster on a private broker, with a second conductor and restartable daemons."""

    # Generous: on a busy 2-core machine a daemon may need minutes to start.
    START_TIMEOUT = 300

    def __init__(self, workdir, dbs, rabbit, mariadb, compute_hosts=("compute1", "compute2",
                                                                     "compute3"),
                 api_workers=2, conductors=2, extra=None, debug=True):
        self.rabbit = rabbit
        # The tests/private_mariadb.PrivateMariaDB that holds ``dbs``.
        self.mariadb = mariadb
        self.conductors = conductors
        options = {
            "DEFAULT": {
                # A call whose answer was lost with the broker fails within
                # this, not after the default minute.
                "rpc_response_timeout": 30,
                "long_rpc_timeout": 60,
                # Builds and lost build requests end (options of the recovery
                # work; ignored where that is not merged).
                "instance_build_timeout": 90,
                # A compute that could not reach Placement (not up yet, or
                # restarting) tells it its inventory again soon.
                "update_resources_interval": 10,
            },
            "conductor": {"build_request_timeout": 60},
            # A daemon that starts while the database restarts waits for it
            # (a second between attempts, not the default ten).
            "database": {"max_retries": 60, "retry_interval": 1},
            # Compute RPC capped at what the oldest nova-compute speaks, as
            # in a cloud being upgraded (test_chaos.py runs one behind).
            "upgrade_levels": {"compute": "auto"},
            "oslo_messaging_rabbit": {"heartbeat_timeout_threshold": 10,
                                      "kombu_reconnect_delay": 0.5,
                                      "rabbit_retry_interval": 1,
                                      "rabbit_retry_backoff": 1,
                                      "rabbit_interval_max": 2},
        }
        for group, values in (extra or {}).items():
            options.setdefault(group, {}).update(values)
        super().__init__(workdir, dbs, rabbit.url, compute_hosts=compute_hosts, debug=debug,
                         api_workers=api_workers, extra=options, service_workers=1)
        self.restarts = []
        self.computes_seen_down = False

    def _script(self, binary, host, database=True):
        daemon = super()._script(binary, host, database=database)
        if binary == "nova-conductor" and host == "conductor":
            # The other conductors start beside the first one, not once the
            # whole deployment is up.
            for index in range(2, self.conductors + 1):
                name = "nova-conductor-%d" % index
                config = self._config(name, "conductor%d" % index)
                self.daemons[name] = nova_procs.Daemon("nova-conductor", config)
        return daemon

    def start(self):
        super().start()
        nova_procs.wait_for(lambda: self.services_up() == self.expected_services(),
                            timeout=300, what="every service up",
                            daemons=list(self.daemons.values()))
        return self

    # -- faults -------------------------------------------------------------------------

    def kill_daemon(self, name):
        """SIGKILL one daemon (its log and config stay)."""
        daemon = self.daemons[name]
        daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait()
        daemon.kill()

    def start_daemon(self, name):
        old = self.daemons[name]
        self.daemons[name] = nova_procs.Daemon(old.binary, old.config_file)
        return self.daemons[name]

    def kill_and_restart(self, name, down_for=3.0):
        began = time.monotonic()
        self.kill_daemon(name)
        time.sleep(down_for)
        self.start_daemon(name)
        self.restarts.append((name, time.monotonic() - began))

    def kill_api_worker(self):
        """SIGKILL one nova-api worker process; its parent forks a replacement."""
        parent = self.daemons["nova-api"].pid
        workers = children_of(parent)
        if not workers:
            raise AssertionError("nova-api (%d) has no worker processes" % parent)
        os.kill(workers[0], signal.SIGKILL)
        nova_procs.wait_for(lambda: len(children_of(parent)) >= self.api_workers
                            and workers[0] not in children_of(parent),
                            timeout=30, what="a new nova-api worker")
        return workers[0]

    def restart_broker(self, timeout=60):
        """Stop the private broker, stay down until os-services shows every
        compute down (their heartbeats travel over RPC to a conductor), start it.

        Returns the seconds the broker was away.
        """
        began = time.monotonic()
        self.rabbit.shutdown()
        computes = {("nova-compute", host) for host in self.compute_hosts}
        try:
            nova_procs.wait_for(lambda: not computes & self.services_up(), timeout=timeout,
                                interval=0.5, what="the computes shown down")
            self.computes_seen_down = True
        finally:
            self.rabbit.start()
        away = time.monotonic() - began
        self.restarts.append(("rabbitmq", away))
        return away

    def restart_database(self, down_for=3.0):
        """Shut the private MariaDB server down cleanly, stay down ``down_for``
        s, start it again on the same port and data: every daemon's pooled
        connection is gone and must be replaced (oslo.db's reconnect).

        Returns the seconds the server was away.
        """
        began = time.monotonic()
        self.mariadb.restart(down_for=down_for)
        away = time.monotonic() - began
        self.restarts.append(("mariadb", away))
        return away

    # -- what the cloud says ------------------------------------------------------------

    def expected_services(self):
        expected = {("nova-scheduler", "scheduler")}
        expected.add(("nova-conductor", "conductor"))
        for index in range(2, self.conductors + 1):
            expected.add(("nova-conductor", "conductor%d" % index))
        expected.update(("nova-compute", host) for host in self.compute_hosts)
        return expected

    def services(self):
        """{(binary, host): state} from GET /os-services."""
        try:
            status, body = self.compute("GET", "/os-services")
        except OSError:
            self.api.close()
            return {}
        if status != 200:
            return {}
        return {(s["binary"], s["host"]): s["state"] for s in body["services"]
                if s["binary"] in SERVICE_BINARIES}

    def services_up(self):
        return {key for key, state in self.services().items() if state == "up"}

    def query(self, db, sql, attempts=60):
        """Rows of one read-only query; tried again (each second) while the
        server is away: restarting, or out of connections for a moment."""
        import pymysql
        for attempt in range(attempts):
            try:
                conn = self.dbs.connect(db)
                try:
                    with conn.cursor() as cur:
                        cur.execute(sql)
                        return cur.fetchall()
                finally:
                    if conn.open:  # not when the server went away under it
                        conn.close()
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
                if attempt == attempts - 1:
                    raise
                time.sleep(1)

    def allocations(self):
        """{consumer uuid: {resource class: amount}} over every compute provider."""
        found = {}
        for name, allocations in self.provider_allocations().items():
            for consumer, held in allocations.items():
                for rc, amount in held["resources"].items():
                    found.setdefault(consumer, {})
                    found[consumer][rc] = found[consumer].get(rc, 0) + amount
        return found

    def census(self, prefix):
        """The counts that must be zero once the cloud has settled, and what is live."""
        cell, cell0, api = self.dbs.cell, self.dbs.cell0, self.dbs.api
        live = {}
        for db in (cell, cell0):
            for row in self.query(db, "SELECT uuid, vm_state, task_state, instance_type_id, "
                                      "host FROM instances WHERE deleted = 0 "
                                      "AND display_name LIKE '%s%%'" % prefix):
                live[row[0]] = {"vm_state": row[1], "task_state": row[2], "host": row[4],
                                "cell0": db is cell0}
        known_any = {row[0] for db in (cell, cell0)
                     for row in self.query(db, "SELECT uuid FROM instances")}
        faults = {row[0] for db in (cell, cell0)
                  for row in self.query(db, "SELECT DISTINCT instance_uuid "
                                            "FROM instance_faults")}
        builds = {row[0] for row in self.query(api, "SELECT instance_uuid "
                                                    "FROM build_requests")}
        specs = {row[0] for row in self.query(api, "SELECT instance_uuid FROM request_specs")}
        mappings = {row[0]: (row[1], row[2]) for row in self.query(
            api, "SELECT instance_uuid, cell_id, queued_for_delete FROM instance_mappings")}
        migrations = {row[0] for row in self.query(
            cell, "SELECT uuid FROM migrations WHERE status NOT IN "
                  "('confirmed', 'reverted', 'error', 'failed', 'completed', 'done') "
                  "AND deleted = 0")}
        allocations = self.allocations()
        flavor = dict(FLAVOR)
        in_build = [u for u, i in live.items() if i["vm_state"] == "building"]
        with_task = [u for u, i in live.items() if i["task_state"]]
        error_without_fault = [u for u, i in live.items()
                               if i["vm_state"] == "error" and u not in faults]
        leaked = [c for c in allocations if c not in live and c not in migrations]
        wrong_size = [u for u, i in live.items()
                      if i["vm_state"] == "active" and allocations.get(u) != flavor]
        cell0_held = [u for u, i in live.items() if i["cell0"] and u in allocations]
        # A build request outlives its build only while the instance is not in a cell.
        orphan_builds = [u for u in builds if u in known_any or u not in mappings]
        # A request spec or mapping belongs to an instance somewhere: a build
        # request or a row (live, or deleted and kept for archiving) in a cell.
        orphan_specs = [u for u in specs if u not in known_any and u not in builds]
        orphan_mappings = [u for u, (cell_id, _q) in mappings.items()
                           if u not in known_any and u not in builds]
        undeleted_mappings = [u for u, (_c, queued) in mappings.items()
                              if u not in live and u in known_any and not queued]
        # Why the servers in ERROR failed: their latest fault's message, counted.
        reasons = {}
        errored = {u for u, i in live.items() if i["vm_state"] == "error"}
        for db in (cell, cell0):
            latest = {}
            for row in self.query(db, "SELECT instance_uuid, message FROM instance_faults "
                                      "ORDER BY id"):
                latest[row[0]] = row[1]
            for uuid, message in latest.items():
                if uuid in errored:
                    key = (message or "")[:70]
                    reasons[key] = reasons.get(key, 0) + 1
        vm_states = {}
        for info in live.values():
            vm_states[info["vm_state"]] = vm_states.get(info["vm_state"], 0) + 1
        return {
            "live": vm_states,
            "error_reasons": reasons,
            "counts": {
                "building": len(in_build),
                "task_state": len(with_task),
                "error_without_fault": len(error_without_fault),
                "leaked_allocations": len(leaked),
                "wrong_size_allocations": len(wrong_size),
                "cell0_allocations": len(cell0_held),
                "orphan_build_requests": len(orphan_builds),
                "orphan_request_specs": len(orphan_specs),
                "orphan_instance_mappings": len(orphan_mappings),
                "mappings_not_queued_for_delete": len(undeleted_mappings),
            },
            "examples": {
                "building": in_build[:3], "task_state": [(u, live[u]["task_state"])
                                                         for u in with_task[:3]],
                "leaked_allocations": leaked[:3], "wrong_size": wrong_size[:3],
                "orphan_build_requests": orphan_builds[:3],
                "orphan_request_specs": orphan_specs[:3],
                "orphan_instance_mappings": orphan_mappings[:3],
            },
        }


def default_faults(cluster, spacing=1.5, down_for=3.0, broker=True, database=True):
    """The brief's faults, one every ``spacing`` seconds from the storm's start."""
    faults = [
        ("kill -9 nova-conductor-2", lambda: cluster.kill_and_restart("nova-conductor-2",
                                                                        down_for)),
        ("kill -9 nova-scheduler", lambda: cluster.kill_and_restart("nova-scheduler",
                                                                      down_for)),
        ("kill -9 nova-compute-%s" % cluster.compute_hosts[-1],
         lambda: cluster.kill_and_restart("nova-compute-" + cluster.compute_hosts[-1],
                                          down_for)),
        ("kill -9 a nova-api worker", cluster.kill_api_worker),
    ]
    if database:
        faults.append(("restart mariadb", lambda: cluster.restart_database(down_for)))
    if broker:
        faults.append(("restart rabbitmq", cluster.restart_broker))
    return [(1.0 + i * spacing, name, action) for i, (name, action) in enumerate(faults)]


class _Faults(threading.Thread):
    def __init__(self, faults, began):
        super().__init__(name="faults", daemon=True)
        self.faults = faults
        self.began = began
        self.done = []
        self.errors = []

    def run(self):
        for at, name, action in sorted(self.faults, key=lambda f: f[0]):
            delay = self.began + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            started = time.monotonic()
            try:
                action()
            except Exception as exc:  # reported by run_storm
                self.errors.append((name, repr(exc)))
            self.done.append((name, round(started - self.began, 1),
                              round(time.monotonic() - started, 1)))


def _parallel(cluster, items, work, threads):
    """Run ``work(client, item)`` over ``items`` from ``threads`` HTTP clients."""
    pending = list(items)
    lock = threading.Lock()
    results, errors = [], []

    def worker(client):
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    item = pending.pop(0)
                try:
                    results.append(work(client, item))
                except Exception as exc:
                    errors.append((item, repr(exc)))
        finally:
            client.close()

    pool = [threading.Thread(target=worker, args=(boot_cluster.HTTP(
        cluster.ports["api"], cluster.api.headers),)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    return pool, results, errors


def _request(client, method, path, body=None, attempts=12):
    """One API request; a refused connection or a 5xx (a worker killed under it,
    the broker away) is tried again, as a client of the API would."""
    last = None
    for _ in range(attempts):
        try:
            status, answer = client.request(method, "/v2.1" + path, body, headers={
                "OpenStack-API-Version": "compute 2.1"})
        except OSError as exc:
            client.close()
            last = repr(exc)
            time.sleep(1)
            continue
        if status < 500:
            return status, answer
        last = (status, answer)
        time.sleep(1)
    raise AssertionError("%s %s kept failing: %s" % (method, path, last))


def wait_settled(cluster, prefix, expect_gone=False, timeout=300, interval=1.0):
    """Poll until no server named ``prefix``* is building or has a task_state
    (or, with ``expect_gone``, none is left); the seconds it took, or None."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        rows = []
        for db in (cluster.dbs.cell, cluster.dbs.cell0):
            rows += cluster.query(db, "SELECT vm_state, task_state FROM instances "
                                      "WHERE deleted = 0 AND display_name LIKE '%s%%'"
                                  % prefix)
        builds = cluster.query(cluster.dbs.api, "SELECT COUNT(*) FROM build_requests")[0][0]
        if expect_gone:
            if not rows and not builds:
                return time.monotonic() - began
        elif not builds and all(vm != "building" and not task for vm, task in rows):
            return time.monotonic() - began
        time.sleep(interval)
    return None


def run_storm(cluster, count, faults=(), prefix="storm", threads=4, settle_timeout=300,
              flavor_id=None, image_id=None):
    """``count`` boots, then ``count`` deletes, with ``faults`` from the first POST.

    Returns {"boot": census after the boots settled, "delete": census after
    the deletes, "times": seconds, "faults": what ran when, "errors": [...]}.
    """
    if flavor_id is None:
        flavor_id = cluster.create_flavor("chaos", FLAVOR["VCPU"], FLAVOR["MEMORY_MB"],
                                          FLAVOR["DISK_GB"], "chaos")
    if image_id is None:
        image_id = cluster.create_image("chaos")
    began = time.monotonic()
    injector = _Faults(list(faults), began)
    injector.start()

    def boot(client, index):
        status, body = _request(client, "POST", "/servers", {"server": {
            "name": "%s-%03d" % (prefix, index), "flavorRef": flavor_id,
            "imageRef": image_id}})
        assert status == 202, (status, body)
        return body["server"]["id"]

    pool, server_ids, boot_errors = _parallel(cluster, range(count), boot, threads)
    for thread in pool:
        thread.join()
    posted = time.monotonic() - began
    boots_settled = wait_settled(cluster, prefix, timeout=settle_timeout)
    boot_census = cluster.census(prefix)
    boot_phase = time.monotonic() - began

    delete_began = time.monotonic()

    def delete(client, server_id):
        status, body = _request(client, "DELETE", "/servers/%s" % server_id)
        assert status in (204, 404), (status, body)
        return status

    listed = sorted(cluster.statuses(prefix))
    pool, _codes, delete_errors = _parallel(cluster, listed, delete, threads)
    for thread in pool:
        thread.join()
    deletes_settled = wait_settled(cluster, prefix, expect_gone=True, timeout=settle_timeout)
    injector.join(timeout=settle_timeout)
    # The cloud settles only once every fault is over: the services come back.
    services_began = time.monotonic()
    expected = cluster.expected_services()
    seen = {}

    def all_up():
        seen["up"] = cluster.services_up()
        return seen["up"] == expected
    try:
        nova_procs.wait_for(all_up, timeout=90, what="every service up again")
        services_up_after = time.monotonic() - services_began
    except AssertionError:
        services_up_after = None
    delete_census = cluster.census(prefix)
    return {
        "boot": boot_census,
        "delete": delete_census,
        "servers_posted": len(server_ids),
        "servers_listed_for_delete": len(listed),
        # Down when last looked at (none once they were all up at once).
        "services_down": sorted(expected - seen.get("up", set())),
        "times": {"boots_posted": round(posted, 1),
                  "boots_settled": None if boots_settled is None
                  else round(boot_phase, 1),
                  "deletes_settled": None if deletes_settled is None
                  else round(time.monotonic() - delete_began, 1),
                  "services_up_after": None if services_up_after is None
                  else round(services_up_after, 1),
                  "total": round(time.monotonic() - began, 1)},
        "faults": injector.done,
        "errors": boot_errors + delete_errors + injector.errors,
    }
