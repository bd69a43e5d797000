"""An API pinned to an older compute RPC version refuses what it cannot send
before it touches the server: 409, and the server keeps its state."""

import pytest

import nova.conf
from nova import context as nova_context
from nova import objects
from nova import rpc
from tests.functional import server_seed as seed

CONF = nova.conf.CONF


@pytest.fixture
def pinned():
    def pin(version):
        CONF.set_override("compute", version, group="upgrade_levels")
        rpc.reset_version_caps()
    yield pin
    CONF.clear_override("compute", group="upgrade_levels")
    rpc.reset_version_caps()


def _instance(api, server_id):
    with nova_context.target_cell(api.ctxt, seed.cell1(api)) as cctxt:
        return objects.Instance.get_by_uuid(cctxt, server_id)


@pytest.mark.parametrize("body", [{"os-stop": None}, {"reboot": {"type": "HARD"}},
                                  {"pause": None}, {"trigger_crash_dump": None}],
                         ids=["os-stop", "reboot", "pause", "trigger_crash_dump"])
def test_an_action_the_cap_cannot_send_is_409_and_changes_nothing(api, pinned, body):
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor)
    pinned("6.2")
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid, body,
                                    version="2.17", user="u1", project="p1")
    assert status == 409, reply
    message = reply["conflictingRequest"]["message"]
    assert "6.3" in message and "upgrade_levels" in message
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == ("active", None)
    actions = api.request("GET", "/servers/%s/os-instance-actions" % server.uuid,
                          user="u1", project="p1")[2]["instanceActions"]
    assert actions == []

    pinned("6.3")
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid, body,
                                    version="2.17", user="u1", project="p1")
    assert status == 202, reply
    assert _instance(api, server.uuid).task_state is not None or "trigger" in str(body)


def test_snapshot_console_and_diagnostics_need_compute_6_5(api, pinned):
    """createImage is refused before any image is made; the calls are 409s too."""
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor)
    pinned("6.4")
    for method, path, body, user in (
            ("POST", "/servers/%s/action", {"createImage": {"name": "snap"}}, "u1"),
            ("POST", "/servers/%s/action", {"os-getConsoleOutput": {}}, "u1"),
            ("GET", "/servers/%s/diagnostics", None, "admin")):
        project = "p1" if user == "u1" else "admin"
        status, _h, reply = api.request(method, path % server.uuid, body,
                                        user=user, project=project)
        assert status == 409, (body, reply)
        message = reply["conflictingRequest"]["message"]
        assert "6.5" in message and "upgrade_levels" in message
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == ("active", None)
    actions = api.request("GET", "/servers/%s/os-instance-actions" % server.uuid,
                          user="u1", project="p1")[2]["instanceActions"]
    assert actions == []


def test_consoles_need_compute_6_6(api, pinned):
    """A console URL is refused (409 naming 6.6) under a cap below 6.6."""
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor)
    pinned("6.5")
    for body, version in (
            ({"remote_console": {"protocol": "vnc", "type": "novnc"}}, "2.6"),
            ({"remote_console": {"protocol": "serial", "type": "serial"}}, "2.6")):
        status, _h, reply = api.request("POST", "/servers/%s/remote-consoles" % server.uuid,
                                        body, version=version, user="u1", project="p1")
        assert status == 409, (body, reply)
        message = reply["conflictingRequest"]["message"]
        assert "6.6" in message and "upgrade_levels" in message
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid,
                                    {"os-getVNCConsole": {"type": "novnc"}},
                                    user="u1", project="p1")
    assert status == 409 and "6.6" in reply["conflictingRequest"]["message"]


@pytest.mark.parametrize("body", [
    {"rebuild": {"imageRef": "8f0f4a1e-0c4b-4d4e-9d53-000000000001"}},
    {"rescue": None}, {"changePassword": {"adminPass": "pw"}}, {"injectNetworkInfo": None}],
    ids=["rebuild", "rescue", "changePassword", "injectNetworkInfo"])
def test_recovery_actions_need_compute_6_7(api, pinned, body):
    """The cap refuses before the image service or the compute is asked."""
    from nova.compute import rpcapi as compute_rpcapi
    version = compute_rpcapi.ComputeAPI.RECOVERY_VERSION
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor)
    major, minor = version.split(".")
    pinned("%s.%d" % (major, int(minor) - 1))
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid, body,
                                    user="admin", project="admin")
    assert status == 409, reply
    message = reply["conflictingRequest"]["message"]
    assert version in message and "upgrade_levels" in message
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == ("active", None)
