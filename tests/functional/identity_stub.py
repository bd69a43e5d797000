"""A stand-in for the few identity v3 calls the openstack CLI makes on its own.

Some compute commands (``keypair create/list``, ``quota show/set``) build an
identity v3 client even when the user gives only IDs, and look projects up
by ID. Keystone does not run in these tests, so this loopback server answers
the version document and ``GET /v3/projects/{id}`` (every project exists,
named as its ID). Nothing else is served.
"""

import http.server
import json
import threading

import pytest


class _Handler(http.server.BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        base = "http://127.0.0.1:%d/v3" % self.server.server_address[1]
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("", "/v3"):
            self._send(200, {"version": {
                "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": base + "/"}], "media-types": []}})
        elif path.startswith("/v3/projects/"):
            project_id = path.rsplit("/", 1)[1]
            self._send(200, {"project": {
                "id": project_id, "name": project_id, "domain_id": "default",
                "enabled": True, "links": {"self": base + "/projects/" + project_id}}})
        else:
            self._send(404, {"error": {"code": 404, "message": "not served by the stub"}})

    def log_message(self, *args):
        pass


@pytest.fixture
def identity_stub(api):
    """Point the CLI's clouds (any user) at a stub identity v3 service."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    original = api._cloud

    def cloud(user, project):
        config = original(user, project)
        config["identity_api_version"] = "3"
        config["identity_endpoint_override"] = "http://127.0.0.1:%d/v3" % (
            server.server_address[1])
        return config

    api._cloud = cloud
    try:
        yield server
    finally:
        api._cloud = original
        server.shutdown()
        server.server_close()
