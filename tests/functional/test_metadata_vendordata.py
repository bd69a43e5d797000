"""vendor_data.json from a static file and vendor_data2.json from REST targets on loopback."""

import http.server
import json
import logging
import socket
import threading

import pytest

from nova.api.metadata import vendordata
from tests.functional import metadata_fixture as mdf
from tests.functional import server_seed as seed


class _Target(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Target.received.append((self.path, body))
        if self.path == "/broken":
            self.send_response(500)
            self.end_headers()
            return
        payload = json.dumps({"greeting": "hello %s" % body["hostname"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def target():
    _Target.received = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_static_and_dynamic_vendordata(api, tmp_path, target, caplog):
    static = tmp_path / "vendor.json"
    static.write_text(json.dumps({"cloud": "test-cloud"}))
    undo = mdf.set_conf({
        ("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
        ("neutron", "service_metadata_proxy"): True,
        ("api", "vendordata_providers"): ["StaticJSON", "DynamicJSON"],
        ("api", "vendordata_jsonfile_path"): str(static),
        ("api", "vendordata_dynamic_targets"): [
            "good@%s/good" % target, "broken@%s/broken" % target,
            "away@http://127.0.0.1:%d/x" % _closed_port()]})
    vendordata.reset()
    server, stop = mdf.serve_metadata()
    try:
        instance = seed.add_server(api, "vd1", flavor=seed.add_flavor(api),
                                   metadata={"k": "v"})
        headers = mdf.proxy_headers(instance.uuid, instance.project_id)
        status, _h, body = server.request("/openstack/latest/vendor_data.json",
                                          headers=headers)
        assert (status, json.loads(body)) == (200, {"cloud": "test-cloud"})
        caplog.set_level(logging.WARNING, logger="nova.api.metadata.vendordata")
        status, _h, body = server.request("/openstack/latest/vendor_data2.json",
                                          headers=headers)
        assert status == 200, body
        # The failing targets are left out, each with a warning.
        assert json.loads(body) == {"good": {"greeting": "hello vd1"}}
        warned = [r.getMessage() for r in caplog.records
                  if r.name == "nova.api.metadata.vendordata"]
        assert len(warned) == 2
        assert "broken" in warned[0] and "away" in warned[1]
        path, sent = _Target.received[0]
        assert path == "/good"
        assert sent["instance-id"] == instance.uuid and sent["project-id"] == "p1"
        assert sent["metadata"] == {"k": "v"} and sent["hostname"] == "vd1"
        # A static file that is not JSON gives {} (and a warning), not an error.
        static.write_text("{not json")
        status, _h, body = server.request("/openstack/latest/vendor_data.json",
                                          headers=headers)
        assert (status, json.loads(body)) == (200, {})
    finally:
        stop()
        undo()
        vendordata.reset()


def test_fatal_dynamic_failure_is_a_503(api, target):
    undo = mdf.set_conf({
        ("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
        ("neutron", "service_metadata_proxy"): True,
        ("api", "vendordata_providers"): ["DynamicJSON"],
        ("api", "vendordata_dynamic_failure_fatal"): True,
        ("api", "vendordata_dynamic_targets"): ["broken@%s/broken" % target]})
    vendordata.reset()
    server, stop = mdf.serve_metadata()
    try:
        instance = seed.add_server(api, "vd2", flavor=seed.add_flavor(api))
        headers = mdf.proxy_headers(instance.uuid, instance.project_id)
        status, _h, body = server.request("/openstack/latest/vendor_data2.json",
                                          headers=headers)
        assert status == 503 and b"broken" in body
        # The rest of the metadata is unaffected, and StaticJSON is off: {}.
        assert server.request("/openstack/latest/meta_data.json", headers=headers)[0] == 200
        status, _h, body = server.request("/openstack/latest/vendor_data.json",
                                          headers=headers)
        assert (status, json.loads(body)) == (200, {})
    finally:
        stop()
        undo()
        vendordata.reset()
