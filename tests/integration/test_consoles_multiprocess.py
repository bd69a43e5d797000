"""Console URLs through separate daemons: nova-api, nova-compute, nova-novncproxy and
nova-serialproxy as their own processes over RabbitMQ and MariaDB.

The proxies read the cell database themselves and ask the compute over
RabbitMQ (validate_console_port) before relaying to the fake hypervisor's
real console servers, which live in the nova-compute process.
"""

import os

import pytest

from tests import console_client as cc
from tests import realparts
from tests.integration import boot_cluster
from tests.integration import nova_procs

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(tmp_path, rabbit_vhost):
    ports = {name: nova_procs.free_port() for name in ("novnc", "serial")}
    dbs = boot_cluster.ClusterDatabases.create(driver="pymysql")
    running = boot_cluster.BootCluster(tmp_path, dbs, rabbit_vhost.url,
                                       compute_hosts=("compute1",), extra={
        "vnc": {"novncproxy_host": "127.0.0.1", "novncproxy_port": ports["novnc"],
                "novncproxy_base_url": "http://127.0.0.1:%d/vnc_auto.html"
                                       % ports["novnc"]},
        "serial_console": {"enabled": "true", "serialproxy_host": "127.0.0.1",
                           "serialproxy_port": ports["serial"],
                           "base_url": "ws://127.0.0.1:%d/" % ports["serial"]}})
    try:
        running.start()
        running._script("nova-novncproxy", "novnc")
        running._module("nova-serialproxy", "nova.cmd.serialproxy")
        for port in ports.values():
            nova_procs.wait_for(lambda port=port: realparts.port_open("127.0.0.1", port),
                                timeout=60, what="console proxy on %d" % port,
                                daemons=list(running.daemons.values()))
        running.console_ports = ports
        yield running
    finally:
        codes = running.stop()
        dbs.drop()
    assert codes == {name: 0 for name in codes}, running.logs()


def _console(cluster, server, protocol, console_type):
    status, body = cluster.compute("POST", "/servers/%s/remote-consoles" % server,
                                   {"remote_console": {"protocol": protocol,
                                                       "type": console_type}},
                                   version="2.6")
    assert status == 200, body
    return body["remote_console"]["url"]


def test_vnc_and_serial_consoles_through_the_daemons(cluster):
    flavor = cluster.create_flavor("m1.tiny", 1, 512, 1, "1")
    image = cluster.create_image()
    cluster.boot("console", flavor, image)
    server = next(iter(cluster.wait_for_statuses("console", 1, timeout=90)))

    url = _console(cluster, server, "vnc", "novnc")
    token = url.rsplit("%3D", 1)[1]
    ws = cc.WebSocket("ws://127.0.0.1:%d/?token=%s" % (cluster.console_ports["novnc"], token),
                      headers={"Origin": "http://127.0.0.1:%d" % cluster.console_ports["novnc"]})
    try:
        width, height, name, stream = cc.rfb_connect(ws)
        assert name.startswith("instance-")
        rects, pixels = cc.rfb_framebuffer(ws, stream, width, height)
        assert len(pixels[(0, 0, width, height)]) == width * height * 4
    finally:
        ws.close()

    ws = cc.WebSocket(_console(cluster, server, "serial", "serial"))
    try:
        stream = cc.Stream(ws)
        stream.read_until(b"$ ")
        ws.send(b"hello from the test\r")
        assert b"echo: hello from the test" in stream.read_until(b"$ ")
    finally:
        ws.close()

    # A made-up token and, after the delete, the real one: refused by the daemon.
    ws = cc.WebSocket("ws://127.0.0.1:%d/?token=made-up" % cluster.console_ports["novnc"])
    with pytest.raises(cc.Closed) as err:
        ws.recv_frame()
    assert err.value.code == 1008
    status, _b = cluster.compute("DELETE", "/servers/%s" % server)
    assert status == 204
    cluster.wait_for_none("console", timeout=60)
    ws = cc.WebSocket("ws://127.0.0.1:%d/?token=%s" % (cluster.console_ports["novnc"], token))
    with pytest.raises(cc.Closed) as err:
        ws.recv_frame()
    assert "invalid or has expired" in err.value.reason
    with open(os.path.join(cluster.workdir, "nova-novncproxy.log")) as f:
        assert "Refused console connection" in f.read()
