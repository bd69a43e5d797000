"""Rolling upgrades: `auto` caps from the services table, and a running scheduler
that answers both the old and the new form of select_destinations.
"""

import oslo_messaging as messaging
from oslo_utils.fixture import uuidsentinel as uuids
import pytest

from nova.compute import rpcapi as compute_rpcapi
import nova.conf
from nova.conductor import rpcapi as conductor_rpcapi
from nova import context as nova_context
from nova.objects import service as service_obj
from nova import rpc
from nova.scheduler import rpcapi as scheduler_rpcapi
from tests.functional import compute_seed
from tests.functional.test_scheduler import cloud, spec_for  # noqa: F401

CONF = nova.conf.CONF


@pytest.fixture(autouse=True)
def fresh_caps():
    rpc.reset_version_caps()
    yield
    for option in ("compute", "conductor", "scheduler"):
        CONF.clear_override(option, group="upgrade_levels")
    rpc.reset_version_caps()


def _at_version(service, version, forced_down=False):
    service.version = version
    service.forced_down = forced_down
    service.save()
    return service


def test_auto_takes_the_lowest_service_version_across_cells(api, tmp_path):
    CONF.set_override("scheduler", "auto", group="upgrade_levels")
    newest = service_obj.SERVICE_VERSION_HISTORY[service_obj.SERVICE_VERSION]
    assert newest["scheduler_rpc"] == scheduler_rpcapi.RPC_API_VERSION
    scheduler = scheduler_rpcapi.SchedulerAPI()

    # No scheduler has recorded a version yet: no cap below this code's own,
    # and nothing kept: the next message looks again.
    assert scheduler.router.version_cap == scheduler_rpcapi.RPC_API_VERSION

    compute_seed.add_service(api, "s-new", binary="nova-scheduler")
    # A forced-down service is not running: it does not hold the cap down.
    _at_version(compute_seed.add_service(api, "s-dead", binary="nova-scheduler"), 1,
                forced_down=True)
    assert scheduler.router.version_cap == scheduler_rpcapi.RPC_API_VERSION
    rpc.reset_version_caps()

    # A scheduler of service version 1 (speaking 4.1) in another cell.
    cell2 = compute_seed.add_cell(api, tmp_path)
    with nova_context.target_cell(api.ctxt, cell2) as cell2_ctxt:
        old = _at_version(compute_seed.add_service(api, "s-old", binary="nova-scheduler",
                                                   ctxt=cell2_ctxt), 1)
    assert scheduler.router.version_cap == "4.1"
    assert not scheduler.router.can_send_version("4.2")

    # Kept until SIGHUP: the upgraded scheduler lifts the cap only after it.
    _at_version(old, service_obj.SERVICE_VERSION)
    assert scheduler.router.version_cap == "4.1"
    rpc.reset_version_caps()
    assert scheduler.router.version_cap == scheduler_rpcapi.RPC_API_VERSION


def test_auto_before_any_service_looks_again_on_the_next_message(api):
    CONF.set_override("scheduler", "auto", group="upgrade_levels")
    scheduler = scheduler_rpcapi.SchedulerAPI()
    assert scheduler.router.version_cap == scheduler_rpcapi.RPC_API_VERSION
    _at_version(compute_seed.add_service(api, "s1", binary="nova-scheduler"), 1)
    assert scheduler.router.version_cap == "4.1"


def test_auto_caps_each_api_from_its_own_services(api):
    for option in ("compute", "conductor", "scheduler"):
        CONF.set_override(option, "auto", group="upgrade_levels")
    history = service_obj.SERVICE_VERSION_HISTORY
    compute_seed.add_service(api, "c1", binary="nova-conductor")
    _at_version(compute_seed.add_service(api, "c2", binary="nova-conductor"), 1)
    _at_version(compute_seed.add_service(api, "cmp1"), 1)
    compute_seed.add_service(api, "s1", binary="nova-scheduler")
    assert conductor_rpcapi.ComputeTaskAPI().router.version_cap == \
        history[1]["compute_task_rpc"]
    assert conductor_rpcapi.ConductorAPI().router.version_cap == history[1]["conductor_rpc"]
    assert compute_rpcapi.ComputeAPI().router.version_cap == history[1]["compute_rpc"]
    # The schedulers are all new: the scheduler API is not held back by others.
    assert scheduler_rpcapi.SchedulerAPI().router.version_cap == scheduler_rpcapi.RPC_API_VERSION


def _hosts(selections):
    return [[s.service_host for s in per_instance] for per_instance in selections]


def test_running_scheduler_answers_the_new_and_the_old_form(cloud):  # noqa: F811
    for host, mem in (("a", 16), ("b", 12), ("c", 8), ("d", 4)):
        cloud.add_host(host, memory_mb=mem * 1024)
    select = scheduler_rpcapi.SchedulerAPI().select_destinations

    # 4.2: the scheduler itself offers one alternate.
    new = select(cloud.ctxt, spec_for(uuids.i1), [uuids.i1], return_objects=True,
                 return_alternates=True, num_alternates=1)
    assert _hosts(new) == [["a", "b"]]

    # The 4.1 form, as a scheduler-pinned or older caller sends it: the
    # scheduler's default of [scheduler] max_attempts - 1 = 2 alternates.
    old_client = rpc.get_client(messaging.Target(topic="scheduler", version="4.1"))
    old = old_client.prepare(version="4.1").call(
        cloud.ctxt, "select_destinations", spec_obj=spec_for(uuids.i2),
        instance_uuids=[uuids.i2], return_objects=True, return_alternates=True)
    assert len(old[0]) == 3

    # Pinned to 4.1: the argument is not sent, and the caller still gets one.
    CONF.set_override("scheduler", "4.1", group="upgrade_levels")
    pinned = select(cloud.ctxt, spec_for(uuids.i3), [uuids.i3], return_objects=True,
                    return_alternates=True, num_alternates=1)
    assert len(pinned[0]) == 2
    assert pinned[0][0].service_host not in [s.service_host for s in pinned[0][1:]]
    assert cloud.allocations(uuids.i3)
