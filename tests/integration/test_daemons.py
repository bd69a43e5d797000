"""Every daemon starts from a config file, registers itself, serves, and stops on SIGTERM.

Configs start from etc/nova/nova.conf.sample (when generated) with this
test's own database, vhost and ports. A malformed configuration makes a
daemon exit non-zero with one line on stderr naming the file and option.
"""

import base64
import json
import os
import socket
import struct
import urllib.error
import urllib.request

import pytest

from tests.integration import nova_procs

pytestmark = pytest.mark.integration

ALL = ("nova-conductor", "nova-scheduler", "nova-compute", "nova-api", "nova-api-metadata",
       "nova-novncproxy", "nova-spicehtml5proxy")
# What each daemon's row in the services table is called.
BINARY_OF = {"nova-api": "nova-osapi_compute", "nova-api-metadata": "nova-metadata"}


def _http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _websocket_refused(port):
    """Open a console WebSocket with a made-up token; (close code, close reason)."""
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("GET /?token=made-up-token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                      % (port, key)).encode())
        data = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    head, _, frames = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    # The first frame: a server-to-client close frame (opcode 8, unmasked).
    assert frames[0] & 0x0F == 8, frames[:2]
    length = frames[1] & 0x7F
    payload = frames[2:2 + length]
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode()


def test_every_daemon_registers_serves_and_stops(tmp_path, rabbit_vhost):
    db_path = tmp_path / "cell.sqlite"
    db_url = "sqlite:///%s" % db_path
    nova_procs.sync_cell_db(db_url)
    ports = {name: nova_procs.free_port() for name in ("api", "metadata", "novnc", "spice")}
    # nova-compute gets a database URL it must never open: the conductor is its DB.
    forbidden_db = tmp_path / "compute-must-not-open.sqlite"

    daemons = {}
    try:
        # nova-compute last, once the conductor consumes: its first ping of a
        # conductor not yet consuming would be lost (ten seconds).
        for name in sorted(ALL, key=lambda name: name == "nova-compute"):
            if name == "nova-compute":
                nova_procs.wait_for(
                    lambda: nova_procs.consuming(rabbit_vhost.url, "conductor"),
                    timeout=90, what="nova-conductor consuming",
                    daemons=list(daemons.values()))
            sections = nova_procs.base_sections(
                tmp_path, "host-" + name, rabbit_vhost.url,
                db_url="sqlite:///%s" % forbidden_db if name == "nova-compute" else db_url)
            sections["DEFAULT"].update({
                "enabled_apis": "osapi_compute",
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": ports["api"],
                "metadata_listen": "127.0.0.1",
                "metadata_listen_port": ports["metadata"]})
            sections["vnc"] = {"novncproxy_host": "127.0.0.1",
                               "novncproxy_port": ports["novnc"]}
            sections["spice"] = {"html5proxy_host": "127.0.0.1",
                                 "html5proxy_port": ports["spice"]}
            conf = nova_procs.write_config(str(tmp_path / (name + ".conf")), sections)
            daemons[name] = nova_procs.Daemon(name, conf)

        expected = {BINARY_OF.get(name, name): "host-" + name for name in ALL}
        rows = nova_procs.wait_for(
            lambda: (lambda r: r if set(expected) <= set(r) else None)(
                nova_procs.service_rows(db_path)),
            timeout=90, what="every service row", daemons=list(daemons.values()))
        assert {b: rows[b][0] for b in expected} == expected

        # The RPC services heartbeat.
        nova_procs.wait_for(
            lambda: all(nova_procs.service_rows(db_path)[b][1] >= 2
                        for b in ("nova-conductor", "nova-scheduler", "nova-compute")),
            timeout=30, what="heartbeats", daemons=list(daemons.values()))
        assert not forbidden_db.exists(), "nova-compute opened a database"

        # The APIs and proxies answer on their configured ports.
        status, body = _http_get("http://127.0.0.1:%d/" % ports["api"])
        assert status == 200
        versions = {v["id"]: v for v in json.loads(body)["versions"]}
        assert versions["v2.1"]["status"] == "CURRENT"
        assert versions["v2.1"]["min_version"] == "2.1"
        status, body = _http_get("http://127.0.0.1:%d/servers" % ports["api"])
        assert status == 404 and json.loads(body)["itemNotFound"]["code"] == 404
        status, body = _http_get("http://127.0.0.1:%d/" % ports["metadata"])
        assert status == 200 and body.splitlines()[-1] == "latest"
        for port in (ports["novnc"], ports["spice"]):
            code, reason = _websocket_refused(port)
            assert code == 1008 and "invalid" in reason.lower()
    finally:
        results = {}
        for name, daemon in daemons.items():
            if daemon.alive():
                daemon.proc.send_signal(15)
        for name, daemon in daemons.items():
            results[name] = daemon.terminate(timeout=10)
            daemon.kill()
    for name, (code, seconds) in results.items():
        assert code == 0, "%s exited with %s:\n%s" % (name, code, daemons[name].stderr())
        assert seconds < 5.0, "%s took %.1fs to stop" % (name, seconds)
    assert "DBNotAllowed" not in daemons["nova-compute"].log()
    assert not forbidden_db.exists()


@pytest.mark.parametrize("binary", ["nova-conductor", "nova-api"])
def test_bad_value_is_one_line_naming_file_and_option(tmp_path, binary):
    conf = nova_procs.write_config(str(tmp_path / "nova.conf"), {
        "DEFAULT": {"report_interval": "abc", "transport_url": "fake://"}})
    daemon = nova_procs.Daemon(binary, conf)
    code = daemon.proc.wait(timeout=30)
    daemon.kill()
    err = daemon.stderr().strip()
    assert code != 0
    assert len(err.splitlines()) == 1, err
    assert conf in err and "report_interval" in err and "abc" in err


def test_syntax_error_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "broken.conf"
    path.write_text("[DEFAULT\nhost = x\n")
    daemon = nova_procs.Daemon("nova-scheduler", str(path))
    code = daemon.proc.wait(timeout=30)
    daemon.kill()
    err = daemon.stderr().strip()
    assert code != 0
    assert len(err.splitlines()) == 1, err
    assert str(path) in err


def test_out_of_range_value_in_a_group(tmp_path):
    conf = nova_procs.write_config(str(tmp_path / "nova.conf"), {
        "DEFAULT": {"transport_url": "fake://"}, "vnc": {"novncproxy_port": "70000"}})
    daemon = nova_procs.Daemon("nova-novncproxy", conf)
    code = daemon.proc.wait(timeout=30)
    daemon.kill()
    err = daemon.stderr().strip()
    assert code != 0
    assert len(err.splitlines()) == 1, err
    assert "[vnc] novncproxy_port" in err and conf in err



def test_nova_all_runs_everything_in_one_process(tmp_path):
    ports = {name: nova_procs.free_port() for name in ("api", "metadata", "novnc", "spice")}
    state = tmp_path / "state"
    conf = nova_procs.write_config(str(tmp_path / "nova.conf"), {
        "DEFAULT": {"host": "aio", "state_path": str(state), "report_interval": 1,
                    "periodic_fuzzy_delay": 0,
                    "osapi_compute_listen": "127.0.0.1",
                    "osapi_compute_listen_port": ports["api"],
                    "metadata_listen": "127.0.0.1",
                    "metadata_listen_port": ports["metadata"],
                    "log_file": str(tmp_path / "nova-all.log")},
        "vnc": {"novncproxy_host": "127.0.0.1", "novncproxy_port": ports["novnc"]},
        "spice": {"html5proxy_host": "127.0.0.1", "html5proxy_port": ports["spice"]},
        "image_store": {"port": 0},
        "all_in_one": {"clouds_yaml": str(tmp_path / "clouds.yaml")}})
    daemon = nova_procs.Daemon("nova-all", conf)
    try:
        # No transport_url and no databases configured: in-process queue, SQLite files.
        nova_procs.wait_for(lambda: "Compute API" in daemon.output(), timeout=60,
                            what="nova-all's summary", daemons=[daemon])
        assert "http://127.0.0.1:%d/v2.1/" % ports["api"] in daemon.output()
        cell_db = state / "nova.sqlite"
        expected = {"nova-conductor", "nova-scheduler", "nova-compute", "nova-osapi_compute",
                    "nova-metadata", "nova-novncproxy", "nova-spicehtml5proxy"}
        assert set(nova_procs.service_rows(cell_db)) == expected
        nova_procs.wait_for(
            lambda: nova_procs.service_rows(cell_db)["nova-compute"][1] >= 2,
            timeout=20, what="the compute's heartbeats", daemons=[daemon])
        # cell0 and cell1 are mapped and the compute host is discovered.
        api_db = state / "nova_api.sqlite"
        cells = {name for (name,) in nova_procs.sqlite_rows(api_db,
                                                            "SELECT name FROM cell_mappings")}
        assert {"cell0", "cell1"} <= cells
        assert nova_procs.sqlite_rows(api_db, "SELECT host FROM host_mappings") == [("aio",)]
        status, body = _http_get("http://127.0.0.1:%d/" % ports["api"])
        assert status == 200 and json.loads(body)["versions"][1]["id"] == "v2.1"
        code, seconds = daemon.terminate()
    finally:
        daemon.kill()
    assert code == 0, daemon.stderr()
    assert seconds < 5.0, "nova-all took %.1fs to stop" % seconds
