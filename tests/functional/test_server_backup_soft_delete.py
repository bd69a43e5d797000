"""createBackup with rotation, and soft delete / restore / forceDelete / reclaim,
through the whole in-process control plane (fake driver, embedded image store,
real Placement)."""

import time

import pytest

import nova.conf
from nova import context as nova_context
from tests.functional import inprocess
from tests.functional import shelve_helpers as h
from tests.functional import stack_fixture

CONF = nova.conf.CONF
HOST = "keep1"
TIMES = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    gen = stack_fixture.module_cloud(tmp_path_factory, "backup", HOST,
                                     image_properties=dict(os_distro="cirros"))
    running = next(gen)
    try:
        yield running
    finally:
        if TIMES:
            print("\nfake-driver action times (API to final state): %s" % ", ".join(
                "%s %.2fs" % item for item in sorted(TIMES.items())))
        next(gen, None)


@pytest.fixture
def server(stack):
    server_id = h.boot(stack, "keeper")
    yield server_id
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


@pytest.fixture
def soft_delete():
    """Soft delete on ([DEFAULT] reclaim_instance_interval) for one test."""
    def set_it(seconds):
        CONF.set_override("reclaim_instance_interval", seconds)
    set_it(3600)
    yield set_it
    CONF.clear_override("reclaim_instance_interval")


def _backups(stack, server_id, backup_type):
    _s, _h, body = stack.request_image(
        "GET", "/v2/images?instance_uuid=%s&backup_type=%s&image_type=backup"
        % (server_id, backup_type))
    return body["images"]


def _backup(stack, server_id, name, backup_type="daily", rotation=2, version="2.45"):
    start = time.monotonic()
    status, headers, body = h.action(stack, server_id, {"createBackup": {
        "name": name, "backup_type": backup_type, "rotation": rotation}},
        version=version)
    assert status == 202, body
    h.idle(stack, server_id)
    TIMES["createBackup"] = time.monotonic() - start
    return headers, body


# -- createBackup ---------------------------------------------------------------------


def test_cli_backups_rotate_per_type(stack, server):
    made = []
    for n in range(3):
        created = stack.osc("server", "backup", "create", "--name", "daily-%d" % n,
                            "--type", "daily", "--rotate", "2", "--wait", server)
        made.append(created["id"])
        assert h.idle(stack, server)["status"] == "ACTIVE"
    kept = _backups(stack, server, "daily")
    assert sorted(i["id"] for i in kept) == sorted(made[1:])  # the oldest went
    assert h.image(stack, made[0])[0] == 404
    image = h.image(stack, made[2])[2]
    assert image["status"] == "active" and image["name"] == "daily-2"
    assert image["image_type"] == "backup" and image["backup_type"] == "daily"
    assert image["instance_uuid"] == server and image["os_distro"] == "cirros"
    # Another type is rotated on its own.
    _backup(stack, server, "weekly-0", backup_type="weekly", rotation=1)
    assert len(_backups(stack, server, "weekly")) == 1
    assert len(_backups(stack, server, "daily")) == 2
    _backup(stack, server, "weekly-1", backup_type="weekly", rotation=1)
    weekly = _backups(stack, server, "weekly")
    assert [i["name"] for i in weekly] == ["weekly-1"]
    events = h.events(stack, server, "createBackup")
    assert events["compute_backup_instance"]["result"] == "Success"


def test_body_by_version_and_rotation_zero(stack, server):
    headers, body = _backup(stack, server, "v245", backup_type="v", rotation=1)
    assert set(body) == {"image_id"} and "Location" not in headers
    headers, body = _backup(stack, server, "v21", backup_type="v", rotation=1,
                            version="2.1")
    assert not body
    image_id = headers["Location"].rsplit("/", 1)[-1]
    assert [i["id"] for i in _backups(stack, server, "v")] == [image_id]
    # Rotation 0 keeps none of that type (and says where nothing is).
    headers, body = _backup(stack, server, "v0", backup_type="v", rotation=0,
                            version="2.1")
    assert "Location" not in headers
    assert _backups(stack, server, "v") == []


def test_bad_bodies_and_refused_states(stack, server):
    good = {"name": "b", "backup_type": "daily", "rotation": 1}
    for bad in (dict(good, rotation=-1), dict(good, rotation="x"),
                dict(good, backup_type=1), {"name": "b", "backup_type": "daily"},
                {"name": "b", "rotation": 1}, dict(good, name=""),
                dict(good, other=1), dict(good, metadata={"k": 1})):
        status, _h, body = h.action(stack, server, {"createBackup": bad})
        assert status == 400 and "badRequest" in body, (bad, body)
    stack.request("POST", "/servers/%s/action" % server, {"pause": None})
    h.idle(stack, server, "PAUSED")
    status, _h, body = h.action(stack, server, {"createBackup": good})
    assert status == 202, body  # paused servers are backed up
    h.idle(stack, server, "PAUSED")
    h.action(stack, server, {"unpause": None})
    h.idle(stack, server, "ACTIVE")
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    before = len(_backups(stack, server, "daily"))
    status, _h, body = h.action(stack, server, {"createBackup": good})
    assert status == 409
    assert h.conflict(body) == ("Cannot 'createBackup' instance %s while it is in "
                                "vm_state shelved_offloaded" % server)
    assert len(_backups(stack, server, "daily")) == before  # no image made
    h.timed(stack, server, {"unshelve": None}, "ACTIVE")


def test_a_failed_backup_deletes_its_image_and_rotates_nothing(stack, server):
    _backup(stack, server, "f-0", backup_type="f", rotation=1)
    kept = _backups(stack, server, "f")
    stack.driver(HOST).fail_next_snapshots(message="disk unreadable")
    status, _h, body = h.action(stack, server, {"createBackup": {
        "name": "f-1", "backup_type": "f", "rotation": 1}}, version="2.45")
    assert status == 202, body
    shown = h.idle(stack, server)
    assert shown["status"] == "ACTIVE"
    try:
        inprocess.wait_for(lambda: h.image(stack, body["image_id"])[0] == 404,
                           timeout=30, what="failed backup image deleted")
    except AssertionError:
        raise AssertionError("image of the failed backup still there: %s; events %s" % (
            h.image(stack, body["image_id"]),
                h.events(stack, server, "createBackup", finished=False)))
    assert _backups(stack, server, "f") == kept
    event = h.events(stack, server, "createBackup")["compute_backup_instance"]
    assert event["result"] == "Error" and "SnapshotFailure" in event["traceback"]


# -- soft delete ------------------------------------------------------------------------


def _limits(stack):
    _s, _h, body = stack.request("GET", "/limits")
    return body["limits"]["absolute"]


def test_cli_delete_soft_deletes_and_restore_brings_it_back(stack, server, soft_delete):
    allocation = h.allocations(stack, server)
    used = _limits(stack)["totalInstancesUsed"]
    stack.osc("server", "delete", server)
    deleted = h.idle(stack, server, "SOFT_DELETED")
    assert deleted["OS-EXT-STS:vm_state"] == "soft-delete"
    assert deleted["OS-EXT-STS:power_state"] == 4
    assert stack.driver(HOST).instances[server].soft_deleted is True
    assert h.allocations(stack, server) == allocation  # resources kept
    # Not counted in the quotas while soft-deleted (as upstream).
    assert _limits(stack)["totalInstancesUsed"] == used - 1
    assert h.instance(stack, server).deleted_at is not None
    assert h.events(stack, server, "delete")["compute_soft_delete_instance"]["result"] == \
        "Success"

    stack.osc("server", "restore", server)
    restored = h.idle(stack, server, "ACTIVE")
    assert restored["OS-EXT-STS:power_state"] == 1
    assert stack.driver(HOST).instances[server].soft_deleted is False
    assert h.instance(stack, server).deleted_at is None
    assert h.allocations(stack, server) == allocation
    assert _limits(stack)["totalInstancesUsed"] == used
    assert h.events(stack, server, "restore")["compute_restore_instance"]["result"] == \
        "Success"


def test_restore_needs_room_in_the_quota(stack, server, soft_delete):
    stack.request("DELETE", "/servers/%s" % server)
    h.idle(stack, server, "SOFT_DELETED")
    used = _limits(stack)["totalInstancesUsed"]
    status, _h, body = stack.request("PUT", "/os-quota-sets/admin",
                                     {"quota_set": {"instances": used}})
    assert status == 200, body
    try:
        status, _h, body = h.action(stack, server, {"restore": None})
        assert status == 403, body
        assert "Quota exceeded for instances" in body["forbidden"]["message"]
        assert h.show(stack, server)["status"] == "SOFT_DELETED"
    finally:
        stack.request("DELETE", "/os-quota-sets/admin")
    TIMES["restore"], _server = h.timed(stack, server, {"restore": None}, "ACTIVE")


def test_restore_and_force_delete_refuse_other_states(stack, server, soft_delete):
    status, _h, body = h.action(stack, server, {"restore": None})
    assert status == 409
    assert h.conflict(body) == ("Cannot 'restore' instance %s while it is in vm_state "
                                "active" % server)
    status, _h, body = h.action(stack, server, {"forceDelete": None})
    assert status == 409
    assert h.conflict(body) == ("Cannot 'forceDelete' instance %s while it is in "
                                "vm_state active" % server)
    status, _h, body = h.action(stack, server, {"restore": {"x": 1}})
    assert status == 400


def test_force_delete_removes_a_soft_deleted_server_now(stack, soft_delete):
    server = h.boot(stack, "forced")
    stack.request("DELETE", "/servers/%s" % server)
    h.idle(stack, server, "SOFT_DELETED")
    start = time.monotonic()
    conn = stack.sdk()
    conn.compute.delete_server(server, force=True)
    stack.wait_for_gone(server)
    TIMES["forceDelete"] = time.monotonic() - start
    assert server not in stack.driver(HOST).instances
    assert h.allocations(stack, server) == {}


def test_periodic_reclaim_deletes_expired_soft_deleted_servers(stack, soft_delete):
    soft_delete(2)
    server = h.boot(stack, "reclaimed")
    start = time.monotonic()
    stack.request("DELETE", "/servers/%s" % server)
    h.idle(stack, server, "SOFT_DELETED")
    TIMES["delete (soft)"] = time.monotonic() - start
    manager = stack.computes[HOST].manager
    ctxt = nova_context.get_admin_context()
    assert manager.reclaim_queued_deletes(ctxt) == []  # not yet expired
    assert h.show(stack, server)["status"] == "SOFT_DELETED"
    time.sleep(2.1)
    assert manager.reclaim_queued_deletes(ctxt) == [server]
    stack.wait_for_gone(server)
    assert server not in stack.driver(HOST).instances
    assert h.allocations(stack, server) == {}


def test_servers_that_never_ran_or_are_shelved_are_deleted_at_once(stack, soft_delete):
    server = h.boot(stack, "shelved-gone")
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    status, _h, body = stack.request("DELETE", "/servers/%s" % server)
    assert status == 204, body
    stack.wait_for_gone(server)
    # A soft-deleted server deleted again is deleted for good.
    server = h.boot(stack, "twice")
    stack.request("DELETE", "/servers/%s" % server)
    h.idle(stack, server, "SOFT_DELETED")
    stack.request("DELETE", "/servers/%s" % server)
    stack.wait_for_gone(server)
    assert h.allocations(stack, server) == {}


def test_backup_metadata_counts_against_the_quota_before_2_39(stack, server):
    status, _h, body = stack.request("PUT", "/os-quota-sets/admin",
                                     {"quota_set": {"metadata_items": 1}})
    assert status == 200, body
    backup = {"createBackup": {"name": "m", "backup_type": "meta", "rotation": 1,
                               "metadata": {"a": "1", "b": "2"}}}
    try:
        status, _h, body = h.action(stack, server, backup, version="2.38")
        assert status == 403, body
        assert _backups(stack, server, "meta") == []
        assert h.show(stack, server)["OS-EXT-STS:task_state"] is None
        status, _h, body = h.action(stack, server, backup, version="2.39")
        assert status == 202, body
        h.idle(stack, server)
        image = h.image(stack, body["image_id"] if body else _backups(
            stack, server, "meta")[0]["id"])[2]
        assert (image["a"], image["b"]) == ("1", "2")
    finally:
        stack.request("DELETE", "/os-quota-sets/admin")
