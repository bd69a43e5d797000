"""Weighers: normalisation, multipliers (config and aggregate overrides), ordering."""

import pytest
from oslo_utils.fixture import uuidsentinel as uuids

import nova.conf
from nova.scheduler import weights
from nova.scheduler.weights import affinity
from nova.scheduler.weights import resources
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


@pytest.fixture
def opt():
    touched = []

    def set_opt(name, value):
        CONF.set_override(name, value, group="filter_scheduler")
        touched.append(name)
    yield set_opt
    for name in touched:
        CONF.clear_override(name, group="filter_scheduler")


def weigh(weigher_classes, hosts, spec=None):
    result = weights.HostWeightHandler().get_weighed_objects(
        [cls() for cls in weigher_classes], hosts, spec or fakes.make_spec())
    return [(w.obj.host, round(w.weight, 4)) for w in result]


def test_normalize():
    assert weights.normalize([]) == []
    assert weights.normalize([5, 5]) == [0.0, 0.0]
    assert weights.normalize([0, 5, 10]) == [0.0, 0.5, 1.0]
    assert weights.normalize([5, 10], minval=0) == [0.5, 1.0]


def test_all_weighers_lists_every_weigher():
    names = {cls.__name__ for cls in weights.all_weighers()}
    assert names == {"RAMWeigher", "CPUWeigher", "DiskWeigher", "IoOpsWeigher",
                     "BuildFailureWeigher", "ServerGroupSoftAffinityWeigher",
                     "ServerGroupSoftAntiAffinityWeigher"}


def test_ram_weigher_spreads_and_stacks(opt):
    hosts = [fakes.make_host("small", free_ram_mb=1024),
             fakes.make_host("big", free_ram_mb=8192),
             fakes.make_host("mid", free_ram_mb=4096)]
    # Normalised from 0 (minval) to the most free RAM seen.
    assert weigh([resources.RAMWeigher], hosts) == [("big", 1.0), ("mid", 0.5),
                                                    ("small", 0.125)]
    opt("ram_weight_multiplier", -1.0)
    assert [h for h, _ in weigh([resources.RAMWeigher], hosts)] == ["small", "mid", "big"]


def test_aggregate_metadata_overrides_the_multiplier():
    agg = fakes.make_aggregate("stack", {"ram_weight_multiplier": "-2.0"})
    hosts = [fakes.make_host("a", free_ram_mb=8192, aggregates=[agg]),
             fakes.make_host("b", free_ram_mb=1024)]
    assert weigh([resources.RAMWeigher], hosts) == [("b", 0.125), ("a", -2.0)]


def test_cpu_weigher_counts_allocation_ratio():
    hosts = [fakes.make_host("a", vcpus=8, vcpus_used=4, cpu_ratio=4.0),   # 28 free
             fakes.make_host("b", vcpus=16, vcpus_used=0, cpu_ratio=1.0)]  # 16 free
    assert [h for h, _ in weigh([resources.CPUWeigher], hosts)] == ["a", "b"]


def test_disk_and_io_ops_weighers():
    hosts = [fakes.make_host("a", free_disk_gb=10, stats={"io_workload": "5"}),
             fakes.make_host("b", free_disk_gb=100, stats={"io_workload": "0"})]
    assert [h for h, _ in weigh([resources.DiskWeigher], hosts)] == ["b", "a"]
    assert weigh([resources.IoOpsWeigher], hosts) == [("b", 0.0), ("a", -1.0)]


def test_build_failure_weigher_pushes_failing_hosts_down():
    hosts = [fakes.make_host("bad", free_ram_mb=8192, stats={"failed_builds": "3"}),
             fakes.make_host("good", free_ram_mb=1024)]
    order = weigh([resources.RAMWeigher, resources.BuildFailureWeigher], hosts)
    assert order[0][0] == "good"
    assert order[1] == ("bad", -1000000.0 + 1.0)


def test_soft_affinity_and_anti_affinity(opt):
    hosts = [fakes.make_host("a", instances=[uuids.m1, uuids.m2]),
             fakes.make_host("b", instances=[uuids.m3]),
             fakes.make_host("c")]
    group = fakes.make_group("soft-affinity", members=[uuids.m1, uuids.m2, uuids.m3])
    spec = fakes.make_spec(group=group)
    assert [h for h, _ in weigh([affinity.ServerGroupSoftAffinityWeigher], hosts,
                                spec)] == ["a", "b", "c"]
    anti = fakes.make_spec(group=fakes.make_group(
        "soft-anti-affinity", members=[uuids.m1, uuids.m2, uuids.m3]))
    assert [h for h, _ in weigh([affinity.ServerGroupSoftAntiAffinityWeigher], hosts,
                                anti)] == ["c", "b", "a"]
    # Without a soft policy both weighers are neutral.
    assert {w for _, w in weigh([affinity.ServerGroupSoftAffinityWeigher,
                                 affinity.ServerGroupSoftAntiAffinityWeigher],
                                hosts)} == {0.0}
    opt("soft_affinity_weight_multiplier", 2.0)
    assert weigh([affinity.ServerGroupSoftAffinityWeigher], hosts, spec)[0] == ("a", 2.0)
