"""Selections and alternates as the scheduler manager assembles them."""

from oslo_serialization import jsonutils
from oslo_utils.fixture import uuidsentinel as uuids

import nova.conf
from nova import objects
from nova.scheduler import host_manager
from nova.scheduler import manager as scheduler_manager
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


def candidate(host_state):
    return {"allocations": {host_state.uuid: {"resources": {"VCPU": 1}}}}


def with_candidates(*hosts):
    for host in hosts:
        host.allocation_candidates = [candidate(host)]
    return list(hosts)


def test_selection_from_host_state_and_legacy_dict():
    agg = fakes.make_aggregate("z", {"availability_zone": "az1"})
    host = fakes.make_host("h1", node="n1", aggregates=[agg])
    host.limits = {"vcpu": 32}
    sel = objects.Selection.from_host_state(host, candidate(host), "1.36")
    assert (sel.service_host, sel.nodename, sel.compute_node_uuid, sel.cell_uuid) == \
        ("h1", "n1", host.uuid, fakes.CELL)
    assert sel.availability_zone == "az1"
    assert sel.get_allocation_request() == candidate(host)
    assert jsonutils.loads(sel.allocation_request) == candidate(host)
    assert sel.to_dict() == {"host": "h1", "nodename": "n1", "limits": {"vcpu": 32}}
    # It survives the object serializer round trip the RPC layer makes.
    again = objects.Selection.obj_from_primitive(sel.obj_to_primitive())
    assert again.get_allocation_request() == candidate(host)
    assert objects.Selection.from_host_state(host).get_allocation_request() is None


def test_alternates_come_from_the_same_cell_and_stop_at_max_attempts():
    a, b, c, d = with_candidates(*(fakes.make_host(h) for h in "abcd"))
    other_cell = host_manager.HostState("x", "x", uuids.cell2)
    other_cell.uuid = uuids.x
    other_cell.allocation_candidates = [candidate(other_cell)]
    no_candidate = fakes.make_host("e")
    result = scheduler_manager.SchedulerManager._with_alternates(
        [a], [a, other_cell, no_candidate, b, c, d], "1.36", True)
    assert [s.service_host for s in result[0]] == ["a", "b", "c"]
    assert result[0][1].get_allocation_request() == candidate(b)
    without = scheduler_manager.SchedulerManager._with_alternates(
        [a, b], [a, b, c], "1.36", False)
    assert [[s.service_host for s in sels] for sels in without] == [["a"], ["b"]]


def test_claimed_hosts_are_never_alternates_of_each_other():
    a, b, c = with_candidates(*(fakes.make_host(h) for h in "abc"))
    result = scheduler_manager.SchedulerManager._with_alternates(
        [a, b], [a, b, c], "1.36", True)
    assert [[s.service_host for s in sels] for sels in result] == [["a", "c"], ["b", "c"]]


def test_host_subset_size_picks_among_the_best():
    manager = scheduler_manager.SchedulerManager(placement_client=object())
    hosts = [fakes.make_host("best", free_ram_mb=9000), fakes.make_host("second",
                                                                        free_ram_mb=8000),
             fakes.make_host("worst", free_ram_mb=100)]
    spec = fakes.make_spec()
    firsts = {manager._get_sorted_hosts(spec, hosts, 0)[0].host for _ in range(30)}
    assert firsts == {"best"}
    CONF.set_override("host_subset_size", 2, group="filter_scheduler")
    try:
        seen = set()
        for _ in range(200):
            order = [h.host for h in manager._get_sorted_hosts(spec, hosts, 0)]
            assert sorted(order) == ["best", "second", "worst"]
            seen.add(order[0])
        assert seen == {"best", "second"}
    finally:
        CONF.clear_override("host_subset_size", group="filter_scheduler")
