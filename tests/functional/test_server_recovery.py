"""rebuild, rescue/unrescue, changePassword, os-resetState and injectNetworkInfo
through the whole control plane (API, conductor, scheduler, compute, fake driver),
driven with the openstack CLI, openstacksdk and plain HTTP.
"""

import time

import pytest

from nova.objects import service as service_obj
from tests.functional import inprocess
from tests.functional import stack_fixture

HOST = "recover1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from stack_fixture.module_cloud(tmp_path_factory, "recovery", HOST)


@pytest.fixture(scope="module")
def images(stack):
    return {
        "other": stack.create_image(name="other", os_distro="debian"),
        "arm": stack.create_image(name="arm-only", hw_architecture="aarch64"),
        "agent": stack.create_image(name="with-agent", hw_qemu_guest_agent="yes"),
        "rescue": stack.create_image(name="rescue-img"),
    }


def _boot(stack, name="recover-me", image=None):
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": name, "flavorRef": stack.flavor, "imageRef": image or stack.image}})
    assert status == 202, body
    return stack.wait_for_status(body["server"]["id"], "ACTIVE")["id"]


@pytest.fixture
def server(stack):
    server_id = _boot(stack)
    yield server_id
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def _action(stack, server_id, body, version=None, user="admin", project="admin"):
    return stack.request("POST", "/servers/%s/action" % server_id, body, version=version,
                         user=user, project=project)


def _show(stack, server_id, version="2.90"):
    status, _h, body = stack.request("GET", "/servers/%s" % server_id, version=version)
    assert status == 200, body
    return body["server"]


def _idle(stack, server_id):
    def check():
        server = _show(stack, server_id)
        return server if server["OS-EXT-STS:task_state"] is None else None
    return inprocess.wait_for(check, timeout=30, what="server %s idle" % server_id)


def _events(stack, server_id, action):
    _s, _h, body = stack.request("GET", "/servers/%s/os-instance-actions" % server_id)
    request_id = [a for a in body["instanceActions"] if a["action"] == action][0][
        "request_id"]
    _s, _h, body = stack.request(
        "GET", "/servers/%s/os-instance-actions/%s" % (server_id, request_id),
        version="2.51")
    return {e["event"]: e for e in body["instanceAction"]["events"]}


def _finished_events(stack, server_id, action, *names):
    """The action's events once ``names`` are there and each has a result (an
    event is finished just after the server's state is written)."""
    def check():
        events = _events(stack, server_id, action)
        if not set(names) <= set(events):
            return None
        return events if all(e["result"] for e in events.values()) else None
    return inprocess.wait_for(check, timeout=10, what="%s events finished" % action)


def _allocation(stack, server_id):
    return stack.placement.get("/allocations/%s" % server_id)["allocations"]


def _guest(stack, server_id):
    return stack.driver(HOST).instances[server_id]


def _timed(stack, server_id, body, status, version=None):
    """Seconds from the API request to ``status`` with no task state."""
    start = time.monotonic()
    code, _h, answer = _action(stack, server_id, body, version=version)
    assert code in (200, 202), answer

    def check():
        server = _show(stack, server_id)
        return server["status"] == status and server["OS-EXT-STS:task_state"] is None
    inprocess.wait_for(check, timeout=30, what="%s in %s" % (server_id, status))
    return time.monotonic() - start


# -- versions -------------------------------------------------------------------------


def test_compute_and_conductor_speak_the_new_versions(stack):
    newest = service_obj.SERVICE_VERSION_HISTORY[-1]
    compute = stack.computes[HOST].manager
    assert compute.target.version == newest["compute_rpc"]
    from nova.conductor import manager as conductor_manager
    assert conductor_manager.ComputeTaskManager.target.version == newest["compute_task_rpc"]


# -- rebuild --------------------------------------------------------------------------


def test_cli_rebuild_with_a_new_image_keeps_the_server_and_its_allocation(
        stack, images, server):
    before = _show(stack, server)
    allocation = _allocation(stack, server)
    old_guest = _guest(stack, server)
    proc = stack.osc("server", "rebuild", "--image", images["other"], "--name", "rebuilt",
                     "--property", "role=db", "--wait", server, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Complete" in proc.stdout
    after = _show(stack, server)
    assert after["status"] == "ACTIVE" and after["OS-EXT-STS:task_state"] is None
    assert after["image"]["id"] == images["other"]
    assert after["name"] == "rebuilt"
    assert after["metadata"] == {"role": "db"}
    assert after["id"] == before["id"]
    assert after["OS-EXT-SRV-ATTR:host"] == before["OS-EXT-SRV-ATTR:host"]
    assert after["OS-SRV-USG:launched_at"] > before["OS-SRV-USG:launched_at"]
    guest = _guest(stack, server)
    assert guest is not old_guest and guest.image_ref == images["other"]
    assert _allocation(stack, server) == allocation
    events = _finished_events(stack, server, "rebuild", "conductor_rebuild_server",
                               "compute_rebuild_instance")
    assert events["conductor_rebuild_server"]["result"] == "Success"
    assert events["compute_rebuild_instance"]["result"] == "Success"


def test_rebuild_walks_the_rebuild_task_states(stack, images, server):
    driver = stack.driver(HOST)
    driver.hold_spawns()
    try:
        status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}})
        assert status == 202, body
        assert body["server"]["status"] == "REBUILD"

        def spawning():
            return _show(stack, server)["OS-EXT-STS:task_state"] == "rebuild_spawning"
        inprocess.wait_for(spawning, timeout=30, what="rebuild_spawning")
        assert _show(stack, server)["status"] == "REBUILD"
        # Another rebuild or a rescue meanwhile: Nova's 409.
        status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}})
        assert status == 409
        assert body["conflictingRequest"]["message"] == (
            "Cannot 'rebuild' instance %s while it is in task_state rebuild_spawning"
            % server)
    finally:
        driver.release_spawns()
    assert _idle(stack, server)["status"] == "ACTIVE"


def test_rebuild_answer_follows_the_microversion(stack, images, server):
    status, headers, body = _action(stack, server, {"rebuild": {
        "imageRef": stack.image, "adminPass": "s3cret"}}, version="2.1")
    assert status == 202, body
    answer = body["server"]
    assert answer["adminPass"] == "s3cret"
    assert headers["Location"].endswith("/servers/%s" % server)
    assert "key_name" not in answer and "user_data" not in answer
    assert "OS-EXT-STS:task_state" not in answer  # the reduced view before 2.75
    _idle(stack, server)

    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": stack.image, "key_name": None, "user_data": "aGVsbG8=",
        "hostname": "new-host"}}, version="2.90")
    assert status == 202, body
    answer = body["server"]
    assert answer["key_name"] is None
    assert answer["user_data"] == "aGVsbG8="
    assert answer["OS-EXT-STS:task_state"] == "rebuilding"  # full view from 2.75
    assert answer["OS-EXT-SRV-ATTR:hostname"] == "new-host"
    assert len(answer["adminPass"]) >= 8
    assert _idle(stack, server)["OS-EXT-SRV-ATTR:hostname"] == "new-host"


def test_rebuild_fields_are_refused_before_their_microversion(stack, server):
    for field, value, version in (("key_name", None, "2.53"),
                                  ("user_data", "aGVsbG8=", "2.56"),
                                  ("trusted_image_certificates", ["x"], "2.62"),
                                  ("hostname", "h", "2.89")):
        status, _h, body = _action(stack, server, {"rebuild": {
            "imageRef": stack.image, field: value}}, version=version)
        assert status == 400, (field, body)
        assert "badRequest" in body
    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": stack.image, "personality": [{"path": "/a", "contents": "eA=="}]}},
        version="2.57")
    assert status == 400
    assert _show(stack, server)["status"] == "ACTIVE"


def test_rebuild_with_an_image_the_host_cannot_run_keeps_the_old_image(
        stack, images, server):
    allocation = _allocation(stack, server)
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": images["arm"]}})
    assert status == 202, body
    after = _idle(stack, server)
    assert after["status"] == "ACTIVE"
    assert after["image"]["id"] == stack.image
    assert _guest(stack, server).image_ref == stack.image
    assert _allocation(stack, server) == allocation
    events = _finished_events(stack, server, "rebuild", "conductor_rebuild_server")
    event = events["conductor_rebuild_server"]
    assert event["result"] == "Error"
    assert "NoValidHost" in event["traceback"]
    assert "compute_rebuild_instance" not in events
    from nova import context as nova_context
    from nova import objects
    spec = objects.RequestSpec.get_by_instance_uuid(nova_context.get_admin_context(),
                                                   server)
    assert spec.image.id == stack.image


def test_rebuild_bad_input(stack, images, server):
    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": "8f0f4a1e-0c4b-4d4e-9d53-000000000000"}})
    assert status == 400
    assert body["badRequest"]["message"] == "Cannot find image for rebuild"
    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": stack.image, "key_name": "nope"}}, version="2.54")
    assert status == 400
    assert body["badRequest"]["message"] == "Invalid key_name provided."
    status, _h, body = _action(stack, server, {"rebuild": {}})
    assert status == 400
    # Another project's server is not there at all.
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}},
                               user="bob", project="other")
    assert status == 404
    assert _show(stack, server)["OS-EXT-STS:task_state"] is None


def test_rebuild_of_a_stopped_server_leaves_it_stopped(stack, images, server):
    _action(stack, server, {"os-stop": None})
    stack.wait_for_status(server, "SHUTOFF")
    _idle(stack, server)
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": images["other"]}})
    assert status == 202, body
    after = _idle(stack, server)
    assert after["status"] == "SHUTOFF"
    assert after["image"]["id"] == images["other"]
    assert after["OS-EXT-STS:power_state"] == 4


def test_rebuild_of_a_paused_or_locked_server_is_refused(stack, server):
    _action(stack, server, {"pause": None})
    stack.wait_for_status(server, "PAUSED")
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}})
    assert status == 409
    assert body["conflictingRequest"]["message"] == (
        "Cannot 'rebuild' instance %s while it is in vm_state paused" % server)
    _action(stack, server, {"unpause": None})
    stack.wait_for_status(server, "ACTIVE")
    _idle(stack, server)
    _action(stack, server, {"lock": None}, user="u1", project="admin")
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}},
                               user="u2", project="admin")
    assert status == 409
    _action(stack, server, {"unlock": None})


def test_sdk_rebuild(stack, images, server):
    conn = stack.sdk()
    conn.compute.rebuild_server(server, image=images["other"], name="sdk-rebuilt",
                                admin_password="pw-from-sdk")
    after = stack.wait_for_status(server, "ACTIVE", version="2.90")
    _idle(stack, server)
    assert _show(stack, server)["name"] == "sdk-rebuilt"
    assert after["image"]["id"] == images["other"]


# -- rescue / unrescue ------------------------------------------------------------------


def test_cli_rescue_and_unrescue(stack, images, server):
    allocation = _allocation(stack, server)
    stack.osc("server", "rescue", "--image", images["rescue"], "--password", "r3scue",
              server)
    rescued = stack.wait_for_status(server, "RESCUE")
    assert rescued["OS-EXT-STS:vm_state"] == "rescued"
    _idle(stack, server)
    guest = _guest(stack, server)
    assert guest.rescue_image_ref == images["rescue"]
    assert guest.admin_password == "r3scue"
    assert _allocation(stack, server) == allocation
    # Rescued: another rescue, a rebuild, a password change are refused.
    for body, action in (({"rescue": None}, "rescue"),
                         ({"rebuild": {"imageRef": stack.image}}, "rebuild"),
                         ({"changePassword": {"adminPass": "x"}}, "changePassword")):
        status, _h, answer = _action(stack, server, body)
        assert status == 409, (action, answer)
        assert answer["conflictingRequest"]["message"] == (
            "Cannot '%s' instance %s while it is in vm_state rescued" % (action, server))
    stack.osc("server", "unrescue", server)
    stack.wait_for_status(server, "ACTIVE")
    assert _idle(stack, server)["OS-EXT-STS:vm_state"] == "active"
    assert _guest(stack, server).rescue_image_ref is None
    assert _allocation(stack, server) == allocation
    events = _finished_events(stack, server, "unrescue", "compute_unrescue_instance")
    assert events["compute_unrescue_instance"]["result"] == "Success"


def test_rescue_answers_the_password_and_uses_the_servers_image(stack, server):
    status, _h, body = _action(stack, server, {"rescue": None})
    assert status == 200, body
    assert len(body["adminPass"]) >= 8
    stack.wait_for_status(server, "RESCUE")
    _idle(stack, server)
    assert _guest(stack, server).rescue_image_ref == stack.image
    assert _guest(stack, server).admin_password == body["adminPass"]
    conn = stack.sdk()
    conn.compute.unrescue_server(server)
    stack.wait_for_status(server, "ACTIVE")
    _idle(stack, server)


def test_rescue_bad_input_and_unrescue_of_an_active_server(stack, server):
    status, _h, body = _action(stack, server, {"rescue": {
        "rescue_image_ref": "8f0f4a1e-0c4b-4d4e-9d53-000000000000"}})
    assert status == 400, body
    status, _h, body = _action(stack, server, {"rescue": {"bogus": 1}})
    assert status == 400
    status, _h, body = _action(stack, server, {"unrescue": None})
    assert status == 409
    assert body["conflictingRequest"]["message"] == (
        "Cannot 'unrescue' instance %s while it is in vm_state active" % server)
    assert _show(stack, server)["OS-EXT-STS:task_state"] is None


def test_sdk_rescue_of_a_stopped_server(stack, images, server):
    _action(stack, server, {"os-stop": None})
    stack.wait_for_status(server, "SHUTOFF")
    _idle(stack, server)
    conn = stack.sdk()
    conn.compute.rescue_server(server, admin_pass="sdk-pw", image=images["rescue"])
    stack.wait_for_status(server, "RESCUE")
    assert _idle(stack, server)["OS-EXT-STS:power_state"] == 1


# -- changePassword ---------------------------------------------------------------------


def test_change_password_without_a_guest_agent_is_409_and_clears_the_task(
        stack, server):
    status, _h, body = _action(stack, server, {"changePassword": {"adminPass": "n3w"}})
    assert status == 409, body
    assert body["conflictingRequest"]["message"] == (
        "Guest agent is not enabled for the instance")
    after = _show(stack, server)
    assert after["OS-EXT-STS:task_state"] is None and after["status"] == "ACTIVE"
    events = _events(stack, server, "changePassword")
    assert events["compute_set_admin_password"]["result"] == "Error"


def test_cli_set_password_through_the_guest_agent(stack, images):
    server_id = _boot(stack, name="with-agent", image=images["agent"])
    try:
        stack.osc("server", "set", "--password", "agent-pw", server_id)
        assert _guest(stack, server_id).admin_password == "agent-pw"
        assert _show(stack, server_id)["OS-EXT-STS:task_state"] is None
        conn = stack.sdk()
        conn.compute.change_server_password(server_id, "sdk-pw")
        assert _guest(stack, server_id).admin_password == "sdk-pw"
        # A stopped server: vm_state stopped is refused.
        _action(stack, server_id, {"os-stop": None})
        stack.wait_for_status(server_id, "SHUTOFF")
        _idle(stack, server_id)
        status, _h, body = _action(stack, server_id,
                                   {"changePassword": {"adminPass": "x"}})
        assert status == 409
        assert body["conflictingRequest"]["message"] == (
            "Cannot 'changePassword' instance %s while it is in vm_state stopped"
            % server_id)
    finally:
        stack.request("DELETE", "/servers/%s" % server_id)
        stack.wait_for_gone(server_id)


# -- os-resetState, injectNetworkInfo ------------------------------------------------------


def test_cli_reset_state_error_and_active(stack, server):
    stack.osc("server", "set", "--state", "error", "--auto-approve", server)
    after = _show(stack, server)
    assert after["status"] == "ERROR" and after["OS-EXT-STS:task_state"] is None
    _s, _h, body = stack.request("GET", "/servers/%s/os-instance-actions" % server)
    assert "resetState" in [a["action"] for a in body["instanceActions"]]
    # ERROR allows a rebuild, which brings it back.
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": stack.image}})
    assert status == 202, body
    assert _idle(stack, server)["status"] == "ACTIVE"
    conn = stack.sdk()
    conn.compute.reset_server_state(server, "error")
    assert _show(stack, server)["status"] == "ERROR"
    stack.osc("server", "set", "--state", "active", "--auto-approve", server)
    assert _show(stack, server)["status"] == "ACTIVE"


def test_reset_state_bad_input_and_policy(stack, server):
    status, _h, body = _action(stack, server, {"os-resetState": {"state": "paused"}})
    assert status == 400
    status, _h, body = _action(stack, server, {"os-resetState": {"state": "error"}},
                               user="admin", project="admin")
    assert status == 202
    _action(stack, server, {"os-resetState": {"state": "active"}})
    # A project member may not reset state or inject network info.
    server_of_member = _boot(stack, name="member-owned")
    try:
        for body in ({"os-resetState": {"state": "error"}}, {"injectNetworkInfo": None}):
            status, _h, answer = stack.request(
                "POST", "/servers/%s/action" % server_of_member, body,
                user="member", project="admin",
                headers={"X-Roles": "member"})
            assert status == 403, answer
    finally:
        stack.request("DELETE", "/servers/%s" % server_of_member)
        stack.wait_for_gone(server_of_member)


def test_inject_network_info_reaches_the_driver(stack, server):
    before = _guest(stack, server).network_info_injections
    status, _h, body = _action(stack, server, {"injectNetworkInfo": None})
    assert status == 202, body
    inprocess.wait_for(lambda: _guest(stack, server).network_info_injections == before + 1,
                       timeout=10, what="network info injected")


# -- time of each action --------------------------------------------------------------


def test_time_of_each_action(stack, images, server, capsys):
    """Prints the seconds from the API request to the final state (fake driver)."""
    timings = {
        "rebuild": _timed(stack, server, {"rebuild": {"imageRef": images["other"]}},
                          "ACTIVE"),
        "rescue": _timed(stack, server, {"rescue": None}, "RESCUE"),
        "unrescue": _timed(stack, server, {"unrescue": None}, "ACTIVE"),
        "resetState": _timed(stack, server, {"os-resetState": {"state": "error"}}, "ERROR"),
    }
    _action(stack, server, {"os-resetState": {"state": "active"}})
    agent_server = _boot(stack, name="timed-agent", image=images["agent"])
    try:
        start = time.monotonic()
        status, _h, body = _action(stack, agent_server,
                                   {"changePassword": {"adminPass": "timed"}})
        assert status == 202, body
        timings["changePassword"] = time.monotonic() - start
        assert _guest(stack, agent_server).admin_password == "timed"
        start = time.monotonic()
        status, _h, body = _action(stack, agent_server, {"injectNetworkInfo": None})
        assert status == 202, body
        inprocess.wait_for(
            lambda: _guest(stack, agent_server).network_info_injections == 1,
            timeout=10, what="network info injected")
        timings["injectNetworkInfo"] = time.monotonic() - start
    finally:
        stack.request("DELETE", "/servers/%s" % agent_server)
        stack.wait_for_gone(agent_server)
    with capsys.disabled():
        print("\nfake driver, API to final state: " + ", ".join(
            "%s %.3f s" % item for item in timings.items()))
    assert all(t < 30 for t in timings.values())


def test_actions_on_a_server_whose_compute_is_down_are_refused_untouched(stack, server):
    _s, _h, body = stack.request("GET", "/os-services?binary=nova-compute", version="2.53")
    service_id = body["services"][0]["id"]
    status, _h, body = stack.request("PUT", "/os-services/%s" % service_id,
                                     {"forced_down": True}, version="2.53")
    assert status == 200, body
    try:
        for action in ({"rebuild": {"imageRef": stack.image}}, {"rescue": None},
                       {"changePassword": {"adminPass": "x"}}):
            status, _h, answer = _action(stack, server, action)
            assert status == 409, (action, answer)
            assert "is down" in answer["conflictingRequest"]["message"]
        after = _show(stack, server)
        assert after["status"] == "ACTIVE" and after["OS-EXT-STS:task_state"] is None
        _s, _h, body = stack.request("GET", "/servers/%s/os-instance-actions" % server)
        assert [a["action"] for a in body["instanceActions"]] == ["create"]
    finally:
        stack.request("PUT", "/os-services/%s" % service_id, {"forced_down": False},
                      version="2.53")


def test_rebuild_that_fails_to_spawn_ends_in_error_with_a_fault(stack, images, server):
    allocation = _allocation(stack, server)
    stack.driver(HOST).fail_next_spawns(1, "disk full on rebuild")
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": images["other"]}})
    assert status == 202, body
    failed = stack.wait_for_status(server, "ERROR")
    assert failed["OS-EXT-STS:task_state"] is None
    assert failed["fault"]["message"] == "SpawnFailure"
    assert "disk full on rebuild" in failed["fault"]["details"]
    assert _allocation(stack, server) == allocation
    events = _finished_events(stack, server, "rebuild", "compute_rebuild_instance")
    assert events["compute_rebuild_instance"]["result"] == "Error"
    # ERROR allows another rebuild, which brings the server back.
    status, _h, body = _action(stack, server, {"rebuild": {"imageRef": images["other"]}})
    assert status == 202, body
    stack.wait_for_status(server, "ACTIVE")
    assert _idle(stack, server)["image"]["id"] == images["other"]


def test_preserve_ephemeral_on_a_driver_that_cannot_keeps_the_server_as_it_was(
        stack, images, server):
    old_guest = _guest(stack, server)
    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": images["other"], "preserve_ephemeral": True}})
    assert status == 202, body
    events = _finished_events(stack, server, "rebuild", "compute_rebuild_instance")
    assert events["compute_rebuild_instance"]["result"] == "Error"
    after = _idle(stack, server)
    assert after["status"] == "ACTIVE"
    assert after["image"]["id"] == stack.image
    assert _guest(stack, server) is old_guest
    assert "PreserveEphemeralNotSupported" in events["compute_rebuild_instance"]["traceback"]


def test_rebuild_check_runs_only_the_image_filters_and_records_the_image(
        stack, images, server):
    """A disabled compute service still rebuilds its servers (ComputeFilter does not
    run on the rebuild check); the request spec follows the new image."""
    from nova import context as nova_context
    from nova import objects
    _s, _h, body = stack.request("GET", "/os-services?binary=nova-compute", version="2.53")
    service_id = body["services"][0]["id"]
    status, _h, body = stack.request("PUT", "/os-services/%s" % service_id,
                                     {"status": "disabled"}, version="2.53")
    assert status == 200, body
    try:
        status, _h, body = _action(stack, server, {"rebuild": {
            "imageRef": images["other"]}})
        assert status == 202, body
        stack.wait_for_status(server, "ACTIVE")
        assert _idle(stack, server)["image"]["id"] == images["other"]
        events = _finished_events(stack, server, "rebuild", "compute_rebuild_instance")
        assert events["compute_rebuild_instance"]["result"] == "Success"
    finally:
        stack.request("PUT", "/os-services/%s" % service_id, {"status": "enabled"},
                      version="2.53")
    spec = objects.RequestSpec.get_by_instance_uuid(nova_context.get_admin_context(),
                                                   server)
    assert spec.image.id == images["other"]
    assert "_nova_check_type" not in (spec.scheduler_hints or {})


def test_rebuild_sets_and_clears_description_and_trusted_certificates(stack, server):
    status, _h, body = _action(stack, server, {"rebuild": {
        "imageRef": stack.image, "description": "rebuilt for tests",
        "trusted_image_certificates": ["cert-a", "cert-b"]}}, version="2.63")
    assert status == 202, body
    assert body["server"]["description"] == "rebuilt for tests"
    assert body["server"]["trusted_image_certificates"] == ["cert-a", "cert-b"]
    _idle(stack, server)
    shown = _show(stack, server, version="2.63")
    assert shown["trusted_image_certificates"] == ["cert-a", "cert-b"]
    # Not given: kept; null: removed.
    _action(stack, server, {"rebuild": {"imageRef": stack.image}}, version="2.63")
    _idle(stack, server)
    assert _show(stack, server, version="2.63")["trusted_image_certificates"] == [
        "cert-a", "cert-b"]
    _action(stack, server, {"rebuild": {"imageRef": stack.image,
                                        "trusted_image_certificates": None}},
            version="2.63")
    _idle(stack, server)
    assert _show(stack, server, version="2.63")["trusted_image_certificates"] is None


def test_with_schedulers_older_than_the_rebuild_check_the_check_is_skipped(
        stack, images, server):
    """An older scheduler would claim again: the conductor rebuilds unchecked."""
    import nova.conf
    from nova import rpc
    from nova.scheduler import rpcapi as scheduler_rpcapi
    conf = nova.conf.CONF
    major, minor = scheduler_rpcapi.REBUILD_CHECK_VERSION.split(".")
    conf.set_override("scheduler", "%s.%d" % (major, int(minor) - 1),
                      group="upgrade_levels")
    rpc.reset_version_caps()
    try:
        allocation = _allocation(stack, server)
        status, _h, body = _action(stack, server, {"rebuild": {"imageRef": images["arm"]}})
        assert status == 202, body
        events = _finished_events(stack, server, "rebuild", "compute_rebuild_instance")
        assert events["conductor_rebuild_server"]["result"] == "Success"
        assert _idle(stack, server)["image"]["id"] == images["arm"]
        assert _allocation(stack, server) == allocation
    finally:
        conf.clear_override("scheduler", group="upgrade_levels")
        rpc.reset_version_caps()
