"""HostState accounting and HostManager filtering/weighing rules."""

import pytest

import nova.conf
from nova import exception
from nova import objects
from nova.scheduler import host_manager
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


@pytest.fixture
def manager():
    return host_manager.HostManager()


def test_host_state_from_compute_node():
    host = fakes.make_host(vcpus=8, vcpus_used=2, memory_mb=4096, free_ram_mb=3072,
                           local_gb=100, free_disk_gb=60,
                           stats={"num_instances": "3", "io_workload": "2",
                                  "failed_builds": "1"})
    assert (host.vcpus_total, host.vcpus_used, host.free_ram_mb, host.free_disk_mb) == \
        (8, 2, 3072, 60 * 1024)
    assert (host.num_instances, host.num_io_ops, host.failed_builds) == (3, 2, 1)
    assert host.availability_zone == CONF.default_availability_zone
    host.update(aggregates=[fakes.make_aggregate("z", {"availability_zone": "az9"})])
    assert host.availability_zone == "az9"


def test_consume_from_request():
    host = fakes.make_host(vcpus=8, memory_mb=4096, local_gb=100)
    host.consume_from_request(fakes.make_spec(fakes.make_flavor(
        vcpus=2, memory_mb=1024, root_gb=10, ephemeral_gb=5)))
    assert (host.vcpus_used, host.free_ram_mb, host.free_disk_mb) == (2, 3072, 85 * 1024)
    assert (host.num_instances, host.num_io_ops) == (1, 1)
    host.consume_from_request(fakes.make_spec(fakes.make_flavor(root_gb=10), is_bfv=True))
    assert host.free_disk_mb == 85 * 1024


def test_enabled_filters_come_from_config(manager):
    assert [type(f).__name__ for f in manager.enabled_filters] == \
        CONF.filter_scheduler.enabled_filters
    CONF.set_override("enabled_filters", ["NoSuchFilter"], group="filter_scheduler")
    try:
        with pytest.raises(exception.SchedulerHostFilterNotFound):
            host_manager.HostManager()
    finally:
        CONF.clear_override("enabled_filters", group="filter_scheduler")


def test_filters_drop_failing_hosts(manager):
    hosts = [fakes.make_host("up"), fakes.make_host("down", up=False),
             fakes.make_host("off", disabled=True)]
    assert [h.host for h in manager.get_filtered_hosts(hosts, fakes.make_spec())] == ["up"]


def test_ignore_hosts(manager):
    hosts = [fakes.make_host("a"), fakes.make_host("b")]
    spec = fakes.make_spec(ignore_hosts=["A"])
    assert [h.host for h in manager.get_filtered_hosts(hosts, spec)] == ["b"]


def test_forced_host_skips_filters(manager):
    hosts = [fakes.make_host("a", disabled=True), fakes.make_host("b")]
    spec = fakes.make_spec(force_hosts=["a"])
    assert [h.host for h in manager.get_filtered_hosts(hosts, spec)] == ["a"]
    spec = fakes.make_spec(force_hosts=["a"], force_nodes=["nope"])
    assert manager.get_filtered_hosts(hosts, spec) == []


def test_requested_destination_still_filters(manager):
    hosts = [fakes.make_host("a", disabled=True), fakes.make_host("b", node="b-node")]
    spec = fakes.make_spec()
    spec.requested_destination = objects.Destination(host="a")
    assert manager.get_filtered_hosts(hosts, spec) == []
    spec.requested_destination = objects.Destination(host="b", node="b-node")
    assert [h.host for h in manager.get_filtered_hosts(hosts, spec)] == ["b"]


def test_weighed_hosts_best_first(manager):
    hosts = [fakes.make_host("small", free_ram_mb=1024, free_disk_gb=10),
             fakes.make_host("big", free_ram_mb=8192, free_disk_gb=400)]
    weighed = manager.get_weighed_hosts(hosts, fakes.make_spec())
    assert [w.obj.host for w in weighed] == ["big", "small"]


def test_instance_info_cache_is_used_once_current():
    cache = host_manager.InstanceInfoCache()
    assert cache.current("h") is None
    cache.sync("h", ["u1"])
    assert set(cache.current("h")) == {"u1"}
    cache.sync("h", ["u2"])        # mismatch: not trusted until the next update
    assert cache.current("h") is None
    cache.update("h", [{"uuid": "u3"}])
    assert set(cache.current("h")) == {"u2", "u3"}


def test_forced_host_skips_filters_even_with_prefilter_destination(manager):
    hosts = [fakes.make_host("a", disabled=True), fakes.make_host("b")]
    spec = fakes.make_spec(force_hosts=["a"])
    spec.requested_destination = objects.Destination()     # as the AZ pre-filter makes
    spec.requested_destination.require_aggregates(["agg"])
    assert [h.host for h in manager.get_filtered_hosts(hosts, spec)] == ["a"]
