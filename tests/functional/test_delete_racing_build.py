"""A server deleted while it is built, at every step of the build.

The whole control plane runs in this process (stack_fixture) with one fake
compute, the real Placement and the Neutron stand-in. Each test holds one
build at one step, at an edge of the code under test (the scheduler and
compute RPC clients the conductor calls, the compute's RPC endpoint, the
network API, the fake hypervisor), deletes the server through the REST API
while it is held, lets the build go on and then checks that nothing is left:
the server answers 404, Placement holds no allocation for it (the provider's
usages are back to 0), Neutron has no port of it, no build request, no live
request spec or instance mapping remains (a mapping queued for delete waits
for the archive, as upstream's), the hypervisor has no guest, and one log
line says the build stopped because the instance was deleted.
"""

import logging
import threading

import pytest

from nova.api.openstack.compute import server_create
from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
from nova.conductor import manager as conductor_manager
from nova import exception
from nova.network import neutron as neutron_api
from nova import objects
from nova.scheduler.client import report
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova.virt import fake
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
HOSTS = ("racer1", "racer2")
USER = {"user": "u1", "project": "p1"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    standin, _url, stop_neutron = neutron_standin.start_backend(monkeypatch,
                                                                (server_create,))
    tmp_path = tmp_path_factory.mktemp("delete-racing-build")
    try:
        cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=HOSTS)
        try:
            standin.add_network("private", "p1", cidr="10.7.0.0/24")
            standin.add_security_group("p1", "default")
            cloud.neutron = standin
            cloud.flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
            cloud.image = cloud.create_image()
            cloud.rps = [inprocess.wait_for(lambda: _provider(cloud, host), timeout=30,
                                            what="provider of %s" % host)
                         for host in HOSTS]
            yield cloud
        finally:
            stack_fixture.stop_all(stops)
    finally:
        stop_neutron()
        monkeypatch.undo()


def _provider(cloud, host):
    rps = cloud.placement.get("/resource_providers?name=%s" % host)["resource_providers"]
    return rps[0]["uuid"] if rps else None


class Gate:
    """Where a build waits: ``reached`` once it got there, then it waits for
    ``release`` (a minute at most, so that a broken test cannot hang)."""

    def __init__(self):
        self.reached = threading.Event()
        self.released = threading.Event()

    def hold(self):
        self.reached.set()
        self.released.wait(60)


def _before(gate, original):
    def held(*args, **kwargs):
        gate.hold()
        return original(*args, **kwargs)
    return held


def _after(gate, original):
    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        gate.hold()
        return result
    return held


# Each step: (the task state the server shows while it is held, how to hold it).
# The holds patch the class an edge call goes through, for this test only.
STEPS = {
    # The API wrote the build request; the conductor has not asked the scheduler.
    "build-request": (
        "scheduling", lambda mp, gate: mp.setattr(
            scheduler_rpcapi.SchedulerAPI, "select_destinations",
            _before(gate, scheduler_rpcapi.SchedulerAPI.select_destinations))),
    # The scheduler picked the host and claimed the resources in Placement.
    "scheduled": (
        "scheduling", lambda mp, gate: mp.setattr(
            scheduler_rpcapi.SchedulerAPI, "select_destinations",
            _after(gate, scheduler_rpcapi.SchedulerAPI.select_destinations))),
    # The instance is in its cell, mapped, its build request gone; not cast yet.
    "in-cell": (
        "scheduling", lambda mp, gate: mp.setattr(
            compute_rpcapi.ComputeAPI, "build_and_run_instance",
            _before(gate, compute_rpcapi.ComputeAPI.build_and_run_instance))),
    # The compute received the build.
    "compute-received": (
        "scheduling", lambda mp, gate: mp.setattr(
            compute_manager.ComputeManager, "build_and_run_instance",
            _before(gate, compute_manager.ComputeManager.build_and_run_instance))),
    # Networking: before Neutron was asked for ports...
    "networking": (
        "networking", lambda mp, gate: mp.setattr(
            neutron_api.API, "allocate_for_instance",
            _before(gate, neutron_api.API.allocate_for_instance))),
    # ... and once the ports exist.
    "networked": (
        "networking", lambda mp, gate: mp.setattr(
            neutron_api.API, "allocate_for_instance",
            _after(gate, neutron_api.API.allocate_for_instance))),
    # Block device mapping: the hypervisor prepares for the guest.
    "block-device-mapping": (
        "block_device_mapping", lambda mp, gate: mp.setattr(
            fake.FakeDriver, "prepare_for_spawn",
            _before(gate, fake.FakeDriver.prepare_for_spawn))),
    # Spawning, before the hypervisor made the guest...
    "spawning": (
        "spawning", lambda mp, gate: mp.setattr(
            fake.FakeDriver, "spawn", _before(gate, fake.FakeDriver.spawn))),
    # ... and with the guest made, before the server went ACTIVE.
    "spawned": (
        "spawning", lambda mp, gate: mp.setattr(
            fake.FakeDriver, "spawn", _after(gate, fake.FakeDriver.spawn))),
    # The first host's spawn failed; the compute handed the instance back to
    # the conductor, which is about to claim on an alternate host.
    # The first host's spawn failed; its compute is about to give the claim
    # back and hand the instance to the conductor.
    "handing-back": ("spawning", lambda mp, gate: _hold_hand_back(mp, gate)),
    # The conductor got it back and is about to claim on an alternate host.
    "rescheduled": ("scheduling", lambda mp, gate: _hold_reschedule(mp, gate)),
}


def _fail_first_spawn(mp):
    failed = []
    original = fake.FakeDriver.spawn

    def spawn_failing_once(self, *args, **kwargs):
        if not failed:
            failed.append(self)
            raise fake.SpawnFailure("injected spawn failure")
        return original(self, *args, **kwargs)

    mp.setattr(fake.FakeDriver, "spawn", spawn_failing_once)
    return failed


def _hold_hand_back(mp, gate):
    failed = _fail_first_spawn(mp)
    original = report.SchedulerReportClient.delete_allocation_for_instance

    def delete_allocation(self, *args, **kwargs):
        # The first release after the failed spawn: the compute's, as it
        # hands the instance back (the failed build released nothing before).
        if failed and not gate.reached.is_set():
            gate.hold()
        return original(self, *args, **kwargs)

    mp.setattr(report.SchedulerReportClient, "delete_allocation_for_instance",
               delete_allocation)


def _hold_reschedule(mp, gate):
    _fail_first_spawn(mp)
    mp.setattr(conductor_manager.ComputeTaskManager, "build_instances",
               _before(gate, conductor_manager.ComputeTaskManager.build_instances))


def _task_state(cloud, server_id):
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id, **USER)
    assert status == 200, body
    return body["server"]["OS-EXT-STS:task_state"]


def _stopped_lines(caplog, server_id):
    return [r.getMessage() for r in caplog.records
            if server_id in r.getMessage() and "stopped: the instance was deleted"
            in r.getMessage()]


def _api_records_left(cloud, server_id):
    """What the API database still holds for the server that is not on its
    way out (a mapping queued for delete, and its spec, wait for the archive)."""
    left = []
    try:
        objects.BuildRequest.get_by_instance_uuid(cloud.ctxt, server_id)
        left.append("build request")
    except exception.BuildRequestNotFound:
        pass
    try:
        mapping = objects.InstanceMapping.get_by_instance_uuid(cloud.ctxt, server_id)
    except exception.InstanceMappingNotFound:
        mapping = None
    if mapping is not None and not mapping.queued_for_delete:
        left.append("instance mapping")
    try:
        objects.RequestSpec.get_by_instance_uuid(cloud.ctxt, server_id)
        if mapping is None or not mapping.queued_for_delete:
            left.append("request spec")
    except exception.RequestSpecNotFound:
        pass
    return left


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("release", ["once-deleted", "at-once"])
def test_a_delete_during_the_build_leaves_nothing(stack, step, release, caplog):
    """``once-deleted``: the build goes on once the server is gone (404);
    ``at-once``: as soon as the API accepted the delete (the build races the
    compute's terminate)."""
    caplog.set_level(logging.INFO)
    task_state, hold = STEPS[step]
    gate = Gate()
    with pytest.MonkeyPatch.context() as mp:
        hold(mp, gate)
        try:
            status, _h, body = stack.request("POST", "/servers", {"server": {
                "name": "racer-" + step, "flavorRef": stack.flavor,
                "imageRef": stack.image}}, **USER)
            assert status == 202, body
            server_id = body["server"]["id"]
            assert gate.reached.wait(30), "the build never reached " + step
            assert _task_state(stack, server_id) == task_state
            status, _h, body = stack.request("DELETE", "/servers/%s" % server_id, **USER)
            assert status == 204, body
            if release == "once-deleted":
                stack.wait_for_gone(server_id)
        finally:
            gate.released.set()
        inprocess.wait_for(lambda: _stopped_lines(caplog, server_id), timeout=30,
                           what="the build of %s to stop" % server_id)
    stack.wait_for_gone(server_id)
    assert len(_stopped_lines(caplog, server_id)) == 1, _stopped_lines(caplog, server_id)
    assert stack.placement.get("/allocations/%s" % server_id)["allocations"] == {}
    for rp in stack.rps:
        usages = stack.placement.get("/resource_providers/%s/usages" % rp)["usages"]
        assert set(usages.values()) <= {0}, usages
    assert [p for p in stack.neutron.ports.values() if p["device_id"] == server_id] == []
    assert _api_records_left(stack, server_id) == []
    assert [h for h in HOSTS if server_id in stack.driver(h).instances] == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
