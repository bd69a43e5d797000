"""The compute operation wrapper (nova.compute.operation) as the manager runs it.

A ComputeManager on the fake hypervisor, a private SQLite cell database and
the real Placement served in this process: each test drives one manager
operation and reads back what a user would see: the instance's states, its
fault, the action event and the Placement allocation.
"""

import uuid

import pytest

import nova.conf
from nova.compute import manager as compute_manager
from nova.compute import operation
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova import rpc
from nova.virt import fake
from tests.functional import placement_fixture
from tests.unit.objects import cell_helpers as h

CONF = nova.conf.CONF
HOST = "op-host"


@pytest.fixture(autouse=True)
def fake_transport():
    """The manager builds RPC clients (scheduler, conductor): an in-memory bus."""
    rpc.register_opts(CONF)
    CONF.set_override("transport_url", "fake://")
    rpc.init(CONF)
    yield
    rpc.cleanup()
    CONF.clear_override("transport_url")


@pytest.fixture(scope="module")
def placement(tmp_path_factory):
    running, stop = placement_fixture.start_placement(tmp_path_factory.mktemp("placement"))
    provider = str(uuid.uuid4())
    status, body = running.request("POST", "/resource_providers",
                                   {"name": HOST, "uuid": provider})
    assert status == 200, body
    status, body = running.request("PUT", "/resource_providers/%s/inventories" % provider, {
        "resource_provider_generation": 0,
        "inventories": {"VCPU": {"total": 64}, "MEMORY_MB": {"total": 65536}}})
    assert status == 200, body
    running.provider = provider
    yield running
    stop()


@pytest.fixture
def ctxt(tmp_path):
    """A request on a private cell database (and API database: the flat network's IPs)."""
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as api:
        api_models.ApiBase.metadata.create_all(api.writer.get_engine())
        ctxt = h.cell_context(tmp_path)
        ctxt.request_id = "req-%s" % uuid.uuid4()
        yield ctxt


class _Broken(Exception):
    """What the test hypervisor raises."""


class _BreakingDriver(fake.FakeDriver):
    """The fake hypervisor, with chosen calls raising _Broken."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.broken = set()

    def _maybe_break(self, call):
        if call in self.broken:
            raise _Broken("%s failed on the hypervisor" % call)

    def reboot(self, context, instance, network_info, reboot_type, **kwargs):
        self._maybe_break("reboot")
        return super().reboot(context, instance, network_info, reboot_type, **kwargs)

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._maybe_break("power_off")
        return super().power_off(instance, timeout, retry_interval)

    def destroy(self, context, instance, network_info, **kwargs):
        self._maybe_break("destroy")
        return super().destroy(context, instance, network_info, **kwargs)


class _Manager(compute_manager.ComputeManager):
    """The manager plus operations declared only here, to try the mapping rules."""

    @operation.compute_operation(
        event="resize_disk", success_vm_state=vm_states.ACTIVE,
        error_vm_state={exception.InstanceInvalidState: None, _Broken: vm_states.ERROR},
        on_error_allocation=operation.RELEASE)
    def resize_disk(self, context, instance, error):
        if error is not None:
            raise error
        return "resized"


@pytest.fixture
def manager():
    mgr = _Manager(compute_driver="fake.FakeDriver", host=HOST)
    mgr.driver = _BreakingDriver(mgr.virtapi)
    mgr.driver.init_host(HOST)
    return mgr


def _server(ctxt, manager, placement, task_state=None, vm_state=vm_states.ACTIVE,
            guest_state=power_state.RUNNING):
    """An instance on HOST with a guest, a started action and a Placement allocation."""
    inst = h.make_instance(ctxt, host=HOST, node=HOST, vm_state=vm_state,
                           task_state=task_state, power_state=guest_state)
    manager.driver.add_instance(inst.name, inst.uuid, state=guest_state)
    objects.InstanceAction.action_start(ctxt, inst.uuid, "act", want_result=False)
    status, body = placement.request("PUT", "/allocations/%s" % inst.uuid, {
        "allocations": {placement.provider: {"resources": {"VCPU": 1, "MEMORY_MB": 512}}},
        "project_id": inst.project_id, "user_id": inst.user_id,
        "consumer_generation": None}, version="1.28")
    assert status == 204, body
    return inst


def _reloaded(ctxt, inst):
    return objects.Instance.get_by_uuid(h.with_read_deleted(ctxt, "yes"), inst.uuid)


def _event(ctxt, inst, name):
    action = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id)
    events = [e for e in objects.InstanceActionEventList.get_by_action(ctxt, action.id)
              if e.event == name]
    assert len(events) == 1, [e.event for e in events]
    return events[0]


def _fault(ctxt, inst):
    return objects.InstanceFault.get_latest_for_instance(ctxt, inst.uuid)


def _allocated(placement, inst):
    return placement.get("/allocations/%s" % inst.uuid)["allocations"] != {}


# -- success ----------------------------------------------------------------------


def test_stop_finishes_in_stopped_with_the_guest_power_state(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.POWERING_OFF)
    manager.stop_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state) == \
        (vm_states.STOPPED, None, power_state.SHUTDOWN)
    event = _event(ctxt, inst, "compute_stop_instance")
    assert (event.result, event.host, event.traceback) == ("Success", HOST, None)
    assert _fault(ctxt, inst) is None
    assert _allocated(placement, inst)


def test_crash_dump_changes_no_state(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement)
    manager.trigger_crash_dump(ctxt, inst)
    assert manager.driver.instances[inst.uuid].crash_dumps == 1
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ACTIVE, None)
    assert _event(ctxt, inst, "compute_trigger_crash_dump").result == "Success"


# -- failure -----------------------------------------------------------------------


def test_failed_reboot_ends_in_error_with_fault_event_traceback_and_allocation(
        ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.REBOOTING_HARD)
    manager.driver.broken.add("reboot")
    with pytest.raises(_Broken):
        manager.reboot_instance(ctxt, inst, reboot_type="HARD")
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state) == \
        (vm_states.ERROR, None, power_state.RUNNING)
    event = _event(ctxt, inst, "compute_reboot_instance")
    assert event.result == "Error"
    assert "reboot failed on the hypervisor" in event.details
    assert "_maybe_break" in event.traceback and "reboot_instance" in event.traceback
    fault = _fault(ctxt, inst)
    # Not a NovaException: a 500 that names the class, the traceback for admins.
    assert (fault.code, fault.message, fault.host) == (500, "_Broken", HOST)
    assert "reboot failed on the hypervisor" in fault.details
    assert "_maybe_break" in fault.details
    assert _allocated(placement, inst)


def test_failed_stop_reverts_the_task_and_keeps_the_vm_state(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.POWERING_OFF)
    manager.driver.broken.add("power_off")
    with pytest.raises(_Broken):
        manager.stop_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state) == \
        (vm_states.ACTIVE, None, power_state.RUNNING)
    assert _event(ctxt, inst, "compute_stop_instance").result == "Error"
    assert _fault(ctxt, inst).message == "_Broken"
    assert _allocated(placement, inst)


def test_driver_refusal_is_a_fault_with_its_own_code(ctxt, manager, placement):
    # Pausing a guest that is not running: the hypervisor says InstanceInvalidState.
    inst = _server(ctxt, manager, placement, task_state=task_states.PAUSING,
                   guest_state=power_state.SHUTDOWN)
    with pytest.raises(exception.InstanceInvalidState):
        manager.pause_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state) == \
        (vm_states.ACTIVE, None, power_state.SHUTDOWN)
    fault = _fault(ctxt, inst)
    assert fault.code == 400 and "Cannot fake hypervisor" in fault.message


def test_error_vm_state_mapping_and_released_allocation(ctxt, manager, placement):
    first = _server(ctxt, manager, placement, task_state=task_states.RESIZE_PREP)
    with pytest.raises(_Broken):
        manager.resize_disk(ctxt, first, _Broken("disk gone"))
    shown = _reloaded(ctxt, first)
    assert (shown.vm_state, shown.task_state) == (vm_states.ERROR, None)
    assert not _allocated(placement, first)
    assert _event(ctxt, first, "compute_resize_disk").result == "Error"

    second = _server(ctxt, manager, placement, task_state=task_states.RESIZE_PREP)
    refused = exception.InstanceInvalidState(instance_uuid=second.uuid, attr="vm_state",
                                             state="active", method="resize")
    with pytest.raises(exception.InstanceInvalidState):
        manager.resize_disk(ctxt, second, refused)
    shown = _reloaded(ctxt, second)
    assert (shown.vm_state, shown.task_state) == (vm_states.ACTIVE, None)
    assert not _allocated(placement, second)

    # An error the mapping does not name keeps the vm_state too.
    third = _server(ctxt, manager, placement, task_state=task_states.RESIZE_PREP)
    with pytest.raises(ValueError):
        manager.resize_disk(ctxt, third, ValueError("bad size"))
    assert _reloaded(ctxt, third).vm_state == vm_states.ACTIVE
    assert _fault(ctxt, third).message == "ValueError"

    # And the success path of the same declaration.
    fourth = _server(ctxt, manager, placement, task_state=task_states.RESIZE_PREP)
    assert manager.resize_disk(ctxt, fourth, None) == "resized"
    assert _reloaded(ctxt, fourth).task_state is None
    assert _allocated(placement, fourth)


def test_failed_delete_ends_in_error_and_keeps_the_allocation(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.DELETING)
    manager.driver.broken.add("destroy")
    with pytest.raises(_Broken):
        manager.terminate_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.deleted) == \
        (vm_states.ERROR, None, False)
    assert _event(ctxt, inst, "compute_terminate_instance").result == "Error"
    assert _fault(ctxt, inst).message == "_Broken"
    assert _allocated(placement, inst)
    # Deleting it again works once the hypervisor does.
    manager.driver.broken.clear()
    shown.task_state = task_states.DELETING
    shown.save()
    manager.terminate_instance(ctxt, shown)
    assert _reloaded(ctxt, inst).deleted
    assert not _allocated(placement, inst)
    assert inst.uuid not in manager.driver.instances


# -- someone else got there first ------------------------------------------------------


def test_delete_during_an_operation_wins_quietly(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.POWERING_OFF)
    # The API accepted a delete after this stop was cast.
    deleting = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    deleting.task_state = task_states.DELETING
    deleting.save()
    assert manager.stop_instance(ctxt, inst) is None
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ACTIVE, task_states.DELETING)
    assert _event(ctxt, inst, "compute_stop_instance").result == "Success"
    assert _fault(ctxt, inst) is None
    assert _allocated(placement, inst)


def test_guest_missing_on_the_hypervisor_is_a_failure_not_a_delete(ctxt, manager,
                                                                   placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.POWERING_OFF)
    manager.driver.remove_instance(inst.uuid)
    with pytest.raises(exception.InstanceNotFound):
        manager.stop_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state) == \
        (vm_states.ACTIVE, None, power_state.NOSTATE)
    assert _fault(ctxt, inst).code == 404
    assert _event(ctxt, inst, "compute_stop_instance").result == "Error"
    assert _allocated(placement, inst)


def test_preempted_task_is_left_to_its_new_owner(ctxt, manager, placement):
    inst = _server(ctxt, manager, placement, task_state=task_states.REBOOTING)
    # Something else took the instance over: its task state is no reboot state.
    other = objects.Instance.get_by_uuid(ctxt, inst.uuid)
    other.task_state = task_states.PAUSING
    other.save()
    with pytest.raises(exception.UnexpectedTaskStateError):
        manager.reboot_instance(ctxt, inst)
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ACTIVE, task_states.PAUSING)
    assert _event(ctxt, inst, "compute_reboot_instance").result == "Error"
    assert _fault(ctxt, inst).code == 409
    assert _allocated(placement, inst)


# -- every operation uses it -------------------------------------------------------------


def test_every_instance_operation_declares_its_rules():
    from nova.compute import build
    from nova.compute import delete
    from nova.compute import power
    declared = {}
    for family in (build.BuildOperations, power.PowerOperations, delete.DeleteOperations):
        for name, member in vars(family).items():
            rules = getattr(member, "operation_rules", None)
            if rules is not None:
                declared[name] = rules
    assert set(declared) == {
        "_build_and_run_instance", "reboot_instance", "stop_instance", "start_instance",
        "pause_instance", "unpause_instance", "suspend_instance", "resume_instance",
        "trigger_crash_dump", "terminate_instance"}
    # The RPC methods of the power and delete families are the operations themselves.
    for family in (power.PowerOperations, delete.DeleteOperations):
        public = {n for n in vars(family) if not n.startswith("_")}
        assert public <= set(declared), public - set(declared)
    assert declared["_build_and_run_instance"].on_error_allocation == operation.RELEASE
    assert declared["_build_and_run_instance"].event == "build_and_run_instance"
    assert declared["reboot_instance"].vm_state_after(_Broken()) == vm_states.ERROR
    assert declared["stop_instance"].vm_state_after(_Broken()) is None
    assert declared["terminate_instance"].vm_state_after(_Broken()) == vm_states.ERROR
    assert declared["terminate_instance"].on_error_allocation == operation.KEEP


def test_rules_refuse_an_unknown_allocation_rule():
    with pytest.raises(ValueError, match="on_error_allocation"):
        operation.compute_operation(on_error_allocation="free")(lambda *a: None)


# -- build ----------------------------------------------------------------------------


def _scheduled(ctxt, manager, placement):
    """An instance the scheduler placed on HOST (claimed, not yet built)."""
    inst = _server(ctxt, manager, placement, task_state=task_states.SCHEDULING,
                   vm_state=vm_states.BUILDING, guest_state=power_state.NOSTATE)
    manager.driver.remove_instance(inst.uuid)
    inst.flavor = h.make_flavor(memory_mb=512)
    inst.save()
    return inst


def _fixed_ips(ctxt, inst):
    return objects.FixedIPList.get_by_instance_uuid(ctxt, inst.uuid)


def test_build_reaches_active(ctxt, manager, placement):
    inst = _scheduled(ctxt, manager, placement)
    manager.build_and_run_instance(ctxt, inst, {})
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.power_state, shown.launched_on) == \
        (vm_states.ACTIVE, None, power_state.RUNNING, HOST)
    assert shown.launched_at is not None
    assert _event(ctxt, inst, "compute_build_and_run_instance").result == "Success"
    assert _allocated(placement, inst)
    assert len(_fixed_ips(ctxt, inst)) == 1


def test_failed_build_without_alternates_ends_in_error_and_releases(
        ctxt, manager, placement):
    CONF.set_override("max_attempts", 1, group="scheduler")
    try:
        inst = _scheduled(ctxt, manager, placement)
        manager.driver.fail_next_spawns(1, message="no room on the disk")
        manager.build_and_run_instance(ctxt, inst, {})   # a cast: nothing raised
    finally:
        CONF.clear_override("max_attempts", group="scheduler")
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ERROR, None)
    fault = _fault(ctxt, inst)
    assert fault.message == "SpawnFailure" and "no room on the disk" in fault.details
    event = _event(ctxt, inst, "compute_build_and_run_instance")
    assert event.result == "Error" and "SpawnFailure" in event.traceback
    assert not _allocated(placement, inst)
    assert inst.uuid not in manager.driver.instances
    assert len(_fixed_ips(ctxt, inst)) == 0


def test_failed_build_with_alternates_goes_back_to_the_conductor(ctxt, manager, placement):
    CONF.set_override("max_attempts", 3, group="scheduler")
    try:
        inst = _scheduled(ctxt, manager, placement)
        manager.driver.fail_next_spawns(1, message="no room on the disk")
        manager.build_and_run_instance(ctxt, inst, {})
    finally:
        CONF.clear_override("max_attempts", group="scheduler")
    shown = _reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state, shown.host, shown.node) == \
        (vm_states.BUILDING, task_states.SCHEDULING, None, None)
    fault = _fault(ctxt, inst)
    assert fault.message == ("Build of instance %s was re-scheduled: no room on the disk"
                             % inst.uuid)
    # This host's part ended; the create action goes on elsewhere, no error.
    assert _event(ctxt, inst, "compute_build_and_run_instance").result == "Success"
    # The conductor claims the alternate host for the same consumer.
    assert not _allocated(placement, inst)
    assert inst.uuid not in manager.driver.instances


def test_build_of_a_deleted_instance_is_dropped_quietly(ctxt, manager, placement):
    inst = _scheduled(ctxt, manager, placement)
    objects.Instance.get_by_uuid(ctxt, inst.uuid).destroy()
    manager.build_and_run_instance(ctxt, inst, {})
    assert _fault(ctxt, inst) is None
    assert not _allocated(placement, inst)
    assert inst.uuid not in manager.driver.instances
