"""nova-compute restarted: nothing stuck, nothing leaked.

The whole control plane in this process (API, conductor, scheduler, one
compute with the fake driver, the real Placement). The compute service is
stopped and a new one started on the same host, as a crashed daemon would be:
the fake hypervisor forgets its guests unless the test gives the new one
some. Each test checks what a user sees through the API (status, task state,
fault), what Placement holds, and the log line that says why.
"""

import logging
import uuid as uuidlib

import pytest

import nova.conf
from nova.compute import power_state
from nova import context as nova_context
from nova import objects
from nova import service
from tests.functional import inprocess
from tests.functional import stack_fixture

CONF = nova.conf.CONF
HOST = "hrc1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    cloud_gen = stack_fixture.module_cloud(tmp_path_factory, "host-recovery", HOST)
    cloud = next(cloud_gen)
    cloud.restarted = []
    status, _h, body = cloud.request("PUT", "/os-quota-sets/admin", {"quota_set": {
        "instances": 100, "cores": 100, "ram": 100 * 1024}})
    assert status == 200, body
    try:
        yield cloud
    finally:
        for svc in cloud.restarted:
            try:
                svc.stop()
            except Exception:
                pass
        next(cloud_gen, None)


def restart_compute(cloud, guests=None):
    """Stop the compute service of HOST and start a new one (a fresh fake
    hypervisor holding ``guests``: {uuid: power state})."""
    old = cloud.computes[HOST]
    if old.rpcserver is not None:
        old.stop()
        old.rpcserver = None      # stopped once; the module's teardown stops it again
    new = service.Service.create(host=HOST, binary="nova-compute", topic="compute")
    for uuid, state in (guests or {}).items():
        new.manager.driver.add_instance("guest-%s" % uuid[:8], uuid, state=state)
    new.start()
    cloud.computes[HOST] = new
    if old in cloud.restarted:
        cloud.restarted.remove(old)
    cloud.restarted.append(new)
    return new


def boot(cloud, name):
    return boot_many(cloud, [name])[0]


def boot_many(cloud, names):
    """ACTIVE servers named ``names`` (asked for at once); their ids in order."""
    ids = []
    for name in names:
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": name, "flavorRef": cloud.flavor, "imageRef": cloud.image}})
        assert status == 202, body
        ids.append(body["server"]["id"])
    return [cloud.wait_for_status(server_id, "ACTIVE")["id"] for server_id in ids]


def show(cloud, server_id):
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id, version="2.90")
    assert status == 200, body
    return body["server"]


def set_states(cloud, server_id, **fields):
    instance = objects.Instance.get_by_uuid(cloud.ctxt, server_id, expected_attrs=[])
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


def allocation(cloud, consumer):
    return cloud.placement.get("/allocations/%s" % consumer, version="1.28")["allocations"]


def node_uuid(cloud):
    return objects.ComputeNode.get_by_host_and_nodename(cloud.ctxt, HOST, HOST).uuid


def hypervisor(cloud):
    status, _h, body = cloud.request("GET", "/os-hypervisors/detail", version="2.28")
    assert status == 200, body
    (hyp,) = [h for h in body["hypervisors"] if h["hypervisor_hostname"] == HOST]
    return hyp


def messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_usage_comes_from_the_database_after_a_restart(stack, caplog):
    servers = boot_many(stack, ["usage-%d" % i for i in range(2)])
    try:
        caplog.set_level(logging.WARNING)
        manager = restart_compute(stack).manager
        assert manager.driver.instances == {}          # the hypervisor forgot them
        hyp = hypervisor(stack)
        # 512 MB reserved for the host + two 512 MB guests; 1 GB disk each.
        assert (hyp["running_vms"], hyp["vcpus_used"], hyp["memory_mb_used"],
                hyp["local_gb_used"]) == (2, 2, 1536, 2)
        # The sync says the guests are missing; the servers stay ACTIVE (as upstream).
        manager.sync_power_states(stack.ctxt)
        for server_id in servers:
            server = show(stack, server_id)
            assert server["status"] == "ACTIVE"
            assert server["OS-EXT-STS:power_state"] == power_state.NOSTATE
            assert server["OS-EXT-STS:task_state"] is None
            assert any(server_id in m and "unexpectedly not found" in m
                       for m in messages(caplog))
            # Their claims are untouched.
            assert allocation(stack, server_id)[node_uuid(stack)]["resources"] == {
                "VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    finally:
        for server_id in servers:
            stack.request("DELETE", "/servers/%s" % server_id)
        for server_id in servers:
            stack.wait_for_gone(server_id)
    manager.update_available_resource(stack.ctxt)       # the periodic update
    hyp = hypervisor(stack)
    assert (hyp["running_vms"], hyp["memory_mb_used"]) == (0, 512)


# (task_state set before the restart, vm_state, guest power state on the new
# hypervisor or None: no guest) -> (status, vm_state, fault expected, guest state)
CASES = {
    "spawning": (("spawning", "building", None), ("ERROR", "error", "spawning", None)),
    "networking": (("networking", "building", None), ("ERROR", "error", "networking", None)),
    "deleting": (("deleting", "active", power_state.RUNNING), (None, None, None, None)),
    "powering-off": (("powering-off", "active", power_state.RUNNING),
                     ("SHUTOFF", "stopped", None, power_state.SHUTDOWN)),
    "powering-off-gone": (("powering-off", "active", None), ("SHUTOFF", "stopped", None, None)),
    "powering-on": (("powering-on", "stopped", power_state.SHUTDOWN),
                    ("ACTIVE", "active", None, power_state.RUNNING)),
    "pausing": (("pausing", "active", power_state.PAUSED), ("PAUSED", "paused", None,
                                                            power_state.PAUSED)),
    "suspending": (("suspending", "active", power_state.RUNNING),
                   ("ACTIVE", "active", None, power_state.RUNNING)),
    "reboot_started_hard": (("reboot_started_hard", "active", power_state.RUNNING),
                            ("ACTIVE", "active", None, power_state.RUNNING)),
    "rebooting": (("rebooting", "active", power_state.SHUTDOWN),
                  ("ACTIVE", "active", None, power_state.RUNNING)),
    "image_snapshot": (("image_snapshot", "active", power_state.RUNNING),
                       ("ACTIVE", "active", "image_snapshot", power_state.RUNNING)),
    "shelving": (("shelving", "stopped", power_state.SHUTDOWN),
                 ("SHUTOFF", "stopped", "shelving", power_state.SHUTDOWN)),
    "rebuilding": (("rebuilding", "active", power_state.RUNNING),
                   ("ERROR", "error", "rebuilding", power_state.RUNNING)),
    "soft-deleting": (("soft-deleting", "active", power_state.RUNNING),
                      ("SOFT_DELETED", "soft-delete", None, power_state.SHUTDOWN)),
}


def test_every_task_left_by_a_crash_ends_in_a_defined_state(stack, caplog):
    servers = dict(zip(CASES, boot_many(stack, ["task-%s" % case for case in CASES])))
    guests = {}
    for case, server_id in servers.items():
        (task, vm_state, guest), _ = CASES[case]
        set_states(stack, server_id, task_state=task, vm_state=vm_state)
        if guest is not None:
            guests[server_id] = guest
    caplog.set_level(logging.INFO)
    manager = restart_compute(stack, guests).manager
    node = node_uuid(stack)
    try:
        for case, server_id in servers.items():
            _, (status, vm_state, fault, guest) = CASES[case]
            logged = [m for m in messages(caplog) if server_id in m]
            assert logged, case
            if status is None:                       # the delete was finished
                stack.wait_for_gone(server_id)
                assert allocation(stack, server_id) == {}
                assert server_id not in manager.driver.instances
                continue
            server = show(stack, server_id)
            assert (server["status"], server["OS-EXT-STS:vm_state"],
                    server["OS-EXT-STS:task_state"]) == (status, vm_state, None), case
            if fault:
                # The API shows a fault on ERROR servers only; the others keep it
                # in the database.
                message = server["fault"]["message"] if status == "ERROR" else \
                    objects.InstanceFault.get_latest_for_instance(stack.ctxt,
                                                                  server_id).message
                assert fault in message, (case, message)
                assert "nova-compute on %s stopped" % HOST in message
            if guest is None:
                assert server_id not in manager.driver.instances, case
            else:
                assert manager.driver.instances[server_id].state == guest, case
            held = allocation(stack, server_id)
            if status == "ERROR" and vm_state == "error" and case in ("spawning",
                                                                      "networking"):
                assert held == {}, case               # a failed build holds nothing
            else:
                assert held[node]["resources"]["MEMORY_MB"] == 512, case
    finally:
        for server_id in servers.values():
            stack.request("DELETE", "/servers/%s" % server_id)
        for server_id in servers.values():
            stack.wait_for_gone(server_id)


def test_allocations_are_healed_and_orphans_removed_on_start(stack, caplog):
    healthy, missing, wrong, deleted = boot_many(stack, ["heal-%s" % n for n in
                                                         ("ok", "missing", "wrong", "deleted")])
    node = node_uuid(stack)
    status, _ = stack.placement.request("DELETE", "/allocations/%s" % missing)
    assert status == 204
    body = stack.placement.get("/allocations/%s" % wrong, version="1.28")
    status, err = stack.placement.request("PUT", "/allocations/%s" % wrong, {
        "allocations": {node: {"resources": {"VCPU": 3, "MEMORY_MB": 100, "DISK_GB": 1}}},
        "project_id": body["project_id"], "user_id": body["user_id"],
        "consumer_generation": body["consumer_generation"]}, version="1.28")
    assert status == 204, err
    # The deleted server's claim comes back (a delete whose release was lost),
    # and a consumer nobody knows holds resources on the node.
    stack.request("DELETE", "/servers/%s" % deleted)
    stack.wait_for_gone(deleted)
    stray = str(uuidlib.uuid4())
    for consumer in (deleted, stray):
        status, err = stack.placement.request("PUT", "/allocations/%s" % consumer, {
            "allocations": {node: {"resources": {"VCPU": 1, "MEMORY_MB": 64}}},
            "project_id": "admin", "user_id": "admin", "consumer_generation": None},
            version="1.28")
        assert status == 204, err
    caplog.set_level(logging.WARNING)
    restart_compute(stack, {u: power_state.RUNNING for u in (healthy, missing, wrong)})
    flavor = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    try:
        for server_id in (healthy, missing, wrong):
            assert allocation(stack, server_id) == {node: {"resources": flavor}} or \
                allocation(stack, server_id)[node]["resources"] == flavor
        assert allocation(stack, deleted) == {}
        assert allocation(stack, stray) == {}
        logged = messages(caplog)
        assert any(missing in m and "healed" in m for m in logged)
        assert any(wrong in m and "healed" in m for m in logged)
        assert not any(healthy in m and "healed" in m for m in logged)
        assert any(stray in m and "Removing the allocation" in m for m in logged)
        usages = stack.placement.get("/resource_providers/%s/usages" % node)["usages"]
        assert usages["MEMORY_MB"] == 3 * 512
    finally:
        for server_id in (healthy, missing, wrong):
            stack.request("DELETE", "/servers/%s" % server_id)
        for server_id in (healthy, missing, wrong):
            stack.wait_for_gone(server_id)


def test_guests_of_deleted_instances_follow_the_configured_action(stack, caplog):
    server_id = boot(stack, "reaped")
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)
    unknown = str(uuidlib.uuid4())
    manager = restart_compute(stack, {server_id: power_state.RUNNING,
                                      unknown: power_state.RUNNING}).manager
    caplog.set_level(logging.WARNING)
    try:
        CONF.set_override("running_deleted_instance_action", "noop")
        assert manager.cleanup_running_deleted_instances(stack.ctxt) == []
        CONF.set_override("running_deleted_instance_action", "shutdown")
        assert manager.cleanup_running_deleted_instances(stack.ctxt) == [server_id]
        assert manager.driver.instances[server_id].state == power_state.SHUTDOWN
        CONF.set_override("running_deleted_instance_action", "reap")
        assert manager.cleanup_running_deleted_instances(stack.ctxt) == [server_id]
    finally:
        CONF.clear_override("running_deleted_instance_action")
    assert server_id not in manager.driver.instances
    # A guest the database never knew is left alone, with a log line.
    assert manager.driver.instances[unknown].state == power_state.RUNNING
    logged = messages(caplog)
    assert any(unknown in m and "left alone" in m for m in logged)
    assert any(server_id in m and "Destroying guest" in m for m in logged)
    manager.driver.remove_instance(unknown)


def test_a_build_past_instance_build_timeout_ends_in_error(stack, caplog):
    manager = stack.computes[HOST].manager
    driver = manager.driver
    driver.hold_spawns()
    CONF.set_override("instance_build_timeout", 3600)
    caplog.set_level(logging.WARNING)
    try:
        status, _h, body = stack.request("POST", "/servers", {"server": {
            "name": "slow", "flavorRef": stack.flavor, "imageRef": stack.image}})
        assert status == 202, body
        server_id = body["server"]["id"]
        inprocess.wait_for(lambda: show(stack, server_id)["OS-EXT-STS:task_state"]
                           == "spawning", what="spawning")
        assert manager.check_instance_build_time(stack.ctxt) == []    # not yet late
        CONF.set_override("instance_build_timeout", 1)
        inprocess.wait_for(lambda: manager.check_instance_build_time(stack.ctxt)
                           == [server_id], timeout=5, interval=0.2, what="timed out")
        # Read while the spawn is still held: once it goes on, its own failure
        # to save (the task state is no longer 'spawning') is the latest fault.
        server = stack.wait_for_status(server_id, "ERROR")
        assert "did not finish building within 1 seconds" in server["fault"]["message"]
        assert server["OS-EXT-STS:task_state"] is None
    finally:
        CONF.clear_override("instance_build_timeout")
        driver.release_spawns()
    assert allocation(stack, server_id) == {}
    # The held spawn went on once released: it must not revive the server.
    inprocess.wait_for(lambda: server_id not in driver.instances, timeout=10,
                       what="the late guest removed")
    server = show(stack, server_id)
    assert server["status"] == "ERROR"
    assert any(server_id in m and "will not finish" in m for m in messages(caplog))
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def test_a_build_scheduled_before_the_stop_waits_for_its_request_then_ends(stack, caplog):
    """Scheduled to this host, its build request not taken when nova-compute
    stopped: the request may still wait in the host's queue, so the start leaves
    it BUILD; if it never comes, the grace ends it in ERROR with its allocation
    released."""
    [server_id] = boot_many(stack, ["awaited"])
    set_states(stack, server_id, task_state="scheduling", vm_state="building")
    caplog.set_level(logging.INFO)
    manager = restart_compute(stack).manager
    try:
        server = show(stack, server_id)
        assert (server["status"], server["OS-EXT-STS:task_state"]) == ("BUILD", "scheduling")
        assert any(server_id in m and "wait for their build request" in m
                   for m in messages(caplog))
        # The grace is over (run now rather than after a minute): still nothing.
        manager.cancel_recovery_timers()
        assert manager._fail_unclaimed_builds(stack.ctxt, [server_id]) == [server_id]
        server = stack.wait_for_status(server_id, "ERROR")
        assert "scheduling task of the instance was interrupted" in server["fault"]["message"]
        assert server["OS-EXT-STS:task_state"] is None
        assert allocation(stack, server_id) == {}
        # Already ended: a second pass changes nothing.
        assert manager._fail_unclaimed_builds(stack.ctxt, [server_id]) == []
    finally:
        stack.request("DELETE", "/servers/%s" % server_id)
        stack.wait_for_gone(server_id)


def test_a_scheduler_call_without_answer_is_asked_once_more(stack, monkeypatch, caplog):
    """The scheduler died holding the request (its answer never came): the
    conductor asks again rather than ending the build in ERROR."""
    import oslo_messaging as messaging

    from nova.scheduler import rpcapi as scheduler_rpcapi
    real = scheduler_rpcapi.SchedulerAPI.select_destinations
    calls = []

    def first_call_lost(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise messaging.MessagingTimeout("no answer")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(scheduler_rpcapi.SchedulerAPI, "select_destinations",
                        first_call_lost)
    caplog.set_level(logging.WARNING)
    [server_id] = boot_many(stack, ["asked-twice"])
    assert len(calls) == 2
    assert any("asking the scheduler again" in m for m in messages(caplog))
    assert allocation(stack, server_id)[node_uuid(stack)]["resources"]["MEMORY_MB"] == 512
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def test_a_build_request_no_conductor_picked_up_ends_in_error(stack, monkeypatch, caplog):
    from nova.conductor import api as conductor_api
    from nova.conductor.tasks import stale_builds

    lost = []
    # The broker loses the API's cast to the conductor.
    monkeypatch.setattr(conductor_api.ComputeTaskAPI, "schedule_and_build_instances",
                        lambda self, context, build_requests, *a, **k:
                        lost.extend(br.instance_uuid for br in build_requests))
    status, _h, body = stack.request("POST", "/servers", {"server": {
        "name": "lost", "flavorRef": stack.flavor, "imageRef": stack.image}})
    assert status == 202, body
    server_id = body["server"]["id"]
    assert lost == [server_id]
    assert show(stack, server_id)["status"] == "BUILD"
    conductor = [svc for svc in stack.services if svc.binary == "nova-conductor"][0]
    build_task = conductor.manager.compute_task_mgr.build_task
    ctxt = nova_context.get_admin_context()
    caplog.set_level(logging.WARNING)
    CONF.set_override("build_request_timeout", 3600, group="conductor")
    try:
        assert stale_builds.bury_stale_build_requests(ctxt, build_task) == []   # young
        CONF.set_override("build_request_timeout", 1, group="conductor")
        inprocess.wait_for(lambda: stale_builds.bury_stale_build_requests(ctxt, build_task)
                           == [server_id], timeout=5, interval=0.2, what="buried")
    finally:
        CONF.clear_override("build_request_timeout", group="conductor")
    server = show(stack, server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert "No conductor scheduled the server within 1 seconds" in \
        server["fault"]["message"]
    assert allocation(stack, server_id) == {}
    assert any(server_id in m and "never scheduled" in m for m in messages(caplog))
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def test_a_node_another_compute_owns_is_refused(stack, caplog):
    other = objects.Service(stack.ctxt, host="owner-host", binary="nova-compute",
                            topic="compute", report_count=0)
    other.create()
    owned = objects.ComputeNode(
        stack.ctxt, host="owner-host", hypervisor_hostname="shared-node", vcpus=1,
        memory_mb=1024, local_gb=10, vcpus_used=0, memory_mb_used=0, local_gb_used=0,
        hypervisor_type="fake", hypervisor_version=1, cpu_info="{}", service_id=other.id)
    owned.create()
    manager = stack.computes[HOST].manager
    caplog.set_level(logging.WARNING)
    manager.driver.set_nodes([HOST, "shared-node"])
    try:
        manager.update_available_resource(stack.ctxt)
        assert objects.ComputeNode.get_by_uuid(stack.ctxt, owned.uuid).host == "owner-host"
        assert [n.hypervisor_hostname for n in objects.ComputeNodeList.get_all_by_host(
            stack.ctxt, HOST)] == [HOST]
        assert any("shared-node" in m and "refused, not taken over" in m
                   for m in messages(caplog))
        # Once the owner's service is deleted (its nodes go with it), this
        # host's hypervisor gets the node.
        other.destroy()
        manager.update_available_resource(stack.ctxt)
        mine = objects.ComputeNode.get_by_host_and_nodename(stack.ctxt, HOST, "shared-node")
        assert stack.placement.get("/resource_providers/%s" % mine.uuid)["name"] == \
            "shared-node"
    finally:
        manager.driver.set_nodes([HOST])
        node = manager.rt.compute_nodes.pop("shared-node", None)
        if node is not None:
            node.destroy()
            stack.placement.request("DELETE", "/resource_providers/%s" % node.uuid)


def test_a_duplicate_vif_plugged_event_is_logged_and_changes_nothing(stack, caplog):
    server_id = boot(stack, "dup-event")
    caplog.set_level(logging.WARNING)
    event = {"name": "network-vif-plugged", "server_uuid": server_id,
             "tag": "dup-port", "status": "completed"}
    for _ in range(2):
        status, _h, body = stack.request("POST", "/os-server-external-events",
                                         {"events": [event]})
        assert status == 200, body
        assert body["events"][0]["code"] == 200
    inprocess.wait_for(lambda: sum(server_id in m and "unexpected event" in m
                                   for m in messages(caplog)) == 2, what="two log lines")
    server = show(stack, server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert allocation(stack, server_id)[node_uuid(stack)]["resources"]["MEMORY_MB"] == 512
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def test_a_delete_while_the_compute_is_down_mid_build_leaves_nothing(stack, caplog):
    """The compute dies during a spawn (the database says spawning, the
    hypervisor kept the half-built guest); the user deletes the server (a local
    delete, its compute being down); the restarted compute reaps the guest."""
    from tests.functional.compute_seed import mark_down
    server_id = boot(stack, "doomed")
    set_states(stack, server_id, vm_state="building", task_state="spawning")
    old = stack.computes[HOST]
    old.stop()
    old.rpcserver = None
    mark_down(objects.Service.get_by_compute_host(stack.ctxt, HOST))
    status, _h, _b = stack.request("DELETE", "/servers/%s" % server_id)
    assert status == 204
    stack.wait_for_gone(server_id)
    assert allocation(stack, server_id) == {}
    caplog.set_level(logging.WARNING)
    manager = restart_compute(stack, {server_id: power_state.RUNNING}).manager
    assert manager.cleanup_running_deleted_instances(stack.ctxt) == [server_id]
    assert server_id not in manager.driver.instances
    assert stack.request("GET", "/servers/%s" % server_id)[0] == 404
    assert allocation(stack, server_id) == {}
    assert any(server_id in m and "Destroying guest" in m for m in messages(caplog))


