"""Migration(+List) on a real (SQLite) cell database."""

import datetime

from oslo_utils import timeutils
import pytest

from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _migration(ctxt, instance_uuid, **kwargs):
    values = {"instance_uuid": instance_uuid, "source_compute": "src", "source_node": "src-n",
              "dest_compute": "dst", "dest_node": "dst-n", "status": "migrating",
              "old_instance_type_id": 1, "new_instance_type_id": 1,
              "migration_type": "migration"}
    values.update(kwargs)
    mig = objects.Migration(ctxt, **values)
    mig.create()
    return mig


def test_create_generates_uuid_and_defaults(ctxt):
    inst = h.make_instance(ctxt)
    mig = objects.Migration(ctxt, instance_uuid=inst.uuid, source_compute="a",
                            dest_compute="b", status="pre-migrating",
                            old_instance_type_id=1, new_instance_type_id=2)
    mig.create()
    assert mig.id > 0 and len(mig.uuid) == 36
    assert mig.migration_type == "resize" and mig.is_resize
    assert mig.hidden is False and mig.cross_cell_move is False
    with pytest.raises(exception.ObjectActionError):
        mig.create()
    assert objects.Migration.get_by_id(ctxt, mig.id).uuid == mig.uuid
    assert objects.Migration.get_by_uuid(ctxt, mig.uuid).id == mig.id
    with pytest.raises(exception.MigrationNotFound):
        objects.Migration.get_by_id(ctxt, 999)
    with pytest.raises(ValueError):
        objects.Migration(migration_type="teleport")


def test_save_and_lookup_by_instance_and_status(ctxt):
    inst = h.make_instance(ctxt, display_name="moving")
    mig = _migration(ctxt, inst.uuid, migration_type="live-migration", status="queued")
    assert mig.is_live_migration
    mig.status = "running"
    mig.memory_total = 1024
    mig.save()
    found = objects.Migration.get_by_instance_and_status(ctxt, inst.uuid, "running")
    assert found.id == mig.id and found.memory_total == 1024
    assert found.instance.display_name == "moving"
    with pytest.raises(exception.MigrationNotFoundByStatus):
        objects.Migration.get_by_instance_and_status(ctxt, inst.uuid, "finished")
    assert objects.Migration.get_by_id_and_instance(ctxt, mig.id, inst.uuid).id == mig.id
    with pytest.raises(exception.MigrationNotFoundForInstance):
        objects.Migration.get_by_id_and_instance(ctxt, mig.id, "other")
    in_progress = objects.MigrationList.get_in_progress_by_instance(ctxt, inst.uuid)
    assert [m.id for m in in_progress] == [mig.id]


def test_in_progress_by_host_and_node(ctxt):
    inst = h.make_instance(ctxt)
    out = _migration(ctxt, inst.uuid, status="migrating")
    into = _migration(ctxt, inst.uuid, source_compute="other", source_node="other-n",
                      dest_compute="src", dest_node="src-n", status="finished")
    _migration(ctxt, inst.uuid, status="confirmed")
    _migration(ctxt, inst.uuid, status="error")
    _migration(ctxt, inst.uuid, source_node="another-node", status="migrating")
    found = objects.MigrationList.get_in_progress_by_host_and_node(ctxt, "src", "src-n")
    assert sorted(m.id for m in found) == sorted([out.id, into.id])


def test_get_by_filters(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    m1 = _migration(ctxt, a.uuid, status="finished", migration_type="resize")
    m2 = _migration(ctxt, b.uuid, status="error", source_compute="x", dest_compute="y")
    m3 = _migration(ctxt, a.uuid, status="completed", migration_type="live-migration",
                    hidden=True)

    def ids(filters, **kwargs):
        return [m.id for m in objects.MigrationList.get_by_filters(ctxt, filters, **kwargs)]

    assert ids({}) == [m1.id, m2.id, m3.id]
    assert ids({"status": "error"}) == [m2.id]
    assert ids({"status": ["finished", "completed"]}) == [m1.id, m3.id]
    assert ids({"host": "y"}) == [m2.id]
    assert ids({"source_compute": "src"}) == [m1.id, m3.id]
    assert ids({"instance_uuid": a.uuid}) == [m1.id, m3.id]
    assert ids({"migration_type": "live-migration"}) == [m3.id]
    assert ids({"hidden": False}) == [m1.id, m2.id]
    assert ids({"uuid": [m2.uuid]}) == [m2.id]
    # Paging: newest first, after the marker.
    assert ids({}, limit=2) == [m3.id, m2.id]
    assert ids({}, limit=2, marker=m2.uuid) == [m1.id]
    with pytest.raises(exception.MarkerNotFound):
        ids({}, marker="nope")

    later = timeutils.utcnow() + datetime.timedelta(minutes=5)
    timeutils.set_time_override(later)
    try:
        m2.status = "failed"
        m2.save()
    finally:
        timeutils.clear_time_override()
    assert ids({"changes-since": later - datetime.timedelta(seconds=1)}) == [m2.id]


def test_unconfirmed_resizes(ctxt):
    inst = h.make_instance(ctxt)
    mig = _migration(ctxt, inst.uuid, status="finished")
    fresh = _migration(ctxt, inst.uuid, status="finished")
    timeutils.set_time_override(timeutils.utcnow() - datetime.timedelta(hours=2))
    try:
        mig.status = "finished"
        mig.memory_total = 1   # a change so that save() writes updated_at
        mig.save()
    finally:
        timeutils.clear_time_override()
    fresh.memory_total = 1
    fresh.save()
    found = objects.MigrationList.get_unconfirmed_by_dest_compute(ctxt, 3600, "dst")
    assert [m.id for m in found] == [mig.id]


def test_instance_delete_soft_deletes_its_migrations(ctxt):
    inst = h.make_instance(ctxt, host="h1")
    mig = _migration(ctxt, inst.uuid)
    inst.destroy()
    with pytest.raises(exception.MigrationNotFound):
        objects.Migration.get_by_id(ctxt, mig.id)
