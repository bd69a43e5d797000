"""InstanceAction / InstanceActionEvent: the os-instance-actions record."""

import datetime
import sys

from oslo_utils import timeutils
import pytest

from nova import context as nova_context
from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _request(ctxt, request_id):
    """A context for a new API request on the same cell database."""
    other = nova_context.RequestContext(user_id="u1", project_id="p1",
                                        request_id=request_id, is_admin=True)
    other.db_connection = ctxt.db_connection
    return other


def test_action_lifecycle(ctxt):
    inst = h.make_instance(ctxt)
    req = _request(ctxt, "req-11111111-1111-1111-1111-111111111111")
    action = objects.InstanceAction.action_start(req, inst.uuid, "reboot")
    assert (action.action, action.request_id, action.user_id, action.project_id) == \
        ("reboot", req.request_id, "u1", "p1")
    assert action.start_time.replace(tzinfo=None) == req.timestamp
    assert action.finish_time is None
    assert objects.InstanceAction.action_start(req, inst.uuid, "x", want_result=False) is None

    # Two actions of one request: the newest one is found.
    found = objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, req.request_id)
    assert found.action == "x" and found.id > action.id
    assert objects.InstanceAction.get_by_request_id(ctxt, inst.uuid, "req-none") is None

    finished = objects.InstanceAction.action_finish(req, inst.uuid)
    assert finished.finish_time is not None


def test_finish_without_start(ctxt):
    inst = h.make_instance(ctxt)
    with pytest.raises(exception.InstanceActionNotFound):
        objects.InstanceAction.action_finish(_request(ctxt, "req-missing"), inst.uuid)


def test_events_success_and_failure(ctxt):
    inst = h.make_instance(ctxt)
    req = _request(ctxt, "req-22222222-2222-2222-2222-222222222222")
    action = objects.InstanceAction.action_start(req, inst.uuid, "create")
    started = objects.InstanceActionEvent.event_start(req, inst.uuid,
                                                      "compute_build_and_run_instance",
                                                      host="compute1")
    assert started.action_id == action.id and started.result is None
    assert started.host == "compute1"
    done = objects.InstanceActionEvent.event_finish(req, inst.uuid,
                                                    "compute_build_and_run_instance")
    assert done.result == "Success" and done.finish_time is not None
    assert objects.InstanceAction.get_by_request_id(req, inst.uuid,
                                                    req.request_id).message is None

    objects.InstanceActionEvent.event_start(req, inst.uuid, "conductor_schedule")
    try:
        raise exception.InvalidInput(reason="no hosts left")
    except Exception as exc:
        failed = objects.InstanceActionEvent.event_finish_with_failure(
            req, inst.uuid, "conductor_schedule", exc_val=exc, exc_tb=sys.exc_info()[2],
            want_result=True)
    assert failed.result == "Error"
    assert "no hosts left" in failed.details
    assert "raise" in failed.traceback and "test_events_success_and_failure" in \
        failed.traceback
    assert objects.InstanceAction.get_by_request_id(req, inst.uuid,
                                                    req.request_id).message == "Error"

    events = objects.InstanceActionEventList.get_by_action(ctxt, action.id)
    assert [e.event for e in events] == ["conductor_schedule",
                                         "compute_build_and_run_instance"]
    one = objects.InstanceActionEvent.get_by_id(ctxt, action.id, failed.id)
    assert one.result == "Error"


def test_event_object_finish_methods(ctxt):
    inst = h.make_instance(ctxt)
    req = _request(ctxt, "req-33333333-3333-3333-3333-333333333333")
    objects.InstanceAction.action_start(req, inst.uuid, "stop")
    event = objects.InstanceActionEvent.event_start(req, inst.uuid, "compute_stop_instance")
    event.finish_with_failure(exc_val="disk on fire", exc_tb="Traceback: fire")
    assert (event.result, event.details, event.traceback) == \
        ("Error", "disk on fire", "Traceback: fire")
    event2 = objects.InstanceActionEvent.event_start(req, inst.uuid, "other")
    event2.finish()
    assert event2.result == "Success"


def test_event_errors(ctxt):
    inst = h.make_instance(ctxt)
    req = _request(ctxt, "req-44444444-4444-4444-4444-444444444444")
    with pytest.raises(exception.InstanceActionNotFound):
        objects.InstanceActionEvent.event_start(req, inst.uuid, "orphan")
    objects.InstanceAction.action_start(req, inst.uuid, "pause")
    with pytest.raises(exception.InstanceActionEventNotFound):
        objects.InstanceActionEvent.event_finish(req, inst.uuid, "never_started")


def test_list_newest_first_with_marker_and_time_filters(ctxt):
    inst = h.make_instance(ctxt)
    base = timeutils.utcnow().replace(microsecond=0)   # MySQL keeps whole seconds
    for i, name in enumerate(("create", "stop", "start", "reboot")):
        req = _request(ctxt, "req-%d" % i)
        req.timestamp = base + datetime.timedelta(minutes=i)
        objects.InstanceAction.action_start(req, inst.uuid, name)
    every = objects.InstanceActionList.get_by_instance_uuid(ctxt, inst.uuid)
    assert [a.action for a in every] == ["reboot", "start", "stop", "create"]
    page = objects.InstanceActionList.get_by_instance_uuid(ctxt, inst.uuid, limit=2)
    assert [a.action for a in page] == ["reboot", "start"]
    rest = objects.InstanceActionList.get_by_instance_uuid(ctxt, inst.uuid, limit=2,
                                                           marker=page[-1].request_id)
    assert [a.action for a in rest] == ["stop", "create"]
    with pytest.raises(exception.MarkerNotFound):
        objects.InstanceActionList.get_by_instance_uuid(ctxt, inst.uuid, marker="req-nope")

    since = objects.InstanceActionList.get_by_instance_uuid(
        ctxt, inst.uuid, changes_since=base + datetime.timedelta(minutes=2))
    assert [a.action for a in since] == ["reboot", "start"]
    before = objects.InstanceActionList.get_by_instance_uuid(
        ctxt, inst.uuid, filters={"changes-before": base + datetime.timedelta(minutes=1)})
    assert [a.action for a in before] == ["stop", "create"]


def test_actions_survive_a_soft_delete(ctxt):
    inst = h.make_instance(ctxt, host="h1")
    objects.InstanceAction.action_start(_request(ctxt, "req-del"), inst.uuid, "delete")
    inst.destroy()
    actions = objects.InstanceActionList.get_by_instance_uuid(ctxt, inst.uuid)
    assert [a.action for a in actions] == ["delete"]
