"""A user's session with the openstack CLI: nova's daemons beside the real neighbours.

Keystone 30, Glance 33, Neutron 29 (agent-less ML2) and Placement 16 come from
tools/neighbours.py; nova-api, nova-conductor, nova-scheduler and two
nova-compute (fake driver) run as separate processes over RabbitMQ and MariaDB
(tests/integration/boot_cluster.py with ``neighbours=``). nova-api checks
Keystone tokens; [glance], [neutron] and [placement] find their services in the
catalog and act as the ``nova`` service user; Neutron tells nova about port
status changes through os-server-external-events.

The tests run in order and share the cloud: the admin makes a flavor and a
public image; the ``demo`` user (a member of project demo) does the rest.
The commands run in one ``openstack`` process (tests/osc_session.py),
each with its user's credentials in its environment.
"""

import concurrent.futures
import json
import os
import shutil
import tempfile
import time

import pytest

from tests.integration import boot_cluster
from tests.integration import neighbours_fixture
from tests.integration import nova_procs
from tests import manage_runner
from tests import osc_session
from tests import realparts

# The first test's set-up may install the neighbours from PyPI (minutes on a
# fresh machine) before it starts them and nova's daemons.
pytestmark = pytest.mark.timeout(900)


class Cloud:
    def __init__(self, nb, cluster, workdir, cli):
        self.nb = nb
        self.cluster = cluster
        self.workdir = workdir
        self.servers = {}
        self.cli = cli

    def osc(self, *args, who="demo", version=None, check=True, as_json=True):
        cred = self.nb.credentials(who)
        env = dict(os.environ, OS_AUTH_URL=cred["auth_url"], OS_USERNAME=cred["username"],
                   OS_PASSWORD=cred["password"], OS_PROJECT_NAME=cred["project_name"],
                   OS_USER_DOMAIN_NAME="Default", OS_PROJECT_DOMAIN_NAME="Default",
                   OS_REGION_NAME="RegionOne", OS_IDENTITY_API_VERSION="3",
                   OS_INTERFACE="public")
        env.pop("OS_CLOUD", None)
        cmd = []
        if version:
            cmd += ["--os-compute-api-version", version]
        cmd += list(args)
        if as_json:
            cmd += ["-f", "json"]
        proc = self.cli.run(cmd, env=env, cwd=self.workdir, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError("openstack %s failed (%d):\n%s\n%s\n%s" % (
                " ".join(args), proc.returncode, proc.stdout, proc.stderr[-3000:],
                self.cluster.logs()))
        if not check:
            return proc
        return json.loads(proc.stdout) if as_json and proc.stdout.strip() else proc.stdout

    def ports_of(self, server_id):
        return self.osc("port", "list", "--device-id", server_id, "--long", who="admin")


@pytest.fixture(scope="module")
def cloud():
    api_port = nova_procs.free_port()
    workdir = tempfile.mkdtemp(prefix="nova-neighbours-cluster-")
    # The neighbours start in a thread while nova's databases are set up, and
    # the CLI process imports its modules meanwhile.
    cli = osc_session.OSCSession(start=True)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    neighbours = pool.submit(neighbours_fixture.start_neighbours,
                             "http://127.0.0.1:%d/v2.1" % api_port)
    pool.shutdown(wait=False)
    stop_nb = dbs = vhost = cluster = None
    # One nova-manage process sets the databases up and maps the hosts once
    # they run; it imports its modules while the databases are created.
    runner = manage_runner.ManageRunner(start=True)
    try:
        try:
            dbs = boot_cluster.ClusterDatabases.create(driver="pymysql")
            vhost = realparts.RabbitVhost()
            boot_cluster.sync_databases(workdir, dbs, vhost.url, runner)
        finally:
            # Started (or failed) before anything else goes on or is undone.
            nb, stop_nb = neighbours.result()
        cluster = boot_cluster.BootCluster(workdir, dbs, vhost.url, neighbours=nb,
                                           api_port=api_port, manage_runner=runner)
        cluster.start(databases_synced=True)
        yield Cloud(nb, cluster, workdir, cli)
    finally:
        cli.close()
        runner.close()
        if cluster is not None:
            cluster.stop()
        # Nothing runs any more: the rest goes away side by side.
        steps = [step for step in (vhost and vhost.delete, dbs and dbs.drop, stop_nb)
                 if step is not None]
        with concurrent.futures.ThreadPoolExecutor(max(1, len(steps))) as cleaners:
            for done in [cleaners.submit(step) for step in steps]:
                done.result()
        shutil.rmtree(workdir, ignore_errors=True)


def _server(cloud, name, *extra, version=None, wait=True):
    args = ["server", "create", "--flavor", "m1.tiny", "--image", "cirros-neighbours",
            "--key-name", "kp", *extra, name]
    if wait:
        args.insert(2, "--wait")
    server = cloud.osc(*args, version=version)
    cloud.servers[name] = server["id"]
    return server


def test_flavor_keypair_and_image(cloud, tmp_path):
    flavor = cloud.osc("flavor", "create", "--vcpus", "1", "--ram", "256", "--disk", "1",
                       "m1.tiny", who="admin")
    assert flavor["name"] == "m1.tiny"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    (tmp_path / "kp.pub").write_bytes(public + b" demo@neighbours\n")
    key = cloud.osc("keypair", "create", "--public-key", str(tmp_path / "kp.pub"), "kp")
    assert key["name"] == "kp" and key["fingerprint"]
    assert cloud.osc("keypair", "show", "kp")["type"] == "ssh"
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 65536)
    image = cloud.osc("image", "create", "--disk-format", "raw", "--container-format", "bare",
                      "--public", "--file", str(disk), "cirros-neighbours", who="admin")
    assert image["status"] == "active"
    listed = cloud.osc("image", "list")
    assert "cirros-neighbours" in [i["Name"] for i in listed]


def test_boot_on_the_private_network(cloud):
    server = _server(cloud, "vm-private", "--network", "private")
    assert server["status"] == "ACTIVE"
    shown = cloud.osc("server", "show", server["id"])
    addresses = shown["addresses"]
    assert list(addresses) == ["private"]
    assert addresses["private"][0].startswith("10.0.0.")
    assert [g["name"] for g in shown["security_groups"]] == ["default"]
    (port,) = cloud.ports_of(server["id"])
    assert port["Status"] == "ACTIVE"
    assert port["Fixed IP Addresses"][0]["ip_address"] == addresses["private"][0]


def test_neutron_told_nova_the_port_is_plugged(cloud):
    server_id = cloud.servers["vm-private"]

    def sent():
        log = cloud.nb.log_tail("neutron", chars=2_000_000)
        return "network-vif-plugged" in log and server_id in log
    nova_procs.wait_for(sent, timeout=30, what="Neutron's network-vif-plugged event")
    actions = cloud.cluster.compute("GET", "/servers/%s/os-instance-actions" % server_id)
    assert actions[0] == 200
    api_log = cloud.cluster.daemons["nova-api"].log()
    assert "os-server-external-events" in api_log


def test_boot_without_a_network(cloud):
    server = _server(cloud, "vm-none", "--nic", "none", version="2.37")
    assert server["status"] == "ACTIVE"
    assert cloud.osc("server", "show", server["id"])["addresses"] == {}
    assert cloud.ports_of(server["id"]) == []


def test_boot_with_a_port_of_ones_own(cloud):
    port = cloud.osc("port", "create", "--network", "private", "my-port")
    server = _server(cloud, "vm-port", "--port", port["id"])
    assert server["status"] == "ACTIVE"
    (bound,) = cloud.ports_of(server["id"])
    assert bound["ID"] == port["id"]
    shown = cloud.osc("server", "show", server["id"])
    assert shown["addresses"]["private"] == [port["fixed_ips"][0]["ip_address"]]


def test_boot_on_two_networks_in_order_with_a_duplicate(cloud):
    net = cloud.osc("network", "create", "net2")
    cloud.osc("subnet", "create", "--network", "net2", "--subnet-range", "10.9.0.0/24",
              "net2-subnet")
    cloud.servers["net2"] = net["id"]
    server = _server(cloud, "vm-two", "--network", "net2", "--network", "private",
                     "--network", "net2")
    shown = cloud.osc("server", "show", server["id"])
    addresses = shown["addresses"]
    assert list(addresses) == ["net2", "private"]
    assert len(addresses["net2"]) == 2 and len(addresses["private"]) == 1
    assert all(ip.startswith("10.9.0.") for ip in addresses["net2"])
    assert len(cloud.ports_of(server["id"])) == 3


def test_security_group_added_at_boot(cloud):
    group = cloud.osc("security", "group", "create", "web")
    server = _server(cloud, "vm-web", "--network", "private", "--security-group", "web")
    shown = cloud.osc("server", "show", server["id"])
    assert [g["name"] for g in shown["security_groups"]] == ["web"]
    (port,) = cloud.ports_of(server["id"])
    detail = cloud.osc("port", "show", port["ID"], who="admin")
    assert detail["security_group_ids"] == [group["id"]]


def test_list_show_stop_start_reboot(cloud):
    listed = {s["Name"]: s for s in cloud.osc("server", "list")}
    assert set(cloud.servers) - {"net2"} <= set(listed)
    assert all(listed[n]["Status"] == "ACTIVE" for n in cloud.servers if n != "net2")
    assert "private=" in listed["vm-private"]["Networks"] or \
        "private" in listed["vm-private"]["Networks"]
    sid = cloud.servers["vm-private"]
    cloud.osc("server", "stop", sid, as_json=False)
    nova_procs.wait_for(lambda: cloud.osc("server", "show", sid)["status"] == "SHUTOFF",
                        timeout=60, what="SHUTOFF")
    cloud.osc("server", "start", sid, as_json=False)
    nova_procs.wait_for(lambda: cloud.osc("server", "show", sid)["status"] == "ACTIVE",
                        timeout=60, what="ACTIVE after start")
    cloud.osc("server", "reboot", "--wait", sid, as_json=False)
    assert cloud.osc("server", "show", sid)["status"] == "ACTIVE"


def test_admin_sees_services_and_hypervisors(cloud):
    services = cloud.osc("compute", "service", "list", who="admin")
    binaries = {(s["Binary"], s["Host"]) for s in services}
    assert {("nova-compute", "compute1"), ("nova-compute", "compute2"),
            ("nova-conductor", "conductor"), ("nova-scheduler", "scheduler")} <= binaries
    assert all(s["State"] == "up" for s in services)
    hypervisors = cloud.osc("hypervisor", "list", who="admin")
    assert len(hypervisors) == 2
    assert all(h["State"] == "up" for h in hypervisors)


def test_delete_releases_ports_and_the_network(cloud):
    own_port = cloud.osc("port", "list", "--name", "my-port")[0]["ID"]
    for name in ("vm-private", "vm-none", "vm-port", "vm-two", "vm-web"):
        sid = cloud.servers[name]
        cloud.osc("server", "delete", "--wait", sid, as_json=False)
        assert cloud.ports_of(sid) == []
    # `delete --wait` returns once the server shows DELETED; the compute
    # removes the record right after (upstream has the same moment between).
    deadline = time.monotonic() + 30
    while cloud.osc("server", "list") != [] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cloud.osc("server", "list") == []
    # The port the user made stays, free for another server.
    kept = cloud.osc("port", "show", own_port)
    assert kept["device_id"] == "" and kept["device_owner"] == ""
    # net2's last server is gone: the network can be deleted.
    cloud.osc("network", "delete", "net2", as_json=False)
    assert "net2" not in [n["Name"] for n in cloud.osc("network", "list")]
