"""createImage (POST /servers/{id}/action) through the whole control plane.

The API creates the image in the embedded image store, the compute's fake
driver uploads the guest's disk, and the server goes back to its state; a
failed upload deletes the image and leaves the server as it was, with the
failure in the action's event.
"""

import pytest

from nova import context as nova_context
from nova import objects
from tests.functional import inprocess
from tests.functional import server_seed as seed
from tests.functional import stack_fixture

HOST = "snap1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from stack_fixture.module_cloud(
        tmp_path_factory, "snapshot", HOST,
        image_properties=dict(hw_disk_bus="virtio", os_distro="cirros",
                              img_signature="c2lnbmF0dXJl", cache_in_nova="True"))


def _boot(stack, name="snap-me"):
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": name, "flavorRef": stack.flavor, "imageRef": stack.image}})
    assert status == 202, body
    return stack.wait_for_status(body["server"]["id"], "ACTIVE")["id"]


def _snapshot(stack, server_id, name="snap", version="2.45", expect=202, **extra):
    body = {"createImage": {"name": name, **extra}}
    return stack.request("POST", "/servers/%s/action" % server_id, body, version=version)


def _idle(stack, server_id):
    """The server once no task runs on it."""
    def check():
        _s, _h, body = stack.request("GET", "/servers/%s" % server_id)
        server = body["server"]
        return server if server["OS-EXT-STS:task_state"] is None else None
    return inprocess.wait_for(check, timeout=30, what="server %s idle" % server_id)


def _image(stack, image_id):
    return stack.request_image("GET", "/v2/images/%s" % image_id)


def _events(stack, server_id, action):
    _s, _h, body = stack.request("GET", "/servers/%s/os-instance-actions" % server_id)
    request_id = [a for a in body["instanceActions"] if a["action"] == action][0][
        "request_id"]
    _s, _h, body = stack.request(
        "GET", "/servers/%s/os-instance-actions/%s" % (server_id, request_id),
        version="2.51")
    return {e["event"]: e for e in body["instanceAction"]["events"]}


@pytest.fixture
def server(stack):
    server_id = _boot(stack)
    yield server_id
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def test_cli_image_create_wait_gives_an_active_snapshot_with_upstreams_properties(
        stack, server):
    created = stack.osc("server", "image", "create", "--name", "cli-snap", "--wait",
                        server)
    status, _h, image = _image(stack, created["id"])
    assert status == 200, image
    assert image["status"] == "active"
    assert image["name"] == "cli-snap"
    assert image["size"] == 4096  # the fake guest's disk
    assert image["disk_format"] == "raw" and image["container_format"] == "bare"
    assert image["visibility"] == "private"
    assert image["owner"] == "admin"
    assert image["image_type"] == "snapshot"
    assert image["instance_uuid"] == server
    assert image["base_image_ref"] == stack.image
    assert image["user_id"] == "admin"
    # The server's image properties are inherited, but not its signature nor
    # the non-inheritable ones.
    assert image["hw_disk_bus"] == "virtio" and image["os_distro"] == "cirros"
    assert "img_signature" not in image and "cache_in_nova" not in image
    shown = _idle(stack, server)
    assert shown["status"] == "ACTIVE"
    assert (server, created["id"]) in stack.driver(HOST).snapshots
    events = _events(stack, server, "createImage")
    assert events["compute_snapshot_instance"]["result"] == "Success"


def test_2_45_answers_the_image_id_and_earlier_versions_a_location(stack, server):
    status, headers, body = _snapshot(stack, server, name="v21", version="2.1")
    assert status == 202, body
    assert not body
    location = headers["Location"]
    image_id = location.rsplit("/", 1)[-1]
    assert location.endswith("/images/%s" % image_id)
    assert _image(stack, image_id)[0] == 200
    _idle(stack, server)

    status, headers, body = _snapshot(stack, server, name="v245", version="2.45",
                                      metadata={"purpose": "backup"})
    assert status == 202, body
    assert set(body) == {"image_id"}
    assert "Location" not in headers
    _idle(stack, server)
    status, _h, image = _image(stack, body["image_id"])
    assert image["name"] == "v245" and image["purpose"] == "backup"
    assert image["status"] == "active"


def test_task_states_while_uploading_and_a_second_snapshot_is_refused(stack, server):
    driver = stack.driver(HOST)
    driver.hold_uploads()
    try:
        status, _h, body = _snapshot(stack, server, name="held")
        assert status == 202, body
        uploading = stack.wait_for_status(server, "ACTIVE")

        def in_upload():
            _s, _h, shown = stack.request("GET", "/servers/%s" % server)
            state = shown["server"]["OS-EXT-STS:task_state"]
            return state if state == "image_uploading" else None
        inprocess.wait_for(in_upload, timeout=30, what="image_uploading")
        assert uploading["status"] == "ACTIVE"
        status, _h, image = _image(stack, body["image_id"])
        assert image["status"] == "queued"
        status, _h, refused = _snapshot(stack, server, name="second")
        assert status == 409, refused
        assert refused["conflictingRequest"]["message"] == (
            "Cannot 'createImage' instance %s while it is in task_state "
            "image_uploading" % server)
    finally:
        driver.release_uploads()
    assert _idle(stack, server)["status"] == "ACTIVE"
    assert _image(stack, body["image_id"])[2]["status"] == "active"


def test_stopped_and_paused_servers_are_snapshotted_and_stay_so(stack, server):
    stack.request("POST", "/servers/%s/action" % server, {"os-stop": None})
    stack.wait_for_status(server, "SHUTOFF")
    _idle(stack, server)
    status, _h, body = _snapshot(stack, server, name="stopped")
    assert status == 202, body
    shown = _idle(stack, server)
    assert shown["status"] == "SHUTOFF"
    assert shown["OS-EXT-STS:power_state"] == 4
    assert _image(stack, body["image_id"])[2]["status"] == "active"

    stack.request("POST", "/servers/%s/action" % server, {"os-start": None})
    stack.wait_for_status(server, "ACTIVE")
    _idle(stack, server)
    stack.request("POST", "/servers/%s/action" % server, {"pause": None})
    stack.wait_for_status(server, "PAUSED")
    _idle(stack, server)
    status, _h, body = _snapshot(stack, server, name="paused")
    assert status == 202, body
    assert _idle(stack, server)["status"] == "PAUSED"


def test_failed_upload_deletes_the_image_and_keeps_the_server(stack, server):
    stack.driver(HOST).fail_next_snapshots(message="disk unreadable")
    status, _h, body = _snapshot(stack, server, name="doomed")
    assert status == 202, body
    shown = _idle(stack, server)
    assert shown["status"] == "ACTIVE"  # not ERROR
    assert "fault" not in shown

    def gone():
        return _image(stack, body["image_id"])[0] == 404
    inprocess.wait_for(gone, timeout=30, what="failed snapshot image deleted")
    events = _events(stack, server, "createImage")
    event = events["compute_snapshot_instance"]
    assert event["result"] == "Error"
    assert "SnapshotFailure" in event["traceback"]
    # The fault names the cause (shown once the server is in ERROR; here in
    # the cell database).
    with nova_context.target_cell(stack.api.ctxt, seed.cell1(stack.api)) as cctxt:
        fault = objects.InstanceFault.get_latest_for_instance(cctxt, server)
    assert (fault.code, fault.message) == (500, "SnapshotFailure")
    # The next snapshot works.
    status, _h, body = _snapshot(stack, server, name="retry")
    assert status == 202, body
    _idle(stack, server)
    assert _image(stack, body["image_id"])[2]["status"] == "active"


def test_bad_bodies_quota_and_refused_states(stack, server):
    for bad in ({"createImage": {}}, {"createImage": {"name": ""}},
                {"createImage": {"name": " padded"}},
                {"createImage": {"name": "x", "metadata": {"k": 1}}},
                {"createImage": {"name": "x", "other": 1}},
                {"createImage": None}):
        status, _h, body = stack.request("POST", "/servers/%s/action" % server, bad)
        assert status == 400, (bad, body)
        assert "badRequest" in body
    too_many = {"k%d" % i: "v" for i in range(129)}
    status, _h, body = _snapshot(stack, server, name="big", metadata=too_many)
    assert status == 403, body
    assert body["forbidden"]["message"] == "Maximum number of metadata items exceeds 128"
    _s, _h, images = stack.request_image("GET", "/v2/images?name=big")
    assert images["images"] == []

    stack.driver(HOST).fail_next_spawns()
    status, _h, created = stack.request("POST", "/servers", {"server": {
        "name": "broken", "flavorRef": stack.flavor, "imageRef": stack.image}})
    broken = created["server"]["id"]
    stack.wait_for_status(broken, "ERROR")
    status, _h, body = _snapshot(stack, broken)
    assert status == 409, body
    assert body["conflictingRequest"]["message"] == (
        "Cannot 'createImage' instance %s while it is in vm_state error" % broken)
    stack.request("DELETE", "/servers/%s" % broken)

    status, _h, body = _snapshot(stack, server, name="theirs", version="2.45")
    assert status == 202
    _idle(stack, server)
    # Another project's server is not there for them.
    status, _h, body = stack.request(
        "POST", "/servers/%s/action" % server, {"createImage": {"name": "x"}},
        user="eve", project="other")
    assert status == 404, body


def test_deleting_the_server_during_the_upload_deletes_the_image(stack):
    server_id = _boot(stack, name="short-lived")
    driver = stack.driver(HOST)
    driver.hold_uploads()
    try:
        status, _h, body = _snapshot(stack, server_id, name="orphan")
        assert status == 202, body

        def in_upload():
            _s, _h, shown = stack.request("GET", "/servers/%s" % server_id)
            return shown["server"]["OS-EXT-STS:task_state"] == "image_uploading"
        inprocess.wait_for(in_upload, timeout=30, what="image_uploading")
        assert stack.request("DELETE", "/servers/%s" % server_id)[0] == 204
    finally:
        driver.release_uploads()
    stack.wait_for_gone(server_id)

    def image_gone():
        return _image(stack, body["image_id"])[0] == 404
    inprocess.wait_for(image_gone, timeout=30, what="orphan snapshot deleted")
