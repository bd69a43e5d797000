"""A delete whose terminate cast never reaches the compute is finished all the same.

The whole control plane runs in this process (stack_fixture) with one fake
compute and the real Placement. The API sets task_state 'deleting' and casts
``terminate_instance`` to the server's compute; the test drops that cast at
the compute RPC client (as a broker restart with transient queues would).
The compute's periodic task, with ``[compute] deleting_task_timeout`` short,
finds the server stuck in deleting and finishes the delete: the server is
gone, its guest too, and Placement holds nothing for it.
"""

import logging

import pytest

from nova.compute import rpcapi as compute_rpcapi
from nova import service
from tests.functional import inprocess
from tests.functional import stack_fixture

CONF = inprocess.CONF
HOST = "lostcast1"
TIMEOUT = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # Read when the compute manager is made: set before the cloud starts.
    CONF.set_override("deleting_task_timeout", TIMEOUT, group="compute")
    try:
        cloud_gen = stack_fixture.module_cloud(tmp_path_factory, "lost-terminate", HOST)
        cloud = next(cloud_gen)
        cloud.restarted = []
        try:
            yield cloud
        finally:
            for svc in cloud.restarted:
                svc.stop()
            next(cloud_gen, None)
    finally:
        CONF.clear_override("deleting_task_timeout", group="compute")


def _boot(cloud, name):
    status, _h, body = cloud.request("POST", "/servers", {"server": {
        "name": name, "flavorRef": cloud.flavor, "imageRef": cloud.image}})
    assert status == 202, body
    return cloud.wait_for_status(body["server"]["id"], "ACTIVE")["id"]


def _delete_losing_the_cast(cloud, server_id):
    """DELETE the server while the terminate cast goes nowhere; the casts dropped."""
    dropped = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compute_rpcapi.ComputeAPI, "terminate_instance",
                   lambda self, ctxt, instance, bdms=None: dropped.append(instance.uuid))
        status, _h, body = cloud.request("DELETE", "/servers/%s" % server_id)
        assert status == 204, body
    return dropped


def _allocations(cloud, server_id):
    return cloud.placement.get("/allocations/%s" % server_id)["allocations"]


def test_the_periodic_task_finishes_a_delete_whose_cast_was_lost(stack, caplog):
    caplog.set_level(logging.WARNING)
    server_id = _boot(stack, "lost-delete")
    assert _allocations(stack, server_id) != {}
    assert _delete_losing_the_cast(stack, server_id) == [server_id]
    status, _h, body = stack.request("GET", "/servers/%s" % server_id)
    assert status == 200 and body["server"]["OS-EXT-STS:task_state"] == "deleting", body
    # The compute's own periodic task (every TIMEOUT seconds here) ends it.
    stack.wait_for_gone(server_id, timeout=30)
    assert _allocations(stack, server_id) == {}
    assert server_id not in stack.driver(HOST).instances
    assert [r.getMessage() for r in caplog.records if server_id in r.getMessage()
            and "delete request was lost" in r.getMessage()] != []


def test_a_delete_younger_than_the_timeout_is_left_to_its_request(stack):
    manager = stack.computes[HOST].manager
    server_id = _boot(stack, "slow-delete")
    assert _delete_losing_the_cast(stack, server_id) == [server_id]
    # The instance has just entered deleting: its cast may still be on its way.
    assert manager.finish_lost_deletes(stack.ctxt) == []
    assert stack.request("GET", "/servers/%s" % server_id)[0] == 200
    stack.wait_for_gone(server_id, timeout=30)
    assert _allocations(stack, server_id) == {}


def test_a_compute_restarted_after_losing_the_cast_finishes_the_delete(stack, caplog):
    """init_host: the compute killed as the cast arrived ends the delete on start
    (with the periodic task off, so that only the start-up can do it)."""
    caplog.set_level(logging.WARNING)
    server_id = _boot(stack, "killed-delete")
    old = stack.computes[HOST]
    old.stop()
    old.rpcserver = None      # stopped once; the module's teardown stops it again
    try:
        assert _delete_losing_the_cast(stack, server_id) == [server_id]
    finally:
        # The API saw the compute up (its heartbeat is fresh): a cast, lost.
        CONF.set_override("deleting_task_timeout", 0, group="compute")
        try:
            new = service.Service.create(host=HOST, binary="nova-compute", topic="compute")
            new.start()
        finally:
            CONF.set_override("deleting_task_timeout", TIMEOUT, group="compute")
        stack.computes[HOST] = new
        stack.restarted.append(new)
    stack.wait_for_gone(server_id, timeout=30)
    assert _allocations(stack, server_id) == {}
    lines = [r.getMessage() for r in caplog.records if server_id in r.getMessage()]
    assert any("stopped: finishing the delete" in line for line in lines), lines
    assert not any("delete request was lost" in line for line in lines), lines
