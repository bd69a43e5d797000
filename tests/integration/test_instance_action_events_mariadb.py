"""Events of one instance action recorded from several threads at once on MariaDB.

During a move the conductor finishes its event of the action while the
compute starts the next one, each in its own transaction. Recording an event
used to write the event row (a shared lock on the action row, through the
foreign key) before updating the action row (an exclusive lock), so two such
transactions deadlocked on MariaDB (error 1213): `benchmarks/migrate.py` saw
it with 20 concurrent resizes. This drives the same writes, through the
C driver the daemons use, from several threads on one action.
"""

import threading
import uuid

import pytest

from nova import context as nova_context
from nova.db.main import api as main_db_api
from nova.db.main import instance_actions as actions_db
from nova.db.main import instances as instances_db
from nova import objects
from tests.integration import nova_procs
from tests import realparts

pytestmark = pytest.mark.integration

THREADS = 6
ROUNDS = 15


@pytest.fixture
def cell_context():
    db = realparts.MySQLDatabase(driver="mysqldb")
    try:
        nova_procs.sync_cell_db(db.url)
        manager = main_db_api.create_context_manager(db.url)
        ctxt = nova_context.RequestContext("admin", "admin", is_admin=True)
        ctxt.db_connection = manager
        yield ctxt
        manager.writer.get_engine().dispose()
    finally:
        db.drop()


def test_concurrent_event_start_and_finish_on_one_action(cell_context):
    objects.register_all()
    instance_uuid = str(uuid.uuid4())
    instances_db.instance_create(cell_context, {
        "uuid": instance_uuid, "project_id": "admin", "user_id": "admin",
        "vm_state": "active"})
    objects.InstanceAction.action_start(cell_context, instance_uuid, "resize")
    errors = []
    start = threading.Barrier(THREADS)

    def record(worker):
        ctxt = cell_context.elevated()
        ctxt.db_connection = cell_context.db_connection
        ctxt.request_id = cell_context.request_id
        start.wait()
        try:
            for n in range(ROUNDS):
                name = "event-%d-%d" % (worker, n)
                objects.InstanceActionEvent.event_start(ctxt, instance_uuid, name,
                                                        want_result=False)
                objects.InstanceActionEvent.event_finish(ctxt, instance_uuid, name,
                                                         want_result=False)
        except Exception as exc:  # noqa: BLE001 - the test reports them
            errors.append(repr(exc))

    threads = [threading.Thread(target=record, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    action = actions_db.action_get_by_request_id(cell_context, instance_uuid,
                                                 cell_context.request_id)
    events = actions_db.action_events_get(cell_context, action.id)
    assert len(events) == THREADS * ROUNDS
    assert {e.result for e in events} == {"Success"}
    assert all(e.finish_time is not None for e in events)
