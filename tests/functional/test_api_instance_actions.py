"""/servers/{id}/os-instance-actions over HTTP and ``openstack server event``."""

import datetime

import pytest

from nova.api.openstack import api_version
from nova.compute import vm_states
from tests.functional import server_seed as seed


@pytest.fixture
def newest(monkeypatch):
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.100")


@pytest.fixture
def server(api):
    server = seed.add_server(api, "alpha", flavor=seed.add_flavor(api))
    seed.add_action(api, server, "create", "req-create", start_time=seed.BASE_TIME,
                    events=[("compute_build_and_run_instance", "Success", "compute1",
                             None)])
    seed.add_action(api, server, "reboot", "req-reboot",
                    start_time=seed.BASE_TIME + datetime.timedelta(hours=1),
                    events=[("compute_reboot_instance", "Error", "compute1",
                             "disk on fire")])
    return server


def _get(api, path, version=None, user="u1", project="p1"):
    status, _headers, body = api.request("GET", path, version=version, user=user,
                                         project=project)
    return status, body


def test_list_and_show_by_microversion(api, server, newest):
    base = "/servers/%s/os-instance-actions" % server.uuid
    status, body = _get(api, base)
    assert status == 200
    actions = body["instanceActions"]
    assert [a["request_id"] for a in actions] == ["req-reboot", "req-create"]
    assert actions[0]["action"] == "reboot" and actions[0]["message"] == "Error"
    assert actions[1]["message"] is None
    assert "updated_at" not in actions[0]

    # Before 2.51 a member sees no events; from 2.51 events without traceback.
    status, body = _get(api, base + "/req-reboot", version="2.50")
    assert status == 200 and "events" not in body["instanceAction"]
    status, body = _get(api, base + "/req-reboot", version="2.51")
    event = body["instanceAction"]["events"][0]
    assert event["event"] == "compute_reboot_instance" and event["result"] == "Error"
    assert "traceback" not in event and "hostId" not in event
    # 2.62: hostId for everyone, the host for admins; 2.84: details.
    status, body = _get(api, base + "/req-reboot", version="2.84")
    event = body["instanceAction"]["events"][0]
    assert len(event["hostId"]) == 56 and "host" not in event
    assert event["details"] == "disk on fire"
    status, body = _get(api, base + "/req-reboot", version="2.84", user="admin",
                        project="admin")
    event = body["instanceAction"]["events"][0]
    assert event["host"] == "compute1" and "RuntimeError" in event["traceback"]

    assert _get(api, base + "/req-nope")[0] == 404
    assert _get(api, base, project="p2")[0] == 404


def test_paging_and_time_filters(api, server, newest):
    base = "/servers/%s/os-instance-actions" % server.uuid
    status, body = _get(api, base + "?limit=1", version="2.58")
    assert [a["request_id"] for a in body["instanceActions"]] == ["req-reboot"]
    assert "updated_at" in body["instanceActions"][0]
    next_href = body["links"][0]["href"]
    assert "marker=req-reboot" in next_href
    status, body = _get(api, next_href, version="2.58")
    assert [a["request_id"] for a in body["instanceActions"]] == ["req-create"]
    assert _get(api, base + "?marker=req-nope", version="2.58")[0] == 400
    assert _get(api, base + "?limit=1", version="2.57")[1]["instanceActions"].__len__() == 2
    # changes-before needs 2.66; unknown parameters are refused from 2.58.
    assert _get(api, base + "?changes-before=2020-01-01T00:00:00Z", version="2.58")[0] \
        == 400
    status, body = _get(api, base + "?changes-before=2020-01-01T00:00:00Z",
                        version="2.66")
    assert status == 200 and body["instanceActions"] == []
    status, body = _get(api, base + "?changes-since=2020-01-01T00:00:00Z", version="2.66")
    assert len(body["instanceActions"]) == 2


def test_deleted_server_actions_from_2_21(api, newest):
    gone = seed.add_server(api, "gone", vm_state=vm_states.DELETED)
    seed.add_action(api, gone, "delete", "req-delete")
    gone.destroy()
    base = "/servers/%s/os-instance-actions" % gone.uuid
    assert _get(api, base, version="2.20")[0] == 404
    status, body = _get(api, base, version="2.21")
    assert status == 200
    assert [a["action"] for a in body["instanceActions"]] == ["delete"]


def test_cli_server_event_list_and_show(api, server):
    events = api.osc("server", "event", "list", "alpha", user="u1", project="p1")
    assert [e["Request ID"] for e in events] == ["req-reboot", "req-create"]
    shown = api.osc("server", "event", "show", server.uuid, "req-create", user="admin",
                    project="admin", version="2.1")
    assert shown["action"] == "create"
    assert "compute_build_and_run_instance" in str(shown["events"])
