"""The cell objects used from a process without database access (nova-compute).

Every remotable call goes through the conductor's real ConductorManager, with
arguments, results and objects passed through the object serializer and JSON
as they would be on the wire. The compute side never touches SQL.
"""

import contextlib
import sys

import oslo_messaging as messaging
from oslo_serialization import jsonutils
import pytest

from nova.compute import task_states
from nova.conductor import manager as conductor_manager
from nova.db.main import api as main_db
from nova import exception
from nova import objects
from nova.objects import base as obj_base
from tests.unit.objects import cell_helpers as h


class WireConductor:
    """The indirection API of a compute process, answered in-process."""

    def __init__(self, conductor_ctxt):
        self.manager = conductor_manager.ConductorManager()
        self.serializer = obj_base.NovaObjectSerializer()
        self.ctxt = conductor_ctxt
        self.calls = []

    def _wire(self, value, receiver_ctxt):
        primitive = self.serializer.serialize_entity(receiver_ctxt, value)
        return self.serializer.deserialize_entity(
            receiver_ctxt, jsonutils.loads(jsonutils.dumps(primitive)))

    @contextlib.contextmanager
    def conductor_side(self):
        """Run the block as the conductor process: DB access, no indirection."""
        saved = obj_base.NovaObject.indirection_api, main_db.DISABLE_DB_ACCESS
        obj_base.NovaObject.indirection_api, main_db.DISABLE_DB_ACCESS = None, False
        try:
            yield
        finally:
            obj_base.NovaObject.indirection_api, main_db.DISABLE_DB_ACCESS = saved

    def _in_conductor(self, fn):
        with self.conductor_side():
            try:
                return fn()
            except messaging.ExpectedException as exc:
                # oslo.messaging re-raises nova's exceptions by class on the caller.
                raise exc.exc_info[1] from None

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        self.calls.append("%s.%s" % (objname, objmethod))
        args, kwargs = self._wire(args, self.ctxt), self._wire(kwargs, self.ctxt)
        result = self._in_conductor(lambda: self.manager.object_class_action_versions(
            self.ctxt, objname, objmethod, object_versions, args, kwargs))
        return self._wire(result, context)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append("%s().%s" % (objinst.obj_name(), objmethod))
        objinst = self._wire(objinst, self.ctxt)
        args, kwargs = self._wire(args, self.ctxt), self._wire(kwargs, self.ctxt)
        updates, result = self._in_conductor(lambda: self.manager.object_action(
            self.ctxt, objinst, objmethod, args, kwargs))
        return self._wire(updates, context), self._wire(result, context)

    def object_backport_versions(self, context, objinst, object_versions):
        return self.manager.object_backport_versions(context, objinst, object_versions)


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


@pytest.fixture
def compute(ctxt, monkeypatch):
    conductor = WireConductor(ctxt)
    monkeypatch.setattr(obj_base.NovaObject, "indirection_api", conductor)
    monkeypatch.setattr(main_db, "DISABLE_DB_ACCESS", True)
    return conductor


def test_compute_side_cannot_reach_the_database(ctxt, compute):
    from nova.db.main import instances as instances_db
    with pytest.raises(exception.DBNotAllowed):
        instances_db.instance_get_uuids_by_host(ctxt, "compute1")


def test_instance_life_on_a_compute_host(ctxt, compute):
    with compute.conductor_side():
        made = h.make_instance(ctxt, host="compute1", node="node1", metadata={"a": "1"},
                               flavor=h.make_flavor(), task_state=task_states.SPAWNING)

    instances = objects.InstanceList.get_by_host(ctxt, "compute1")
    assert [i.uuid for i in instances] == [made.uuid]
    inst = instances[0]
    # Lazy loads are remote calls too.
    assert inst.metadata == {"a": "1"}
    assert inst.flavor.name == "m1.small"
    assert "Instance.get_by_uuid" in compute.calls

    inst.metadata["b"] = "2"
    inst.task_state = None
    inst.power_state = 1
    inst.save(expected_task_state=[task_states.SPAWNING])
    assert inst.obj_what_changed() == set()
    assert inst.updated_at is not None   # the conductor's answer was applied

    stale = objects.Instance.get_by_uuid(ctxt, made.uuid)
    stale.task_state = task_states.REBOOTING
    with pytest.raises(exception.UnexpectedTaskStateError):
        stale.save(expected_task_state=[task_states.SPAWNING])

    counts = objects.InstanceList.get_counts(ctxt, "fake-project")
    assert counts["project"]["instances"] == 1

    with compute.conductor_side():
        final = objects.Instance.get_by_uuid(ctxt, made.uuid, expected_attrs=["metadata"])
    assert final.metadata == {"a": "1", "b": "2"} and final.task_state is None


def test_actions_faults_bdms_and_migrations_from_a_compute_host(ctxt, compute):
    with compute.conductor_side():
        inst = h.make_instance(ctxt, host="compute1")
        objects.InstanceAction.action_start(ctxt, inst.uuid, "reboot")

    objects.InstanceActionEvent.event_start(ctxt, inst.uuid, "compute_reboot_instance")
    try:
        raise RuntimeError("guest did not come back")
    except RuntimeError as exc:
        # A real traceback object: it must become text before crossing RPC.
        objects.InstanceActionEvent.event_finish_with_failure(
            ctxt, inst.uuid, "compute_reboot_instance", exc_val=exc,
            exc_tb=sys.exc_info()[2])
    action = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, ctxt.request_id)
    assert action.message == "Error"
    event = objects.InstanceActionEventList.get_by_action(ctxt, action.id)[0]
    assert event.details == "guest did not come back" and "RuntimeError" not in event.details
    assert "raise RuntimeError" in event.traceback

    objects.InstanceFault(ctxt, instance_uuid=inst.uuid, code=500,
                          message="guest did not come back", host="compute1").create()
    assert objects.InstanceFault.get_latest_for_instance(ctxt, inst.uuid).code == 500

    bdm = objects.BlockDeviceMapping(ctxt, instance_uuid=inst.uuid, source_type="blank",
                                     destination_type="local", boot_index=-1,
                                     guest_format="swap", volume_size=1)
    bdm.create()
    assert [b.id for b in objects.BlockDeviceMappingList.get_by_instance_uuid(
        ctxt, inst.uuid)] == [bdm.id]

    mig = objects.Migration(ctxt, instance_uuid=inst.uuid, source_compute="compute1",
                            source_node="node1", dest_compute="compute2",
                            dest_node="node2", status="migrating",
                            migration_type="migration")
    mig.create()
    assert len(mig.uuid) == 36
    assert [m.id for m in objects.MigrationList.get_in_progress_by_host_and_node(
        ctxt, "compute1", "node1")] == [mig.id]

    objects.Tag(ctxt, resource_id=inst.uuid, tag="rebooted").create()
    assert objects.Tag.exists(ctxt, inst.uuid, "rebooted")
