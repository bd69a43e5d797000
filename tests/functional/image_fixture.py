"""The embedded image store served for real, and the clients that talk to it.

``image_store`` (a pytest fixture) serves a fresh store (its own data directory
under the test's tmp_path) on a free 127.0.0.1 port with noauth2 and gives:
raw HTTP (``request``), the ``openstack`` CLI (``osc``) through a clouds.yaml
with an image endpoint override, openstacksdk (``sdk``), and nova's own image
API configured to reach it (``nova_api`` with ``context``).
"""

import json
import os
import sys
import urllib.error
import urllib.request

import pytest

import nova.conf
from nova import context as nova_context
from nova.image import store as image_store_pkg
from tests import osc_session

CONF = nova.conf.CONF
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


class ImageStore:
    def __init__(self, tmp_path, running):
        self.tmp_path = tmp_path
        self.running = running
        self.root = running.endpoint
        self.data_dir = running.store.data_dir

    def data_files(self):
        """Files under the data directory other than the metadata database."""
        return sorted(n for n in os.listdir(self.data_dir) if not n.startswith("images.sqlite"))

    def request(self, method, path, body=None, user="admin", project="admin", headers=None,
                raw_body=None, content_type="application/json"):
        """``(status, headers, parsed JSON or bytes)``."""
        all_headers = {"Accept": "application/json"}
        if user is not None:
            all_headers["X-Auth-Token"] = "%s:%s" % (user, project)
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        req = urllib.request.Request(self.root + path, data=data, method=method,
                                     headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, resp_headers, payload = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, resp_headers, payload = exc.code, exc.headers, exc.read()
        if resp_headers.get("Content-Type", "").startswith("application/json") and payload:
            return status, resp_headers, json.loads(payload)
        return status, resp_headers, payload

    def _cloud(self, user, project):
        return {
            "auth_type": "admin_token",
            "auth": {"endpoint": self.root, "token": "%s:%s" % (user, project)},
            "image_endpoint_override": self.root,
            "region_name": "RegionOne",
            "identity_api_version": "3",
        }

    def osc(self, *args, user="admin", project="admin", check=True, json_output=True):
        """Run ``openstack ARGS`` (``-f json`` added when json_output); parsed output."""
        name = "img-%s-%s" % (user, project)
        path = self.tmp_path / ("clouds-%s.yaml" % name)
        path.write_text(json.dumps({"clouds": {name: self._cloud(user, project)}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env["OS_CLIENT_CONFIG_FILE"] = str(path)
        cmd = [OPENSTACK, "--os-cloud", name] + list(args)
        if json_output:
            cmd += ["-f", "json"]
        # Through this test process's one CLI process (tests/osc_session.py), as
        # ``subprocess.run(cmd, capture_output=True, text=True, env=env,
        # timeout=120, cwd=tmp_path)`` would run it; stdin is /dev/null.
        proc = osc_session.run(cmd[1:], env=env, cwd=str(self.tmp_path), timeout=120)
        proc.args = cmd
        if not check:
            return proc
        if proc.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (
                " ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
        return json.loads(proc.stdout) if json_output and proc.stdout.strip() else None

    def sdk(self, user="admin", project="admin"):
        import openstack
        cloud = self._cloud(user, project)
        return openstack.connection.Connection(
            auth_type=cloud["auth_type"], auth=dict(cloud["auth"]),
            image_endpoint_override=self.root, region_name="RegionOne")

    @staticmethod
    def context(user="admin", project="admin"):
        """A request context as the compute API builds it under noauth2."""
        is_admin = user == "admin"
        return nova_context.RequestContext(
            user_id=user, project_id=project, is_admin=is_admin,
            roles=["admin", "member", "reader"] if is_admin else ["member", "reader"],
            auth_token="%s:%s" % (user, project))


@pytest.fixture
def image_store(tmp_path):
    """A running embedded image store, nova's [glance] pointed at it."""
    overrides = {("image_store", "data_dir"): str(tmp_path / "images"),
                 ("image_store", "port"): 0, ("image_store", "listen"): "127.0.0.1",
                 ("glance", "backend"): "local"}
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group=group)
    running = image_store_pkg.serve()
    try:
        yield ImageStore(tmp_path, running)
    finally:
        running.stop()
        for (group, name) in overrides:
            CONF.clear_override(name, group=group)
