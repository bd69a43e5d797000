"""The ``placement`` fixture: the real openstack-placement served in this process.

It gives a running :class:`nova.scheduler.client.embedded.EmbeddedPlacement`
on its own SQLite file and points nova's [placement] client options at it,
so a ``SchedulerReportClient()`` built inside the test talks to it.
"""

import pytest
import requests

import nova.conf
from nova.scheduler.client import embedded
from nova.scheduler.client import report
from tests import dbfixtures

CONF = nova.conf.CONF


class RunningPlacement:
    """The served Placement plus a raw HTTP helper for assertions."""

    def __init__(self, service):
        self.service = service
        self.endpoint = service.endpoint

    def request(self, method, path, body=None, version="1.39"):
        """(status, json body or None) of a raw admin request."""
        resp = requests.request(method, self.endpoint + path, json=body, timeout=30,
                                headers={"X-Auth-Token": embedded.NOAUTH_ADMIN_TOKEN,
                                         "OpenStack-API-Version": "placement %s" % version})
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, None

    def get(self, path, version="1.39"):
        status, body = self.request("GET", path, version=version)
        assert status == 200, (path, status, body)
        return body

    def client(self):
        return report.SchedulerReportClient()


def start_placement(tmp_path):
    """Start Placement on ``tmp_path``/placement.sqlite; returns (RunningPlacement, stop)."""
    # A copy of a template Placement migrated (and synced) once per process.
    service = embedded.EmbeddedPlacement(
        connection=dbfixtures.sqlite_copy("placement", tmp_path / "placement.sqlite"))
    service.start()
    service.configure_client(CONF)

    def stop():
        CONF.clear_override("endpoint_override", group="placement")
        CONF.clear_override("auth_type", group="placement")
        service.stop()

    return RunningPlacement(service), stop


@pytest.fixture
def placement(tmp_path):
    running, stop = start_placement(tmp_path)
    try:
        yield running
    finally:
        stop()
