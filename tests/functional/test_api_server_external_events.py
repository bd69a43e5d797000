"""POST /os-server-external-events through the real WSGI app to a real compute service.

The compute service (fake driver) runs in this process over the fake://
transport; a waiter registered through its VirtAPI is woken by the event the
API casts, as a spawn waiting for network-vif-plugged would be.
"""

import threading

import pytest

from nova.compute import vm_states
from nova import exception
from nova import service
from tests.functional.compute_seed import parsed_conf  # noqa: F401
from tests.functional import server_seed

pytestmark = pytest.mark.usefixtures("parsed_conf")

PORT = "0d4c6b2e-5d7a-4b0e-8a1f-9c3e2f1a7b65"
MISSING = "3f0c3d6e-4a55-4f1f-9c84-8b2b52f3a111"


def _post(api, events, version=None, user="admin", project="admin"):
    return api.request("POST", "/os-server-external-events", {"events": events},
                       version=version, user=user, project=project)


@pytest.fixture
def compute(api):
    svc = service.Service.create(host="compute1", binary="nova-compute", topic="compute")
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


def _wait_in_thread(compute, instance, events, deadline=15):
    outcome = {}
    ready = threading.Event()

    def run():
        try:
            with compute.manager.virtapi.wait_for_instance_event(instance, events,
                                                                 deadline=deadline):
                ready.set()
            outcome["result"] = "completed"
        except Exception as exc:   # the test asserts on it
            outcome["result"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert ready.wait(10)
    return thread, outcome


def test_event_wakes_the_waiting_compute(api, compute):
    server = server_seed.add_server(api, "vm1", host="compute1")
    thread, outcome = _wait_in_thread(compute, server, [("network-vif-plugged", PORT)])
    status, _h, body = _post(api, [{"name": "network-vif-plugged", "server_uuid": server.uuid,
                                    "tag": PORT}])
    assert status == 200
    assert body == {"events": [{"name": "network-vif-plugged", "server_uuid": server.uuid,
                                "tag": PORT, "status": "completed", "code": 200}]}
    thread.join(20)
    assert outcome["result"] == "completed"


def test_failed_event_and_timeout_reach_the_waiter(api, compute):
    server = server_seed.add_server(api, "vm1", host="compute1")
    thread, outcome = _wait_in_thread(compute, server, [("network-vif-plugged", PORT)])
    status, _h, _b = _post(api, [{"name": "network-vif-plugged", "server_uuid": server.uuid,
                                  "tag": PORT, "status": "failed"}])
    assert status == 200
    thread.join(20)
    assert isinstance(outcome["result"], exception.InstanceEventFailed)
    thread, outcome = _wait_in_thread(compute, server, ["network-vif-plugged"], deadline=0.5)
    thread.join(20)
    assert isinstance(outcome["result"], exception.InstanceEventTimeout)


def test_partial_and_missing_servers(api, compute):
    on_host = server_seed.add_server(api, "vm1", host="compute1")
    building = server_seed.add_server(api, "vm2", vm_state=vm_states.BUILDING)
    status, _h, body = _post(api, [
        {"name": "network-changed", "server_uuid": on_host.uuid},
        {"name": "network-vif-unplugged", "server_uuid": building.uuid, "tag": PORT},
        {"name": "network-vif-deleted", "server_uuid": MISSING, "status": "completed"}])
    assert status == 207
    assert [(e["code"], e["status"]) for e in body["events"]] == \
        [(200, "completed"), (422, "failed"), (404, "failed")]
    status, _h, body = _post(api, [{"name": "network-changed", "server_uuid": MISSING}])
    assert status == 404 and "itemNotFound" in body


def test_validation_microversions_and_policy(api):
    server = server_seed.add_server(api, "vm1", host="compute1")
    bad = [[], [{"name": "network-vif-plugged"}],
           [{"name": "no-such-event", "server_uuid": server.uuid}],
           [{"name": "network-changed", "server_uuid": server.uuid, "status": "done"}],
           [{"name": "network-changed", "server_uuid": server.uuid, "extra": 1}],
           [{"name": "volume-extended", "server_uuid": server.uuid}]]
    for events in bad:
        status, _h, body = _post(api, events, version="2.50")
        assert status == 400, events
    status, _h, _b = _post(api, [{"name": "volume-extended", "server_uuid": MISSING}],
                           version="2.51")
    assert status == 404    # valid from 2.51; the server does not exist
    status, _h, body = _post(api, [{"name": "network-changed", "server_uuid": server.uuid}],
                             user="alice", project="p1")
    assert status == 403
