"""InstanceFault(+List) on a real (SQLite) cell database."""

import pytest

from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _fault(ctxt, uuid, message, code=500):
    fault = objects.InstanceFault(ctxt, instance_uuid=uuid, code=code, message=message,
                                  details="Traceback ...", host="compute1")
    fault.create()
    return fault


def test_create_and_latest(ctxt):
    inst = h.make_instance(ctxt)
    assert objects.InstanceFault.get_latest_for_instance(ctxt, inst.uuid) is None
    first = _fault(ctxt, inst.uuid, "first")
    assert first.id > 0 and first.created_at is not None
    _fault(ctxt, inst.uuid, "second", code=404)
    latest = objects.InstanceFault.get_latest_for_instance(ctxt, inst.uuid)
    assert (latest.message, latest.code, latest.host) == ("second", 404, "compute1")
    assert latest.details == "Traceback ..."
    with pytest.raises(exception.ObjectActionError):
        first.create()


def test_long_message_is_cut_to_the_column(ctxt):
    inst = h.make_instance(ctxt)
    _fault(ctxt, inst.uuid, "x" * 1000)
    assert len(objects.InstanceFault.get_latest_for_instance(ctxt, inst.uuid).message) == 255


def test_list_by_instance_uuids(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    c = h.make_instance(ctxt)
    for message in ("a1", "a2"):
        _fault(ctxt, a.uuid, message)
    _fault(ctxt, b.uuid, "b1")
    latest = objects.InstanceFaultList.get_by_instance_uuids(ctxt, [a.uuid, b.uuid, c.uuid])
    assert sorted(f.message for f in latest) == ["a2", "b1"]
    assert sorted(f.message for f in objects.InstanceFaultList.get_latest_by_instance_uuids(
        ctxt, [a.uuid])) == ["a2"]
    every = objects.InstanceFaultList.get_by_instance_uuids(ctxt, [a.uuid], latest=False)
    assert [f.message for f in every] == ["a2", "a1"]
    assert len(objects.InstanceFaultList.get_by_instance_uuids(ctxt, [])) == 0
