"""[upgrade_levels] caps on the RPC clients, over a real oslo.messaging fake:// transport.

The servers here are endpoints with the *older* signatures and targets (what
a service of the previous version exposes), so the tests show what such a
service receives from a pinned client of the newer code.
"""

import threading

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher
import pytest

from nova.compute import manager as compute_manager
from nova.compute import rpcapi as compute_rpcapi
import nova.conf
from nova.conductor import manager as conductor_manager
from nova.conductor import rpcapi as conductor_rpcapi
from nova import context
from nova import objects
from nova.objects import service as service_obj
from nova import rpc
from nova.scheduler import manager as scheduler_manager
from nova.scheduler import rpcapi as scheduler_rpcapi

CONF = nova.conf.CONF

# How a server refuses a message newer than its target: the fake driver
# re-raises the dispatcher's exception, a real one sends it back as RemoteError.
REFUSED = (dispatcher.UnsupportedVersion, messaging.RemoteError)


@pytest.fixture
def transport():
    rpc.register_opts(CONF)
    objects.register_all()
    rpc.reset_version_caps()
    transport = messaging.get_rpc_transport(CONF, url="fake://",
                                            allowed_remote_exmods=rpc.get_allowed_exmods())
    yield transport
    transport.cleanup()
    for option in ("compute", "conductor", "scheduler"):
        CONF.clear_override(option, group="upgrade_levels")
    rpc.reset_version_caps()


def pin(option, value):
    CONF.set_override(option, value, group="upgrade_levels")


@pytest.fixture
def serve(transport):
    servers = []

    def start(topic, endpoint, server="host1"):
        srv = rpc.get_server(messaging.Target(topic=topic, server=server), [endpoint],
                             transport=transport)
        srv.start()
        servers.append(srv)
        return endpoint

    yield start
    for srv in servers:
        srv.stop()
        srv.wait()


def ctxt():
    return context.RequestContext(user_id="u1", project_id="p1", is_admin=True)


# -- the version history is what the code speaks -------------------------------------

def test_newest_history_entry_matches_the_clients_and_servers():
    newest = service_obj.SERVICE_VERSION_HISTORY[service_obj.SERVICE_VERSION]
    assert service_obj.SERVICE_VERSION == len(service_obj.SERVICE_VERSION_HISTORY) - 1
    pairs = [
        ("compute_rpc", compute_rpcapi.RPC_API_VERSION,
         compute_manager.ComputeManager.target.version),
        ("scheduler_rpc", scheduler_rpcapi.RPC_API_VERSION,
         scheduler_manager.SchedulerManager.target.version),
        ("conductor_rpc", conductor_rpcapi.RPC_API_VERSION,
         conductor_manager.ConductorManager.target.version),
        ("compute_task_rpc", conductor_rpcapi.COMPUTE_TASK_RPC_API_VERSION,
         conductor_manager.ComputeTaskManager.target.version),
    ]
    for key, client_version, server_version in pairs:
        assert newest[key] == client_version == server_version, key
    # Each module's history ends with the version its clients send.
    for module, version in ((compute_rpcapi, compute_rpcapi.RPC_API_VERSION),
                            (scheduler_rpcapi, scheduler_rpcapi.RPC_API_VERSION)):
        last = [line for line in module.__doc__.splitlines() if line.startswith("  ")][-1]
        assert last.strip().startswith(version + " - "), (module.__name__, last)
    # The conductor module holds two histories: the object API (3.x), compute_task (1.x).
    for version in (conductor_rpcapi.RPC_API_VERSION,
                    conductor_rpcapi.COMPUTE_TASK_RPC_API_VERSION):
        major = version.split(".")[0] + "."
        entries = [line.strip() for line in conductor_rpcapi.__doc__.splitlines()
                   if line.startswith("  " + major)]
        assert entries and entries[-1].startswith(version + " - "), (version, entries)


def test_history_never_goes_backwards():
    def parse(version):
        return tuple(int(p) for p in version.split("."))

    keys = ("compute_rpc", "scheduler_rpc", "conductor_rpc", "compute_task_rpc")
    history = service_obj.SERVICE_VERSION_HISTORY
    for older, newer in zip(history, history[1:]):
        for key in keys:
            assert parse(older[key]) <= parse(newer[key]), key


# -- what the option means ------------------------------------------------------------

def test_cap_is_a_version_a_release_alias_or_nothing(transport):
    api = compute_rpcapi.ComputeAPI(transport=transport)
    assert api.router.version_cap is None

    pin("compute", "6.2")
    rpc.reset_version_caps()
    assert api.router.version_cap == "6.2"
    assert api.router.can_send_version("6.2")
    assert not api.router.can_send_version("6.3")

    pin("scheduler", "0.1")
    assert scheduler_rpcapi.SchedulerAPI(transport=transport).router.version_cap == "4.1"


def test_conductor_option_caps_the_api_whose_major_it_names(transport):
    pin("conductor", "1.0")
    assert conductor_rpcapi.ComputeTaskAPI(transport=transport).router.version_cap == "1.0"
    assert conductor_rpcapi.ConductorAPI(transport=transport).router.version_cap is None
    pin("conductor", "0.1")
    rpc.reset_version_caps()
    assert conductor_rpcapi.ComputeTaskAPI(transport=transport).router.version_cap == "1.1"
    assert conductor_rpcapi.ConductorAPI(transport=transport).router.version_cap == "3.0"


def test_a_value_that_is_no_version_says_what_is_accepted(transport):
    pin("compute", "bobcat")
    with pytest.raises(rpc.UpgradeLevelInvalid) as raised:
        compute_rpcapi.ComputeAPI(transport=transport).get_host_uptime(ctxt(), "host1")
    message = str(raised.value)
    assert "[upgrade_levels] compute = 'bobcat'" in message
    assert "0.1" in message and "'auto'" in message


def test_sighup_rereads_the_pin(transport):
    api = compute_rpcapi.ComputeAPI(transport=transport)
    pin("compute", "6.1")
    rpc.reset_version_caps()
    assert api.router.version_cap == "6.1"
    pin("compute", "6.3")
    assert api.router.version_cap == "6.1"  # kept until told
    rpc.reset_version_caps()
    assert api.router.version_cap == "6.3"


# -- compute: a method newer than the cap is refused in the caller -----------------------

class OldCompute:
    """A nova-compute that speaks compute RPC 6.0 only (get_host_uptime)."""

    target = messaging.Target(version="6.0")

    def __init__(self):
        self.received = []

    def get_host_uptime(self, context):
        self.received.append("get_host_uptime")
        return "up 1 day"


def test_pinned_compute_client_refuses_newer_methods_before_sending(serve, transport):
    old = serve("compute", OldCompute())
    pin("compute", "6.0")
    api = compute_rpcapi.ComputeAPI(transport=transport)

    assert api.get_host_uptime(ctxt(), "host1") == "up 1 day"
    with pytest.raises(rpc.VersionCapExceeded) as raised:
        api.cache_images(ctxt(), "host1", ["image-1"])
    assert str(raised.value) == (
        "cache_images needs version 6.1 of the compute RPC API, but [upgrade_levels] "
        "compute caps it at 6.0: upgrade every nova-compute service first (or raise "
        "the cap).")
    assert raised.value.code == 409
    instance = objects.Instance(uuid="0b0e4a55-8f9e-4d2c-9a51-3f4c2e7d1a10", host="host1")
    with pytest.raises(rpc.VersionCapExceeded):
        api.stop_instance(ctxt(), instance)
    assert old.received == ["get_host_uptime"]


def test_without_a_pin_the_old_compute_refuses_by_version_not_by_signature(serve, transport):
    serve("compute", OldCompute())
    api = compute_rpcapi.ComputeAPI(transport=transport)
    with pytest.raises(REFUSED) as raised:
        api.cache_images(ctxt(), "host1", ["image-1"])
    assert "does not support RPC version 6.1" in str(raised.value)


# -- scheduler: a new argument is backported ----------------------------------------------

class SchedulerAt(object):
    """A scheduler endpoint recording what select_destinations receives."""

    def __init__(self):
        self.received = []

    def _answer(self, instance_uuids, return_alternates, num_alternates=None):
        offered = 3 if num_alternates is None else num_alternates
        hosts = ["h%d" % i for i in range(1 + (offered if return_alternates else 0))]
        return [[objects.Selection(service_host=h, nodename=h, compute_node_uuid=
                                   "00000000-0000-0000-0000-00000000000%d" % i,
                                   cell_uuid="11111111-1111-1111-1111-111111111111")
                 for i, h in enumerate(hosts)] for _ in instance_uuids]


class OldScheduler(SchedulerAt):
    """select_destinations as a 4.1 scheduler has it: no num_alternates."""

    target = messaging.Target(version="4.1")

    def select_destinations(self, context, spec_obj=None, instance_uuids=None,
                            return_objects=False, return_alternates=False):
        self.received.append({"return_alternates": return_alternates})
        return self._answer(instance_uuids, return_alternates)


class NewScheduler(SchedulerAt):
    target = messaging.Target(version="4.2")

    def select_destinations(self, context, spec_obj=None, instance_uuids=None,
                            return_objects=False, return_alternates=False,
                            num_alternates=None):
        self.received.append({"return_alternates": return_alternates,
                              "num_alternates": num_alternates})
        return self._answer(instance_uuids, return_alternates, num_alternates)


def _spec():
    return objects.RequestSpec(instance_uuid="2c9c1c9e-3a43-4f0a-8a57-5f7d5a8f0c11",
                               num_instances=1)


def test_pinned_scheduler_client_drops_num_alternates_and_trims(serve, transport):
    old = serve("scheduler", OldScheduler())
    pin("scheduler", "4.1")
    api = scheduler_rpcapi.SchedulerAPI(transport=transport)
    result = api.select_destinations(ctxt(), _spec(), ["i1"], return_objects=True,
                                     return_alternates=True, num_alternates=1)
    # The old scheduler got the 4.1 form and offered its three alternates;
    # the caller sees the one it asked for.
    assert old.received == [{"return_alternates": True}]
    assert [[s.service_host for s in hosts] for hosts in result] == [["h0", "h1"]]

    # Without the argument, the old default comes through untouched.
    result = api.select_destinations(ctxt(), _spec(), ["i1"], return_objects=True,
                                     return_alternates=True)
    assert [s.service_host for s in result[0]] == ["h0", "h1", "h2", "h3"]


def test_unpinned_client_sends_num_alternates_to_a_new_scheduler(serve, transport):
    new = serve("scheduler", NewScheduler())
    api = scheduler_rpcapi.SchedulerAPI(transport=transport)
    result = api.select_destinations(ctxt(), _spec(), ["i1"], return_objects=True,
                                     return_alternates=True, num_alternates=2)
    assert new.received == [{"return_alternates": True, "num_alternates": 2}]
    assert [s.service_host for s in result[0]] == ["h0", "h1", "h2"]


def test_unpinned_client_and_old_scheduler_fail_by_version_not_type_error(serve, transport):
    serve("scheduler", OldScheduler())
    api = scheduler_rpcapi.SchedulerAPI(transport=transport)
    with pytest.raises(REFUSED) as raised:
        api.select_destinations(ctxt(), _spec(), ["i1"], return_objects=True,
                                return_alternates=True, num_alternates=1)
    assert "does not support RPC version 4.2" in str(raised.value)


def test_a_cap_below_the_method_refuses_clearly(serve, transport):
    old = serve("scheduler", OldScheduler())
    pin("scheduler", "4.0")
    with pytest.raises(rpc.VersionCapExceeded) as raised:
        scheduler_rpcapi.SchedulerAPI(transport=transport).select_destinations(
            ctxt(), _spec(), ["i1"])
    assert "select_destinations needs version 4.1" in str(raised.value)
    assert old.received == []


def test_negative_num_alternates_is_refused(transport):
    with pytest.raises(ValueError):
        scheduler_rpcapi.SchedulerAPI(transport=transport).select_destinations(
            ctxt(), _spec(), ["i1"], num_alternates=-1)


# -- fanout casts at the base version reach old schedulers ---------------------------------

class OldInstanceInfo:
    target = messaging.Target(version="4.0")

    def __init__(self):
        self.synced = []
        self.seen = threading.Event()

    def sync_instance_info(self, context, host_name, instance_uuids):
        self.synced.append((host_name, instance_uuids))
        self.seen.set()


def test_fanout_casts_reach_a_4_0_scheduler_under_any_pin(serve, transport):
    old = serve("scheduler", OldInstanceInfo())
    pin("scheduler", "4.0")
    scheduler_rpcapi.SchedulerAPI(transport=transport).sync_instance_info(
        ctxt(), "cmp1", ["i1"])
    assert old.seen.wait(5)
    assert old.synced == [("cmp1", ["i1"])]
