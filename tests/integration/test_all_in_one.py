"""nova-all as a user meets it: one process, a clouds.yaml entry, the openstack CLI.

nova-all runs as a real subprocess with its state under this test's temp
directory and every listener on a free loopback port. It needs nothing
outside the virtualenv (SQLite, the in-process transport, embedded Placement,
the local image store, the flat network, the fake driver), so nothing here
skips. The CLI reads only the clouds.yaml nova-all wrote.
"""

import json
import os
import signal
import subprocess
import sys

import pytest
import yaml

from tests import osc_session
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

OPENSTACK = os.path.join(nova_procs.VENV_BIN, "openstack")
NOVA_ALL = os.path.join(nova_procs.VENV_BIN, "nova-all")
CLOUD = "aio-test"


class AllInOne:
    """A nova-all process with its own state path, ports, HOME and clouds.yaml."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.ports = {name: nova_procs.free_port() for name in (
            "api", "metadata", "novnc", "spice", "image", "placement", "identity")}
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.clouds_yaml = tmp_path / "openstack" / "clouds.yaml"
        self.log_file = tmp_path / "nova-all.log"
        p = self.ports
        self.config = nova_procs.write_config(str(tmp_path / "nova.conf"), {
            "DEFAULT": {"host": "aio", "state_path": str(tmp_path / "state"),
                        "report_interval": 1, "periodic_fuzzy_delay": 0,
                        "osapi_compute_listen": "127.0.0.1",
                        "osapi_compute_listen_port": p["api"],
                        "metadata_listen": "127.0.0.1",
                        "metadata_listen_port": p["metadata"],
                        "log_file": str(self.log_file), "debug": "true"},
            "vnc": {"novncproxy_host": "127.0.0.1", "novncproxy_port": p["novnc"]},
            "spice": {"html5proxy_host": "127.0.0.1", "html5proxy_port": p["spice"]},
            "image_store": {"listen": "127.0.0.1", "port": p["image"]},
            "placement": {"embedded_port": p["placement"]},
            "all_in_one": {"clouds_yaml": str(self.clouds_yaml),
                           "identity_port": p["identity"]},
        })
        self.proc = None
        self.runs = 0

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["HOME"] = str(self.home)
        return env

    def start(self):
        self.runs += 1
        self.stdout_path = self.tmp_path / ("stdout-%d.txt" % self.runs)
        self.stderr_path = self.tmp_path / ("stderr-%d.txt" % self.runs)
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            # --cloud-name wins over [all_in_one] cloud_name (nova-aio).
            self.proc = subprocess.Popen(
                [NOVA_ALL, "--config-file", self.config, "--cloud-name", CLOUD],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=self.env(),
                cwd=str(self.tmp_path))
        nova_procs.wait_for(lambda: "Stop it with" in self.output(), timeout=90,
                            what="nova-all's summary", daemons=[self])
        return self.output()

    # The interface nova_procs.wait_for reads on failure.
    binary = "nova-all"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self):
        return self.stdout_path.read_text()

    def stderr(self):
        return self.stderr_path.read_text()

    def log(self):
        return self.log_file.read_text() if self.log_file.exists() else ""

    def stop(self, timeout=20):
        """SIGTERM to our own process; its exit code."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("nova-all did not stop within %ss of SIGTERM" % timeout)

    def osc(self, *args, timeout=120):
        """``openstack --os-cloud CLOUD ARGS -f json`` with only our clouds.yaml."""
        env = self.env()
        env["OS_CLIENT_CONFIG_FILE"] = str(self.clouds_yaml)
        cmd = [OPENSTACK, "--os-cloud", CLOUD, *args, "-f", "json"]
        # Through this test process's one CLI process (tests/osc_session.py):
        # the command's OS_* variables are its own; the clouds.yaml is named.
        proc = osc_session.run(cmd[1:], env=env, cwd=os.getcwd(), timeout=timeout)
        assert proc.returncode == 0, "%s failed (%d):\n%s\n%s\n--- nova-all log\n%s" % (
            " ".join(cmd), proc.returncode, proc.stdout, proc.stderr, self.log()[-4000:])
        return json.loads(proc.stdout)


@pytest.fixture
def aio(tmp_path):
    running = AllInOne(tmp_path)
    # Someone's clouds.yaml already holds another cloud: it must survive.
    running.clouds_yaml.parent.mkdir()
    running.clouds_yaml.write_text(yaml.safe_dump(
        {"clouds": {"elsewhere": {"auth": {"auth_url": "http://192.0.2.1:5000/v3"}}},
         "cache": {"expiration_time": 0}}))
    try:
        yield running
    finally:
        if running.proc is not None and running.alive():
            running.proc.kill()
            running.proc.wait()


def _placement_providers(clouds_yaml):
    """Resource provider names through openstacksdk's placement proxy."""
    code = (
        "import json, openstack.config, openstack.connection\n"
        "region = openstack.config.OpenStackConfig(config_files=[%r]).get_one(cloud=%r)\n"
        "conn = openstack.connection.Connection(config=region)\n"
        "print(json.dumps(sorted(rp.name for rp in "
        "conn.placement.resource_providers())))\n" % (str(clouds_yaml), CLOUD))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_first_start_prints_usage_writes_clouds_yaml_and_boots_a_server(aio):
    summary = aio.start()
    p = aio.ports

    # The summary names every endpoint and how to use the cloud.
    assert "http://127.0.0.1:%d/v2.1/" % p["api"] in summary
    assert "http://127.0.0.1:%d/v2/" % p["image"] in summary
    assert "http://127.0.0.1:%d/" % p["placement"] in summary
    assert "export OS_CLIENT_CONFIG_FILE=%s" % aio.clouds_yaml in summary
    assert "export OS_CLOUD=%s" % CLOUD in summary
    assert "openstack server create --flavor m1.tiny --image cirros --wait demo" in summary

    # The entry is merged in; the other cloud and top-level keys stay.
    document = yaml.safe_load(aio.clouds_yaml.read_text())
    assert document["cache"] == {"expiration_time": 0}
    assert set(document["clouds"]) == {"elsewhere", CLOUD}
    entry = document["clouds"][CLOUD]
    assert entry["compute_endpoint_override"] == "http://127.0.0.1:%d/v2.1" % p["api"]
    assert entry["image_endpoint_override"] == "http://127.0.0.1:%d" % p["image"]
    assert entry["placement_endpoint_override"] == "http://127.0.0.1:%d" % p["placement"]
    assert entry["identity_endpoint_override"] == "http://127.0.0.1:%d/v3" % p["identity"]
    # Nothing was written to the (temporary) home directory.
    assert not (aio.home / ".config").exists()

    flavors = {f["Name"]: f for f in aio.osc("flavor", "list")}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= set(flavors)
    tiny = flavors["m1.tiny"]
    assert (tiny["ID"], tiny["VCPUs"], tiny["RAM"], tiny["Disk"]) == ("1", 1, 512, 1)

    images = aio.osc("image", "list")
    assert [(i["Name"], i["Status"]) for i in images] == [("cirros", "active")]

    # The compute node reported itself to the embedded Placement.
    assert _placement_providers(aio.clouds_yaml) == ["aio"]

    server = aio.osc("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                     "--wait", "demo")
    assert server["status"] == "ACTIVE", server
    listed = aio.osc("server", "list")
    assert [(s["Name"], s["Status"]) for s in listed] == [("demo", "ACTIVE")]
    addresses = listed[0]["Networks"]["private"]
    assert len(addresses) == 1 and addresses[0].startswith("10.0.0."), listed

    assert aio.stop() == 0, aio.stderr()

    # A second start seeds nothing again and finds the server where it was.
    aio.start()
    assert sorted(f["Name"] for f in aio.osc("flavor", "list")) == sorted(flavors)
    assert [i["Name"] for i in aio.osc("image", "list")] == ["cirros"]
    again = aio.osc("server", "list")
    assert [(s["Name"], s["Status"], s["Networks"]) for s in again] == [
        ("demo", "ACTIVE", listed[0]["Networks"])]
    assert aio.stop() == 0, aio.stderr()


def test_busy_port_ends_nova_all_with_one_line(aio):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", aio.ports["api"]))
        busy.listen()
        aio.runs += 1
        aio.stdout_path = aio.tmp_path / "stdout-busy.txt"
        aio.stderr_path = aio.tmp_path / "stderr-busy.txt"
        with open(aio.stdout_path, "w") as out, open(aio.stderr_path, "w") as err:
            aio.proc = subprocess.Popen([NOVA_ALL, "--config-file", aio.config],
                                        stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                        env=aio.env())
        code = aio.proc.wait(timeout=60)
    err = aio.stderr().strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and "Address already in use" in err, err
    assert str(aio.ports["api"]) in err
