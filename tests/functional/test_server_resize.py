"""resize / confirmResize / revertResize / migrate through the whole in-process
control plane: three computes on the fake driver, the real Placement.

After every test the Placement usages of each host equal the flavors of the
servers on it (a RESIZED server's old flavor still counts on its source,
held by its migration) and no other consumer holds anything.
"""

import pytest

import nova.conf
from tests.functional import migrate_helpers as mh
from tests.functional import shelve_helpers as h
from tests.functional import stack_fixture

CONF = nova.conf.CONF
HOSTS = ("compute1", "compute2", "compute3")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("resize")
    running, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=HOSTS)
    try:
        running.flavor = running.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                               flavor_id="1")
        running.bigger = running.create_flavor(name="m1.small", vcpus=2, ram=1024, disk=2,
                                               flavor_id="2")
        running.smaller_disk = running.create_flavor(name="m1.nodisk", vcpus=1, ram=256,
                                                     disk=0, flavor_id="3")
        running.image = running.create_image(os_distro="cirros")
        yield running
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()


@pytest.fixture
def server(stack):
    server_id = h.boot(stack, "mover", host="compute1")
    yield server_id
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)
    mh.assert_placement_consistent(stack)


def _host(server):
    return server["OS-EXT-SRV-ATTR:host"]


def _osc(stack, *args, version=None):
    """Run an `openstack` command that prints no table; its stdout."""
    proc = stack.osc(*args, version=version, check=False)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def _resources(allocations):
    return {rp: alloc["resources"] for rp, alloc in allocations.items()}


def _flavor_of(stack, server_id):
    return h.show(stack, server_id, version="2.47")["flavor"]["original_name"]


def test_resize_then_confirm_moves_the_allocations_as_upstream(stack, server):
    before = h.allocations(stack, server)
    code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
    assert code == 202, body
    resized = h.idle(stack, server, "VERIFY_RESIZE")
    assert resized["OS-EXT-STS:vm_state"] == "resized"
    assert _host(resized) != "compute1"
    assert _flavor_of(stack, server) == "m1.small"
    [migration] = mh.migrations(stack, server)
    assert migration.status == "finished" and migration.migration_type == "resize"
    assert (migration.source_compute, migration.dest_compute) == ("compute1",
                                                                  _host(resized))
    # The migration holds the source allocation (old flavor), the instance
    # the destination's (new flavor).
    assert _resources(h.allocations(stack, migration.uuid)) == _resources(before)
    [(_rp, dest)] = h.allocations(stack, server).items()
    assert dest["resources"] == {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 2}
    mh.assert_placement_consistent(stack)
    assert server in stack.driver(_host(resized)).instances
    assert server not in stack.driver("compute1").instances

    code, _h, body = h.action(stack, server, {"confirmResize": None})
    assert code == 204, body
    confirmed = h.idle(stack, server, "ACTIVE")
    assert _host(confirmed) == _host(resized)
    [migration] = mh.migrations(stack, server)
    assert migration.status == "confirmed"
    assert h.allocations(stack, migration.uuid) == {}
    assert server not in stack.driver("compute1").kept_for_revert
    events = h.events(stack, server, "resize")
    assert {"conductor_migrate_server", "compute_prep_resize", "compute_resize_instance",
            "compute_finish_resize"} <= set(events)
    assert all(e["result"] == "Success" for e in events.values())
    assert h.events(stack, server, "confirmResize")["compute_confirm_resize"][
        "result"] == "Success"
    mh.assert_placement_consistent(stack)


def test_resize_then_revert_swaps_the_allocations_back(stack, server):
    before = h.allocations(stack, server)
    code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
    assert code == 202, body
    h.idle(stack, server, "VERIFY_RESIZE")
    code, _h, body = h.action(stack, server, {"revertResize": None})
    assert code == 202, body
    reverted = h.idle(stack, server, "ACTIVE")
    assert _host(reverted) == "compute1"
    assert _flavor_of(stack, server) == "m1.tiny"
    assert _resources(h.allocations(stack, server)) == _resources(before)
    [migration] = mh.migrations(stack, server)
    assert migration.status == "reverted"
    assert h.allocations(stack, migration.uuid) == {}
    assert server in stack.driver("compute1").instances
    assert all(server not in stack.driver(host).instances for host in HOSTS[1:])
    mh.assert_placement_consistent(stack)


def test_cold_migrate_keeps_the_flavor_and_confirms_through_the_cli(stack, server):
    _osc(stack, "server", "migrate", server)
    migrated = h.idle(stack, server, "VERIFY_RESIZE")
    assert _host(migrated) != "compute1"
    assert _flavor_of(stack, server) == "m1.tiny"
    [migration] = mh.migrations(stack, server)
    assert migration.migration_type == "migration"
    mh.assert_placement_consistent(stack)
    _osc(stack, "server", "migrate", "confirm", server)
    h.idle(stack, server, "ACTIVE")
    assert mh.migrations(stack, server)[0].status == "confirmed"
    mh.assert_placement_consistent(stack)


def test_migrate_to_a_named_host_from_2_56_and_resize_revert_through_the_cli(
        stack, server):
    code, _h, body = h.action(stack, server, {"migrate": {"host": "compute3"}},
                              version="2.55")
    assert code == 400, body
    code, _h, body = h.action(stack, server, {"migrate": {"host": "compute3"}},
                              version="2.56")
    assert code == 202, body
    assert _host(h.idle(stack, server, "VERIFY_RESIZE")) == "compute3"
    _osc(stack, "server", "resize", "revert", server)
    assert _host(h.idle(stack, server, "ACTIVE")) == "compute1"
    mh.assert_placement_consistent(stack)
    # The CLI's resize, then confirm.
    _osc(stack, "server", "resize", "--flavor", "m1.small", server)
    h.idle(stack, server, "VERIFY_RESIZE")
    _osc(stack, "server", "resize", "confirm", server)
    h.idle(stack, server, "ACTIVE")
    assert _flavor_of(stack, server) == "m1.small"
    mh.assert_placement_consistent(stack)


def test_bad_resize_and_migrate_requests(stack, server):
    def refused(body, code, version=None):
        status, _h, answer = h.action(stack, server, body, version=version)
        assert status == code, answer
        return answer

    assert "must change flavor" in refused({"resize": {"flavorRef": stack.flavor}}, 400)[
        "badRequest"]["message"]
    assert "zero disk" in refused({"resize": {"flavorRef": stack.smaller_disk}}, 400)[
        "badRequest"]["message"]
    refused({"resize": {"flavorRef": "no-such-flavor"}}, 400)
    refused({"resize": {}}, 400)
    refused({"resize": {"flavorRef": stack.bigger, "extra": 1}}, 400)
    refused({"migrate": {"host": "compute1"}}, 400, version="2.56")
    refused({"migrate": {"host": "no-such-host"}}, 400, version="2.56")
    # Nothing to confirm or revert.
    refused({"confirmResize": None}, 409)
    refused({"revertResize": None}, 409)
    # A non-admin may resize but not migrate.
    status, _h, answer = stack.request("POST", "/servers/%s/action" % server,
                                       {"migrate": None}, user="demo", project="admin")
    assert status == 403, answer
    # A task in progress (or a stopped-then-paused state) is a 409.
    code, _h, body = h.action(stack, server, {"pause": None})
    assert code == 202, body
    h.idle(stack, server, "PAUSED")
    assert "vm_state paused" in refused({"resize": {"flavorRef": stack.bigger}}, 409)[
        "conflictingRequest"]["message"]
    refused({"migrate": None}, 409)
    code, _h, body = h.action(stack, server, {"unpause": None})
    h.idle(stack, server, "ACTIVE")
    assert mh.migrations(stack, server) == []
    mh.assert_placement_consistent(stack)


def test_resize_and_revert_need_room_in_the_quota(stack, server):
    """Upstream checks the cores and ram a resize adds (and a revert to the
    bigger old flavor adds back) against the project's quota: 403."""
    project = h.show(stack, server)["tenant_id"]
    micro = stack.create_flavor(name="m1.micro-quota", vcpus=1, ram=256, disk=1,
                                flavor_id="quota-micro")

    def quota(**limits):
        status, _h, body = stack.request("PUT", "/os-quota-sets/%s" % project,
                                         {"quota_set": limits})
        assert status == 200, body

    try:
        quota(cores=1)
        code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
        assert code == 403, body
        assert body["forbidden"]["message"] == (
            "Quota exceeded for cores: Requested 1, but already used 1 of 1 cores")
        assert h.idle(stack, server, "ACTIVE")["flavor"]["id"] == stack.flavor
        assert mh.migrations(stack, server) == []
        # Smaller is always allowed; going back to the bigger flavor is not once
        # the ram is used up.
        code, _h, body = h.action(stack, server, {"resize": {"flavorRef": micro}})
        assert code == 202, body
        h.idle(stack, server, "VERIFY_RESIZE")
        quota(ram=256)
        code, _h, body = h.action(stack, server, {"revertResize": None})
        assert code == 403, body
        assert body["forbidden"]["message"] == (
            "Quota exceeded for ram: Requested 256, but already used 256 of 256 ram")
        assert h.idle(stack, server, "VERIFY_RESIZE")
        quota(ram=512)
        code, _h, body = h.action(stack, server, {"revertResize": None})
        assert code == 202, body
        assert h.idle(stack, server, "ACTIVE")["flavor"]["id"] == stack.flavor
    finally:
        status, _h, body = stack.request("DELETE", "/os-quota-sets/%s" % project)
        assert status == 202, body
    mh.assert_placement_consistent(stack)


def test_resize_of_a_stopped_server_stays_stopped(stack, server):
    code, _h, body = h.action(stack, server, {"os-stop": None})
    assert code == 202, body
    h.idle(stack, server, "SHUTOFF")
    code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
    assert code == 202, body
    resized = h.idle(stack, server, "VERIFY_RESIZE")
    assert resized["OS-EXT-STS:power_state"] == 4
    code, _h, body = h.action(stack, server, {"confirmResize": None})
    assert code == 204, body
    h.idle(stack, server, "SHUTOFF")
    mh.assert_placement_consistent(stack)


def test_no_host_leaves_the_server_active_with_its_allocation(stack, server):
    huge = stack.create_flavor(name="m1.huge", vcpus=64, ram=1024, disk=1)
    before = h.allocations(stack, server)
    # Room in the quota for 64 vCPUs, so that the scheduler is the one to refuse.
    project = h.show(stack, server)["tenant_id"]
    status, _h, body = stack.request("PUT", "/os-quota-sets/%s" % project,
                                     {"quota_set": {"cores": -1}})
    assert status == 200, body
    try:
        code, _h, body = h.action(stack, server, {"resize": {"flavorRef": huge}})
    finally:
        stack.request("DELETE", "/os-quota-sets/%s" % project)
    assert code == 202, body
    def failed():
        events = h.events(stack, server, "resize", finished=False)
        event = events.get("conductor_migrate_server")
        return event if event and event["finish_time"] else None

    from tests.functional import inprocess
    event = inprocess.wait_for(failed, timeout=30, what="the scheduling to fail")
    assert event["result"] == "Error"
    server_now = h.idle(stack, server, "ACTIVE")
    assert _host(server_now) == "compute1"
    assert _resources(h.allocations(stack, server)) == _resources(before)
    [migration] = mh.migrations(stack, server)
    assert migration.status == "error"
    assert h.allocations(stack, migration.uuid) == {}
    assert "No valid host" in h.latest_fault(stack, server).message
    mh.assert_placement_consistent(stack)


@pytest.mark.parametrize("step", ["migrate_disk_and_power_off", "finish_migration"])
def test_a_failed_step_rolls_placement_back(stack, server, step):
    for host in HOSTS:
        stack.driver(host).fail_next_migration_steps(step)
    try:
        code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
        assert code == 202, body
        expected = "ACTIVE" if step == "migrate_disk_and_power_off" else "ERROR"
        failed = h.idle(stack, server, expected)
    finally:
        for host in HOSTS:
            stack.driver(host)._migration_failures.clear()
    [migration] = mh.migrations(stack, server)
    assert migration.status == "error"
    assert h.allocations(stack, migration.uuid) == {}
    event = h.events(stack, server, "resize")[
        "compute_resize_instance" if expected == "ACTIVE" else "compute_finish_resize"]
    assert event["result"] == "Error"
    if expected == "ACTIVE":
        # Nothing moved: the guest runs on its source again, with its flavor.
        assert _host(failed) == "compute1"
        assert _flavor_of(stack, server) == "m1.tiny"
        assert stack.driver("compute1").instances[server].state == 1
    mh.assert_placement_consistent(stack)


def test_delete_while_verify_resize_releases_both_allocations(stack):
    server_id = h.boot(stack, "gone", host="compute1")
    code, _h, body = h.action(stack, server_id, {"resize": {"flavorRef": stack.bigger}})
    assert code == 202, body
    h.idle(stack, server_id, "VERIFY_RESIZE")
    [migration] = mh.migrations(stack, server_id)
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)
    from tests.functional import inprocess
    inprocess.wait_for(lambda: h.allocations(stack, migration.uuid) == {}, timeout=15,
                       what="the migration's allocation to go")
    assert server_id not in stack.driver("compute1").kept_for_revert
    mh.assert_placement_consistent(stack)


def test_resize_confirm_window_confirms_by_itself(stack, server):
    CONF.set_override("resize_confirm_window", 1)
    try:
        code, _h, body = h.action(stack, server, {"resize": {"flavorRef": stack.bigger}})
        assert code == 202, body
        resized = h.idle(stack, server, "VERIFY_RESIZE")
        import time
        time.sleep(1.5)
        manager = stack.computes[_host(resized)].manager
        assert manager.poll_unconfirmed_resizes(stack.ctxt)
        h.idle(stack, server, "ACTIVE")
    finally:
        CONF.clear_override("resize_confirm_window")
    assert mh.migrations(stack, server)[0].status == "confirmed"
    mh.assert_placement_consistent(stack)


def test_os_migrations_lists_fields_and_filters_by_microversion(stack, server):
    code, _h, body = h.action(stack, server, {"migrate": None})
    assert code == 202, body
    h.idle(stack, server, "VERIFY_RESIZE")
    code, _h, body = h.action(stack, server, {"confirmResize": None})
    h.idle(stack, server, "ACTIVE")
    [record] = mh.migrations(stack, server)

    def listing(query="", version="2.1", code=200):
        status, _h, answer = stack.request("GET", "/os-migrations" + query,
                                           version=version)
        assert status == code, answer
        return answer

    mine = [m for m in listing()["migrations"] if m["instance_uuid"] == server]
    assert [m["id"] for m in mine] == [record.id]
    assert "migration_type" not in mine[0] and "uuid" not in mine[0]
    assert mine[0]["status"] == "confirmed" and mine[0]["source_compute"] == "compute1"
    body = listing("?instance_uuid=%s" % server, "2.23")
    assert body["migrations"][0]["migration_type"] == "migration"
    assert "links" not in body["migrations"][0]  # not a live migration in progress
    assert listing("?migration_type=resize&instance_uuid=%s" % server,
                   "2.23")["migrations"] == []
    assert listing("?status=error&instance_uuid=%s" % server)["migrations"] == []
    body = listing("?instance_uuid=%s" % server, "2.59")
    assert body["migrations"][0]["uuid"] == record.uuid
    assert "user_id" not in body["migrations"][0]
    body = listing("?instance_uuid=%s" % server, "2.80")
    assert body["migrations"][0]["user_id"] == "admin"
    assert body["migrations"][0]["project_id"] == "admin"
    # Paging (2.59): newest first, a next link while pages are full.
    everything = listing(version="2.59")["migrations"]
    if len(everything) > 1:
        first = listing("?limit=1", "2.59")
        assert first["migrations"] == everything[:1]
        assert "marker=%s" % everything[0]["uuid"] in first["migrations_links"][0]["href"]
        rest = listing("?marker=%s" % everything[0]["uuid"], "2.59")["migrations"]
        assert rest == everything[1:]
    listing("?marker=no-such-migration", "2.59", code=400)
    listing("?limit=-1", "2.59", code=400)
    listing("?foo=bar", "2.59", code=400)
    listing("?foo=bar", "2.58")  # ignored before 2.59
    listing("?changes-since=not-a-time", "2.59", code=400)
    assert listing("?changes-since=2100-01-01T00:00:00Z", "2.59")["migrations"] == []
    listing("?changes-before=2000-01-01T00:00:00Z", "2.59", code=400)
    assert listing("?changes-before=2000-01-01T00:00:00Z", "2.66")["migrations"] == []
    listing("?user_id=admin", "2.79", code=400)
    assert listing("?user_id=nobody", "2.80")["migrations"] == []
    status, _h, _b = stack.request("GET", "/os-migrations", user="demo", project="admin")
    assert status == 403
    # The CLI.
    rows = stack.osc("server", "migration", "list", "--server", server)
    assert [row["Id"] for row in rows] == [record.id]


# -- live migration ------------------------------------------------------------------


def _live(stack, server, body, version="2.30"):
    return h.action(stack, server, {"os-migrateLive": body}, version=version)


def _wait_migration(stack, server, status):
    from tests.functional import inprocess
    return inprocess.wait_for(
        lambda: next((m for m in mh.migrations(stack, server)
                      if m.migration_type == "live-migration" and m.status == status),
                     None), timeout=30, what="a live migration %s" % status)


def test_live_migrate_to_a_host_and_by_the_scheduler(stack, server):
    code, _h, body = _live(stack, server, {"host": "compute2", "block_migration": "auto"})
    assert code == 202, body
    _wait_migration(stack, server, "completed")
    moved = h.idle(stack, server, "ACTIVE")
    assert _host(moved) == "compute2"
    assert server in stack.driver("compute2").instances
    assert server not in stack.driver("compute1").instances
    mh.assert_placement_consistent(stack)
    events = h.events(stack, server, "live-migration")
    assert {"conductor_live_migrate_instance", "compute_live_migration",
            "compute_pre_live_migration",
            "compute_post_live_migration_at_destination"} <= set(events)
    # The scheduler picks (2.1 body: block_migration and disk_over_commit).
    code, _h, body = _live(stack, server, {"host": None, "block_migration": False,
                                           "disk_over_commit": False}, version="2.1")
    assert code == 202, body
    from tests.functional import inprocess
    inprocess.wait_for(lambda: len([m for m in mh.migrations(stack, server)
                                    if m.status == "completed"]) == 2, timeout=30,
                       what="the second live migration")
    assert _host(h.idle(stack, server, "ACTIVE")) != "compute2"
    mh.assert_placement_consistent(stack)


def test_bad_live_migrations(stack, server):
    assert _live(stack, server, {"host": "compute1", "block_migration": "auto"})[0] == 400
    assert _live(stack, server, {"host": "nowhere", "block_migration": "auto"})[0] == 400
    # disk_over_commit is gone from 2.25, force from 2.68, "auto" before 2.25.
    assert _live(stack, server, {"host": None, "block_migration": "auto",
                                 "disk_over_commit": False}, "2.25")[0] == 400
    assert _live(stack, server, {"host": None, "block_migration": "auto",
                                 "force": True}, "2.68")[0] == 400
    assert _live(stack, server, {"host": None, "block_migration": "auto",
                                 "disk_over_commit": False}, "2.24")[0] == 400
    # A destination that is down.
    status, _h, body = stack.request("GET", "/os-services?binary=nova-compute&host=compute3",
                                     version="2.53")
    service_id = body["services"][0]["id"]
    status, _h, body = stack.request("PUT", "/os-services/%s" % service_id,
                                     {"forced_down": True}, version="2.53")
    assert status == 200, body
    try:
        code, _h, body = _live(stack, server, {"host": "compute3",
                                               "block_migration": "auto"})
        assert code == 400 and "unavailable" in body["badRequest"]["message"], body
    finally:
        stack.request("PUT", "/os-services/%s" % service_id, {"forced_down": False},
                      version="2.53")
    # A check that fails on the destination: the server stays, ACTIVE.
    stack.driver("compute2").fail_next_migration_steps(
        "check_can_live_migrate_destination")
    code, _h, body = _live(stack, server, {"host": "compute2", "block_migration": "auto"})
    assert code == 202, body
    _wait_migration(stack, server, "error")
    assert _host(h.idle(stack, server, "ACTIVE")) == "compute1"
    mh.assert_placement_consistent(stack)
    # A failure of the move itself rolls back.
    stack.driver("compute1").fail_next_migration_steps("live_migration")
    code, _h, body = _live(stack, server, {"host": "compute2", "block_migration": "auto"})
    assert code == 202, body
    from tests.functional import inprocess
    inprocess.wait_for(lambda: len([m for m in mh.migrations(stack, server)
                                    if m.status == "error"]) == 2, timeout=30,
                       what="the failed live migration")
    assert _host(h.idle(stack, server, "ACTIVE")) == "compute1"
    assert server not in stack.driver("compute2").incoming
    mh.assert_placement_consistent(stack)


def test_server_migrations_force_complete_and_abort(stack, server):
    driver = stack.driver("compute1")
    driver.hold_live_migrations()
    try:
        code, _h, body = _live(stack, server, {"host": "compute2",
                                               "block_migration": "auto"})
        assert code == 202, body
        migration = _wait_migration(stack, server, "running")
        status, _h, body = stack.request("GET", "/servers/%s/migrations" % server,
                                         version="2.22")
        assert status == 404
        status, _h, body = stack.request("GET", "/servers/%s/migrations" % server,
                                         version="2.23")
        assert status == 200 and [m["id"] for m in body["migrations"]] == [migration.id]
        assert body["migrations"][0]["status"] == "running"
        status, _h, body = stack.request(
            "GET", "/servers/%s/migrations/%s" % (server, migration.id), version="2.80")
        assert status == 200 and body["migration"]["uuid"] == migration.uuid
        assert body["migration"]["server_uuid"] == server
        code, _h, body = stack.request("GET", "/os-migrations", version="2.23")
        listed = [m for m in body["migrations"] if m["id"] == migration.id][0]
        assert listed["links"][0]["href"].endswith(
            "/servers/%s/migrations/%s" % (server, migration.id))
        # Abort: the server stays where it was.
        status, _h, body = stack.request(
            "DELETE", "/servers/%s/migrations/%s" % (server, migration.id),
            version="2.24")
        assert status == 202, body
        _wait_migration(stack, server, "cancelled")
        assert _host(h.idle(stack, server, "ACTIVE")) == "compute1"
        mh.assert_placement_consistent(stack)
        # Force complete.
        code, _h, body = _live(stack, server, {"host": "compute2",
                                               "block_migration": "auto"})
        assert code == 202, body
        migration = _wait_migration(stack, server, "running")
        status, _h, body = stack.request(
            "POST", "/servers/%s/migrations/%s/action" % (server, migration.id),
            {"force_complete": None}, version="2.22")
        assert status == 202, body
        _wait_migration(stack, server, "completed")
        assert _host(h.idle(stack, server, "ACTIVE")) == "compute2"
    finally:
        driver.release_live_migrations()
    # A completed migration cannot be aborted or forced.
    status, _h, body = stack.request(
        "DELETE", "/servers/%s/migrations/%s" % (server, migration.id), version="2.24")
    assert status == 400, body
    status, _h, body = stack.request(
        "POST", "/servers/%s/migrations/%s/action" % (server, migration.id),
        {"force_complete": None}, version="2.22")
    assert status in (400, 409), body
    mh.assert_placement_consistent(stack)


# -- evacuation ----------------------------------------------------------------------


def test_evacuate_after_the_source_goes_down_and_cleanup_on_its_return(stack):
    from nova import service as service_mod
    server_id = h.boot(stack, "evacuee", host="compute3")
    before = h.allocations(stack, server_id)
    # A second one, evacuated with `openstack server evacuate`.
    cli_id = h.boot(stack, "evacuee-cli", host="compute3")
    cli_before = h.allocations(stack, cli_id)
    # Refused while compute3 is up.
    code, _h, body = h.action(stack, server_id, {"evacuate": {}}, version="2.14")
    assert code == 400, body
    status, _h, body = stack.request(
        "GET", "/os-services?binary=nova-compute&host=compute3", version="2.53")
    service_id = body["services"][0]["id"]
    old = stack.computes["compute3"]
    old.stop()
    status, _h, body = stack.request("PUT", "/os-services/%s" % service_id,
                                     {"forced_down": True}, version="2.53")
    assert status == 200, body
    try:
        # onSharedStorage is required before 2.14 and refused from 2.14.
        assert h.action(stack, server_id, {"evacuate": {}}, version="2.13")[0] == 400
        assert h.action(stack, server_id, {"evacuate": {"onSharedStorage": False}},
                        version="2.14")[0] == 400
        code, _h, body = h.action(stack, server_id,
                                  {"evacuate": {"onSharedStorage": False}},
                                  version="2.13")
        assert code == 200 and body["adminPass"], body
        moved = h.idle(stack, server_id, "ACTIVE")
        assert _host(moved) != "compute3"
        [migration] = mh.migrations(stack, server_id)
        assert migration.migration_type == "evacuation" and migration.status == "done"
        # The source allocation stays until compute3 comes back.
        allocations = h.allocations(stack, server_id)
        assert len(allocations) == 2 and set(before) < set(allocations)
        assert h.allocations(stack, migration.uuid) == {}
        _osc(stack, "server", "evacuate", cli_id, version="2.29")
        assert _host(h.idle(stack, cli_id, "ACTIVE")) != "compute3"
        [migration] = mh.migrations(stack, cli_id)
        assert migration.migration_type == "evacuation" and migration.status == "done"
        assert set(cli_before) < set(h.allocations(stack, cli_id))
    finally:
        stack.request("PUT", "/os-services/%s" % service_id, {"forced_down": False},
                      version="2.53")
    back = service_mod.Service.create(host="compute3", binary="nova-compute",
                                      topic="compute")
    back.start()
    stack.computes["compute3"] = back
    try:
        _check_cleanup_after_return(stack, server_id, before)
        _check_cleanup_after_return(stack, cli_id, cli_before)
    finally:
        back.stop()


def _check_cleanup_after_return(stack, server_id, before):
    [migration] = mh.migrations(stack, server_id)
    assert migration.status == "completed"
    remaining = h.allocations(stack, server_id)
    assert len(remaining) == 1 and not set(before) & set(remaining)
    mh.assert_placement_consistent(stack)
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)
    mh.assert_placement_consistent(stack)
