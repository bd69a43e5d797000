"""What other clients than ours found, each checked with a real HTTP request.

Request bodies, query strings and responses compared with the Compute API
reference's tables and with what other clients (gophercloud, Ruby's fog,
Horizon, novaclient) send: an action without arguments takes ``null`` or
``{}``; a server without a host cannot be powered off; lock and unlock follow
the owner/admin rules; os-services and the zones list RPC services only;
booleans and base64 take the forms the reference allows; a field or
parameter belongs to the microversions the reference gives it; and the
POST /servers answer carries what the reference lists.
"""


import pytest

from nova.api.openstack import api_version
from nova.compute import vm_states
from nova import context as nova_context
from nova import objects
from tests.functional import compute_seed
from tests.functional import server_seed as seed


@pytest.fixture
def newest(monkeypatch):
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.100")


@pytest.fixture
def flavor(api):
    return seed.add_flavor(api)


def _action(api, server_id, body, version=None):
    return api.request("POST", "/servers/%s/action" % server_id, body, version=version,
                       user="u1", project="p1")


def _instance(api, server_id):
    with nova_context.target_cell(api.ctxt, seed.cell1(api)) as cctxt:
        return objects.Instance.get_by_uuid(cctxt, server_id)


# The no-argument actions, the state each starts from and the task state it sets.
NO_ARGUMENT_ACTIONS = [
    ("os-stop", vm_states.ACTIVE, "powering-off"),
    ("os-start", vm_states.STOPPED, "powering-on"),
    ("pause", vm_states.ACTIVE, "pausing"),
    ("unpause", vm_states.PAUSED, "unpausing"),
    ("suspend", vm_states.ACTIVE, "suspending"),
    ("resume", vm_states.SUSPENDED, "resuming"),
]


@pytest.mark.parametrize("argument", [None, {}], ids=["null", "empty-object"])
@pytest.mark.parametrize("name,vm_state,task_state", NO_ARGUMENT_ACTIONS,
                         ids=[a[0] for a in NO_ARGUMENT_ACTIONS])
def test_no_argument_actions_take_null_and_an_empty_object(api, flavor, name, vm_state,
                                                          task_state, argument):
    server = seed.add_server(api, "s", flavor=flavor, vm_state=vm_state)
    status, _h, body = _action(api, server.uuid, {name: argument})
    assert status == 202, body
    assert _instance(api, server.uuid).task_state == task_state


@pytest.mark.parametrize("name", ["os-stop", "lock", "unlock", "pause", "forceDelete"])
def test_no_argument_actions_still_refuse_arguments(api, flavor, name):
    server = seed.add_server(api, "s", flavor=flavor)
    status, _h, body = _action(api, server.uuid, {name: {"force": True}})
    assert status == 400 and "badRequest" in body
    status, _h, body = _action(api, server.uuid, {name: "yes"})
    assert status == 400 and "badRequest" in body


def test_lock_and_unlock_take_an_empty_object(api, flavor):
    server = seed.add_server(api, "s", flavor=flavor)
    status, _h, _b = _action(api, server.uuid, {"lock": {}})
    assert status == 202
    assert _instance(api, server.uuid).locked is True
    status, _h, _b = _action(api, server.uuid, {"unlock": {}})
    assert status == 202
    assert _instance(api, server.uuid).locked is False


def test_the_owner_may_unlock_a_server_nobody_locked(api, flavor):
    server = seed.add_server(api, "s", flavor=flavor)
    status, _h, body = _action(api, server.uuid, {"unlock": None})
    assert status == 202, body
    assert _instance(api, server.uuid).locked is False


def test_the_owner_locking_again_does_not_take_over_an_admin_lock(api, flavor):
    server = seed.add_server(api, "s", flavor=flavor)
    status, _h, _b = api.request("POST", "/servers/%s/action" % server.uuid,
                                 {"lock": None})
    assert status == 202
    status, _h, _b = _action(api, server.uuid, {"lock": None})
    assert status == 202
    instance = _instance(api, server.uuid)
    assert (instance.locked, instance.locked_by) == (True, "admin")
    status, _h, body = _action(api, server.uuid, {"unlock": None})
    assert status == 403 and "unlock_override" in body["forbidden"]["message"]
    assert _instance(api, server.uuid).locked is True


@pytest.mark.parametrize("name", ["lock", "unlock"])
def test_lock_and_unlock_of_a_server_not_yet_scheduled_are_409(api, flavor, name):
    build_request = seed.add_build_request(api, "b", flavor=flavor)
    status, _h, body = _action(api, build_request.instance_uuid, {name: None})
    assert status == 409, body
    assert body["conflictingRequest"]["message"] == (
        "Cannot '%s' instance %s while it is in vm_state building"
        % (name, build_request.instance_uuid))


@pytest.mark.parametrize("argument", [{}, ""], ids=["empty-object", "empty-string"])
def test_force_delete_takes_what_clients_send(api, flavor, argument):
    server = seed.add_server(api, "s", flavor=flavor, vm_state=vm_states.SOFT_DELETED,
                             host=None)
    status, _h, body = api.request("POST", "/servers/%s/action" % server.uuid,
                                   {"forceDelete": argument})
    assert status == 202, body
    status, _h, _b = api.request("GET", "/servers/%s" % server.uuid)
    assert status == 404


def test_trigger_crash_dump_is_an_action_of_2_17(api, flavor, newest):
    server = seed.add_server(api, "s", flavor=flavor)
    status, _h, body = _action(api, server.uuid, {"trigger_crash_dump": None},
                               version="2.16")
    assert status == 400
    assert "trigger_crash_dump" not in body["badRequest"]["message"]
    # The reference's body is null only.
    status, _h, body = _action(api, server.uuid, {"trigger_crash_dump": {}},
                               version="2.17")
    assert status == 400
    status, _h, body = _action(api, server.uuid, {"trigger_crash_dump": None},
                               version="2.17")
    assert status == 202, body


# The power actions an ERROR server allows.
@pytest.mark.parametrize("name", ["os-stop", "reboot", "trigger_crash_dump"])
def test_actions_on_an_error_server_that_never_got_a_host_are_409(api, flavor, newest,
                                                                  name):
    server = seed.add_server(api, "s", flavor=flavor, vm_state=vm_states.ERROR,
                             host=None)
    body = {"reboot": {"type": "HARD"}} if name == "reboot" else {name: None}
    status, _h, answer = _action(api, server.uuid, body, version="2.17")
    assert status == 409, answer
    assert answer["conflictingRequest"]["message"] == \
        "Instance %s is not ready" % server.uuid
    # Nothing is left waiting for a compute that will never answer.
    instance = _instance(api, server.uuid)
    assert (instance.vm_state, instance.task_state) == (vm_states.ERROR, None)
    # It can still be deleted.
    status, _h, _b = api.request("DELETE", "/servers/%s" % server.uuid, user="u1",
                                 project="p1")
    assert status == 204


def test_os_services_lists_rpc_services_only(api):
    compute_seed.add_compute(api, "cmp1")
    compute_seed.add_service(api, "ctl1", "nova-conductor")
    compute_seed.add_service(api, "api1", "nova-osapi_compute")
    compute_seed.add_service(api, "api1", "nova-metadata")
    compute_seed.add_service(api, "api1", "nova-novncproxy")
    status, _h, body = api.request("GET", "/os-services")
    assert status == 200
    assert sorted((s["host"], s["binary"]) for s in body["services"]) == [
        ("cmp1", "nova-compute"), ("ctl1", "nova-conductor")]
    status, _h, body = api.request("GET", "/os-services?binary=nova-osapi_compute")
    assert status == 200 and body["services"] == []
    rows = api.osc("compute", "service", "list")
    assert sorted(r["Binary"] for r in rows) == ["nova-compute", "nova-conductor"]


def test_zone_details_list_rpc_services_only(api):
    compute_seed.add_compute(api, "cmp1")
    compute_seed.add_service(api, "ctl1", "nova-conductor")
    for binary in ("nova-osapi_compute", "nova-metadata", "nova-novncproxy",
                   "nova-spicehtml5proxy"):
        compute_seed.add_service(api, "ctl1", binary)
    status, _h, body = api.request("GET", "/os-availability-zone/detail")
    assert status == 200
    services = {(host, binary) for zone in body["availabilityZoneInfo"]
                for host, binaries in (zone["hosts"] or {}).items() for binary in binaries}
    assert services == {("cmp1", "nova-compute"), ("ctl1", "nova-conductor")}


# -- os-services request bodies ------------------------------------------------

def test_force_down_takes_the_boolean_strings_of_the_reference(api):
    service, _node = compute_seed.add_compute(api, "cmp1")
    status, _h, body = api.request("PUT", "/os-services/force-down",
                                   {"host": "cmp1", "binary": "nova-compute",
                                    "forced_down": "true"}, version="2.11")
    assert status == 200, body
    assert body["service"]["forced_down"] is True
    status, _h, body = api.request("PUT", "/os-services/%s" % service.uuid,
                                   {"forced_down": "False"}, version="2.53")
    assert status == 200, body
    assert body["service"]["forced_down"] is False
    status, _h, body = api.request("PUT", "/os-services/%s" % service.uuid,
                                   {"forced_down": "maybe"}, version="2.53")
    assert status == 400 and "badRequest" in body


def test_enable_and_disable_accept_a_disabled_reason(api):
    compute_seed.add_compute(api, "cmp1")
    status, _h, body = api.request("PUT", "/os-services/disable",
                                   {"host": "cmp1", "binary": "nova-compute",
                                    "disabled_reason": "ignored here"})
    assert status == 200, body
    assert body["service"] == {"host": "cmp1", "binary": "nova-compute",
                               "status": "disabled"}
    status, _h, body = api.request("PUT", "/os-services/enable",
                                   {"host": "cmp1", "binary": "nova-compute",
                                    "disabled_reason": "x"})
    assert status == 200, body
    assert body["service"]["status"] == "enabled"
    # Each change was put to the host's compute before the API answered.
    assert api.seeded["cmp1"].calls == [("set_host_enabled", False),
                                        ("set_host_enabled", True)]


# -- query strings -----------------------------------------------------------------

def test_limits_take_the_reserved_parameter_of_the_reference(api):
    status, _h, plain = api.request("GET", "/limits", version="2.75")
    assert status == 200
    status, _h, body = api.request("GET", "/limits?reserved=1", version="2.75")
    assert status == 200, body
    assert body == plain
    status, _h, body = api.request("GET", "/limits?reserverd=1", version="2.75")
    assert status == 400 and "reserverd" in body["badRequest"]["message"]

