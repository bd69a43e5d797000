"""The embedded flat network, used from a compute-like caller through a real conductor.

The conductor service runs over the fake:// transport in this process; the
caller's object calls are RPC calls to it. Threads marked as "compute" are
refused any database access, as nova-compute is, so every allocation below
crossed the wire and was recorded in the API database by the conductor.
"""

import concurrent.futures
import contextlib
import ipaddress
import sqlite3
import threading

import pytest

from nova.conductor import rpcapi as conductor_rpcapi
from nova import context as nova_context
from nova.db.api import api as api_db_api
from nova.db import facade
from nova.db.main import api as main_db_api
from nova.db import migration
from nova import exception
from nova.network import api as network_api
from nova.network import model as network_model
from nova import objects
from nova.objects import base as objects_base
from nova import service
from tests.functional import inprocess

CONF = inprocess.CONF
_compute = threading.local()


@contextlib.contextmanager
def compute_side():
    """Run the block as nova-compute: no database, objects through the conductor."""
    _compute.on = True
    try:
        yield
    finally:
        _compute.on = False


def _is_compute():
    return getattr(_compute, "on", False)


class CallerConductorAPI(conductor_rpcapi.ConductorAPI):
    """The conductor client, active only in threads acting as compute.

    The conductor's own threads in this process see no indirection API (as
    in its own process) and run the object methods against the databases.
    """

    def __init__(self):
        super().__init__()
        self.calls = []

    def __bool__(self):
        return _is_compute()

    def object_class_action_versions(self, context, objname, objmethod, *args, **kwargs):
        self.calls.append("%s.%s" % (objname, objmethod))
        return super().object_class_action_versions(context, objname, objmethod,
                                                    *args, **kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append("%s().%s" % (objinst.obj_name(), objmethod))
        return super().object_action(context, objinst, objmethod, args, kwargs)


FLAT = {"cidr": "10.9.0.0/29", "name": "flatnet"}   # gateway .1, hands out .2 - .6


@pytest.fixture
def env(tmp_path, monkeypatch, request):
    flat = dict(FLAT, **getattr(request, "param", {}))
    for name, value in flat.items():
        CONF.set_override(name, value, group="flat_network")
    gen = inprocess.configured_nova(tmp_path, monkeypatch)
    next(gen)
    api_url = "sqlite:///%s" % (tmp_path / "api.sqlite")
    migration.db_sync("api", url=api_url)
    monkeypatch.setattr(api_db_api, "context_manager", facade.new_transaction_context(api_url))
    monkeypatch.setattr(api_db_api, "_configured", True)
    real_api_cm, real_check = api_db_api.get_context_manager, main_db_api._check_allowed

    def api_cm():
        if _is_compute():
            raise exception.DBNotAllowed(binary="nova-compute")
        return real_api_cm()

    def check_allowed():
        if _is_compute():
            raise exception.DBNotAllowed(binary="nova-compute")
        real_check()

    monkeypatch.setattr(api_db_api, "get_context_manager", api_cm)
    monkeypatch.setattr(main_db_api, "_check_allowed", check_allowed)
    conductor = service.Service.create(binary="nova-conductor", topic="conductor")
    conductor.start()
    indirection = CallerConductorAPI()
    monkeypatch.setattr(objects_base.NovaObject, "indirection_api", indirection)
    try:
        yield {"api_db": str(tmp_path / "api.sqlite"), "calls": indirection.calls,
               "ctxt": nova_context.get_admin_context()}
    finally:
        conductor.stop()
        for name in flat:
            CONF.clear_override(name, group="flat_network")
        api_db_api.context_manager.writer.get_engine().dispose()
        next(gen, None)


def _instance(ctxt):
    inst = objects.Instance(ctxt, project_id="p1", user_id="u1", vm_state="building",
                            host="test-host", display_name="vm")
    inst.create()
    return inst


def _rows(path):
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT address, instance_uuid, mac_address, host "
                            "FROM fixed_ips ORDER BY address").fetchall()


def test_allocate_records_release_and_reuse(env):
    ctxt, net_api = env["ctxt"], network_api.get_network_api()
    first, second, third = (_instance(ctxt) for _ in range(3))
    with compute_side():
        with pytest.raises(exception.DBNotAllowed):
            api_db_api.get_context_manager()
        nw_info = net_api.allocate_for_instance(ctxt, first, None, bind_host_id="test-host")
        nw_second = net_api.allocate_for_instance(ctxt, second, None)
    assert "FixedIP.associate_pool" in env["calls"]
    assert "InstanceInfoCache().save" in env["calls"]
    assert isinstance(nw_info, network_model.NetworkInfo) and len(nw_info) == 1
    vif = nw_info[0]
    assert vif["address"].startswith("fa:16:3e:")
    assert vif["network"]["label"] == "flatnet"
    assert vif["network"]["id"] == net_api.get_all(ctxt)[0]["id"]
    assert [ip["address"] for ip in nw_info.fixed_ips()] == ["10.9.0.2"]
    assert [ip["address"] for ip in nw_second.fixed_ips()] == ["10.9.0.3"]
    assert network_model.addresses(nw_info) == {"flatnet": [
        {"version": 4, "addr": "10.9.0.2", "OS-EXT-IPS:type": "fixed",
         "OS-EXT-IPS-MAC:mac_addr": vif["address"]}]}
    # Durable in the API database, and in the instance's info cache.
    assert _rows(env["api_db"]) == [("10.9.0.2", first.uuid, vif["address"], "test-host"),
                                    ("10.9.0.3", second.uuid, nw_second[0]["address"], None)]
    cached = objects.Instance.get_by_uuid(ctxt, first.uuid, expected_attrs=["info_cache"])
    assert cached.info_cache.network_info == nw_info
    assert isinstance(cached.info_cache.network_info, network_model.NetworkInfo)

    with compute_side():
        net_api.deallocate_for_instance(ctxt, first)
        nw_third = net_api.allocate_for_instance(ctxt, third, None)
        rebuilt = net_api.get_instance_nw_info(ctxt, second)
    assert [ip["address"] for ip in nw_third.fixed_ips()] == ["10.9.0.2"]   # reused
    assert [r[1] for r in _rows(env["api_db"])] == [third.uuid, second.uuid]
    assert rebuilt == nw_second
    gone = objects.Instance.get_by_uuid(ctxt, first.uuid, expected_attrs=["info_cache"])
    assert gone.info_cache.network_info == []


def test_exhaustion_and_validation_counts(env):
    ctxt, net_api = env["ctxt"], network_api.get_network_api()
    assert net_api.validate_networks(ctxt, None, 10) == 5
    instances = [_instance(ctxt) for _ in range(6)]
    with compute_side():
        for inst in instances[:3]:
            net_api.allocate_for_instance(ctxt, inst, None)
    assert net_api.validate_networks(ctxt, None, 10) == 2
    assert net_api.validate_networks(ctxt, [("auto", None, None)], 1) == 1
    with compute_side():
        for inst in instances[3:5]:
            net_api.allocate_for_instance(ctxt, inst, None)
        with pytest.raises(exception.NoMoreFixedIps):
            net_api.allocate_for_instance(ctxt, instances[5], None)
    with pytest.raises(exception.NoMoreFixedIps) as err:
        net_api.validate_networks(ctxt, None, 1)
    assert err.value.code == 400
    assert [r[0] for r in _rows(env["api_db"])] == ["10.9.0.%d" % i for i in range(2, 7)]
    # 'none' asks for no interface at all, so nothing runs short.
    assert net_api.validate_networks(ctxt, [("none", None, None)], 3) == 3
    with compute_side():
        assert net_api.allocate_for_instance(ctxt, instances[5], [("none", None, None)]) == []


def test_requested_networks(env):
    ctxt, net_api = env["ctxt"], network_api.get_network_api()
    net_id = net_api.get_all(ctxt)[0]["id"]
    assert net_api.get(ctxt, net_id)["cidr"] == "10.9.0.0/29"
    first, second = _instance(ctxt), _instance(ctxt)
    wanted = objects.NetworkRequestList(objects=[
        objects.NetworkRequest(network_id=net_id, address="10.9.0.5"),
        objects.NetworkRequest(network_id=net_id)])
    assert net_api.validate_networks(ctxt, wanted, 1) == 1
    with pytest.raises(exception.InvalidFixedIpAndMaxCountRequest):
        net_api.validate_networks(ctxt, wanted, 2)
    with compute_side():
        nw_info = net_api.allocate_for_instance(ctxt, first, wanted)
    assert [ip["address"] for ip in nw_info.fixed_ips()] == ["10.9.0.5", "10.9.0.2"]
    assert len({vif["address"] for vif in nw_info}) == 2

    with pytest.raises(exception.FixedIpAlreadyInUse) as err:
        net_api.validate_networks(ctxt, [(net_id, "10.9.0.5", None)], 1)
    assert first.uuid in str(err.value)
    with compute_side(), pytest.raises(exception.FixedIpAlreadyInUse):
        net_api.allocate_for_instance(ctxt, second, [(net_id, "10.9.0.5", None)])
    for bad in ("10.9.0.1", "10.9.0.7", "192.168.1.4"):   # gateway, broadcast, elsewhere
        with pytest.raises(exception.FixedIpInvalidOnNetwork):
            net_api.validate_networks(ctxt, [(net_id, bad, None)], 1)
    missing = "3f0c3d6e-4a55-4f1f-9c84-8b2b52f3a111"
    with pytest.raises(exception.NetworkNotFound) as err:
        net_api.validate_networks(ctxt, [(missing, None, None)], 1)
    assert err.value.code == 404
    with pytest.raises(exception.NetworkNotFound):
        net_api.get(ctxt, missing)
    with pytest.raises(exception.PortNotFound):
        net_api.validate_networks(ctxt, [(None, None, missing)], 1)
    # The failed request held nothing: only the first instance's two addresses.
    assert [r[1] for r in _rows(env["api_db"])] == [first.uuid, first.uuid]


@pytest.mark.parametrize("env", [{"cidr": "10.9.0.0/27"}], indirect=True)
def test_concurrent_allocations_never_share_an_address(env):
    ctxt, net_api = env["ctxt"], network_api.get_network_api()
    size = net_api.validate_networks(ctxt, None, 100)
    assert size == 29
    instances = [_instance(ctxt) for _ in range(size + 4)]
    start = threading.Event()

    def allocate(inst):
        with compute_side():
            start.wait(timeout=30)
            try:
                return net_api.allocate_for_instance(ctxt, inst, None)[0]
            except exception.NoMoreFixedIps:
                return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(allocate, inst) for inst in instances]
        start.set()   # the first eight race for the lowest addresses
        results = [future.result() for future in futures]
    got = [vif.fixed_ips()[0]["address"] for vif in results if vif is not None]
    assert len(got) == size and results.count(None) == 4
    assert sorted(got, key=ipaddress.ip_address) == ["10.9.0.%d" % i for i in range(2, 31)]
    rows = _rows(env["api_db"])
    assert len(rows) == size and len({r[2] for r in rows}) == size   # MACs unique too
