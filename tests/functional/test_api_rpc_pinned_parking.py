"""shelve, unshelve, createBackup, restore and soft delete under an RPC cap
older than theirs: 409 before anything changes (the cap is checked before an
image is made; no task state, no action), and a delete with soft delete on
is an ordinary delete then."""

import pytest

import nova.conf
from nova.compute import rpcapi_shelve
from nova.compute import vm_states
from nova import context as nova_context
from nova import objects
from nova.objects import service as service_obj
from nova import rpc
from tests.functional import server_seed as seed

CONF = nova.conf.CONF
HISTORY = service_obj.SERVICE_VERSION_HISTORY
# The service version that brought the parking methods, and what the services
# of the version before it speak (later versions add other methods).
PARKING_ENTRY = next(i for i, entry in enumerate(HISTORY)
                     if entry["compute_rpc"] == rpcapi_shelve.PARKING_VERSION)
PREVIOUS = HISTORY[PARKING_ENTRY - 1]


@pytest.fixture
def pinned():
    def pin(group, version):
        CONF.set_override(group, version, group="upgrade_levels")
        rpc.reset_version_caps()
    yield pin
    for group in ("compute", "conductor"):
        CONF.clear_override(group, group="upgrade_levels")
    rpc.reset_version_caps()
    CONF.clear_override("reclaim_instance_interval")


def _instance(api, server_id):
    with nova_context.target_cell(api.ctxt, seed.cell1(api)) as cctxt:
        return objects.Instance.get_by_uuid(cctxt, server_id)


def _actions(api, server_id):
    return api.request("GET", "/servers/%s/os-instance-actions" % server_id,
                       user="u1", project="p1")[2]["instanceActions"]


def test_history_entries_name_the_versions():
    def rpc(version):
        return tuple(int(part) for part in version.split("."))

    newest = HISTORY[service_obj.SERVICE_VERSION]
    assert rpc(newest["compute_rpc"]) >= rpc(rpcapi_shelve.PARKING_VERSION)
    assert rpc(PREVIOUS["compute_rpc"]) < rpc(rpcapi_shelve.PARKING_VERSION)


@pytest.mark.parametrize("vm_state,body", [
    (vm_states.ACTIVE, {"shelve": None}),
    (vm_states.SHELVED, {"shelveOffload": None}),
    (vm_states.ACTIVE, {"createBackup": {"name": "b", "backup_type": "daily",
                                         "rotation": 1}}),
    (vm_states.SOFT_DELETED, {"restore": None}),
], ids=["shelve", "shelveOffload", "createBackup", "restore"])
def test_compute_actions_below_the_cap_are_409_and_change_nothing(api, pinned, vm_state,
                                                                 body):
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor, vm_state=vm_state)
    pinned("compute", PREVIOUS["compute_rpc"])
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid, body,
                                    user="u1", project="p1")
    if "shelveOffload" in body:  # admin only: the owner is refused first
        assert status == 403, reply
        status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid, body)
    assert status == 409, reply
    message = reply["conflictingRequest"]["message"]
    assert rpcapi_shelve.PARKING_VERSION in message and "upgrade_levels" in message
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == (vm_state, None)
    assert _actions(api, server.uuid) == []


def test_unshelve_needs_the_conductors_newer_compute_task_api(api, pinned):
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor, vm_state=vm_states.SHELVED_OFFLOADED,
                             host=None)
    pinned("conductor", PREVIOUS["compute_task_rpc"])
    status, _h, reply = api.request("POST", "/servers/%s/action" % server.uuid,
                                    {"unshelve": None}, user="u1", project="p1")
    assert status == 409, reply
    assert "unshelve_instance" in reply["conflictingRequest"]["message"]
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == (vm_states.SHELVED_OFFLOADED, None)
    assert _actions(api, server.uuid) == []


def test_a_delete_with_soft_delete_on_is_outright_below_the_cap(api, placement, pinned):
    flavor = seed.add_flavor(api)
    server = seed.add_server(api, "s", flavor=flavor)
    CONF.set_override("reclaim_instance_interval", 3600)
    pinned("compute", PREVIOUS["compute_rpc"])
    status, _h, reply = api.request("DELETE", "/servers/%s" % server.uuid, user="u1",
                                    project="p1")
    assert status == 204, reply
    # (Without the cap the compute is down here: it would be SOFT_DELETED.)
    assert api.request("GET", "/servers/%s" % server.uuid)[0] == 404
