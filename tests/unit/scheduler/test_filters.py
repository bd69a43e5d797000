"""Each host filter against real HostState and RequestSpec objects."""

import pytest
from oslo_utils.fixture import uuidsentinel as uuids

import nova.conf
from nova.scheduler import filters
from nova.scheduler.filters import affinity_filter
from nova.scheduler.filters import aggregate_instance_extra_specs
from nova.scheduler.filters import availability_zone_filter
from nova.scheduler.filters import compute_capabilities_filter
from nova.scheduler.filters import compute_filter
from nova.scheduler.filters import extra_specs_ops
from nova.scheduler.filters import image_props_filter
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


def test_all_filters_finds_every_filter_class():
    names = {cls.__name__ for cls in filters.all_filters()}
    assert {"ComputeFilter", "AvailabilityZoneFilter", "ComputeCapabilitiesFilter",
            "ImagePropertiesFilter", "ServerGroupAffinityFilter",
            "ServerGroupAntiAffinityFilter", "AggregateInstanceExtraSpecsFilter",
            "SameHostFilter", "DifferentHostFilter"} <= names


class TestComputeFilter:
    def test_enabled_and_up_passes(self):
        assert compute_filter.ComputeFilter().host_passes(fakes.make_host(),
                                                          fakes.make_spec())

    def test_disabled_fails(self):
        assert not compute_filter.ComputeFilter().host_passes(
            fakes.make_host(disabled=True), fakes.make_spec())

    def test_down_fails(self):
        assert not compute_filter.ComputeFilter().host_passes(
            fakes.make_host(up=False), fakes.make_spec())


class TestAvailabilityZoneFilter:
    flt = availability_zone_filter.AvailabilityZoneFilter()

    def test_no_zone_requested(self):
        assert self.flt.host_passes(fakes.make_host(), fakes.make_spec())

    def test_zone_from_aggregate(self):
        agg = fakes.make_aggregate("a", {"availability_zone": "az1"})
        host = fakes.make_host(aggregates=[agg])
        assert self.flt.host_passes(host, fakes.make_spec(availability_zone="az1"))
        assert not self.flt.host_passes(host, fakes.make_spec(availability_zone="az2"))
        assert not self.flt.host_passes(host, fakes.make_spec(availability_zone="nova"))

    def test_default_zone_for_hosts_without_one(self):
        host = fakes.make_host()
        assert self.flt.host_passes(host, fakes.make_spec(availability_zone="nova"))
        assert not self.flt.host_passes(host, fakes.make_spec(availability_zone="az1"))


class TestComputeCapabilitiesFilter:
    flt = compute_capabilities_filter.ComputeCapabilitiesFilter()

    def passes(self, extra_specs, **host):
        return self.flt.host_passes(fakes.make_host(**host), fakes.make_spec(
            fakes.make_flavor(extra_specs=extra_specs)))

    def test_scoped_attribute(self):
        assert self.passes({"capabilities:hypervisor_type": "QEMU"})
        assert not self.passes({"capabilities:hypervisor_type": "VMware vCenter Server"})

    def test_numeric_operators(self):
        assert self.passes({"capabilities:vcpus_total": ">= 8"})
        assert not self.passes({"capabilities:vcpus_total": ">= 32"})
        assert self.passes({"capabilities:free_ram_mb": "= 1024"})

    def test_nested_json_value(self):
        assert self.passes({"capabilities:cpu_info:arch": "x86_64"})
        assert not self.passes({"capabilities:cpu_info:arch": "aarch64"})
        assert not self.passes({"capabilities:cpu_info:missing": "x"})

    def test_stats_and_unscoped_keys(self):
        assert self.passes({"capabilities:gpu": "<in> tesla"}, stats={"gpu": "nvidia tesla"})
        assert self.passes({"hypervisor_type": "QEMU", "unknown_thing": "ignored",
                            "hw:cpu_policy": "dedicated"})
        assert not self.passes({"hypervisor_type": "s== xen"})


class TestImagePropertiesFilter:
    flt = image_props_filter.ImagePropertiesFilter()

    def passes(self, props, **host):
        return self.flt.host_passes(fakes.make_host(**host),
                                    fakes.make_spec(image_props=props))

    def test_no_properties(self):
        assert self.passes({})
        assert self.passes({}, supported=())

    def test_architecture_hv_type_vm_mode(self):
        assert self.passes({"hw_architecture": "x86_64", "img_hv_type": "qemu",
                            "hw_vm_mode": "hvm"})
        assert self.passes({"architecture": "amd64"})
        assert not self.passes({"hw_architecture": "aarch64"})
        assert not self.passes({"img_hv_type": "vmware"})
        assert not self.passes({"hw_vm_mode": "exe"})
        assert not self.passes({"hw_architecture": "x86_64"}, supported=())

    def test_hypervisor_version(self):
        # make_host's hypervisor_version 6002000 is 6.2.0
        assert self.passes({"img_hv_type": "qemu", "img_hv_requested_version": ">= 6.0"})
        assert self.passes({"img_hv_type": "qemu",
                            "img_hv_requested_version": ">=6.2, <7"})
        assert not self.passes({"img_hv_type": "qemu",
                                "img_hv_requested_version": ">= 7.1"})
        assert not self.passes({"img_hv_type": "qemu",
                                "img_hv_requested_version": "newest"})
        # A version alone restricts nothing (upstream behaviour).
        assert self.passes({"img_hv_requested_version": ">= 7.1"})

    def test_default_architecture(self):
        CONF.set_override("image_properties_default_architecture", "aarch64",
                          group="filter_scheduler")
        try:
            assert not self.passes({"img_hv_type": "qemu"})
            assert self.passes({"img_hv_type": "qemu"},
                               supported=(("aarch64", "qemu", "hvm"),))
        finally:
            CONF.clear_override("image_properties_default_architecture",
                                group="filter_scheduler")


class TestServerGroupFilters:
    def test_affinity(self):
        flt = affinity_filter.ServerGroupAffinityFilter()
        group = fakes.make_group("affinity", hosts=["host1"])
        assert flt.host_passes(fakes.make_host("host1"), fakes.make_spec(group=group))
        assert not flt.host_passes(fakes.make_host("host2"), fakes.make_spec(group=group))
        empty = fakes.make_group("affinity")
        assert flt.host_passes(fakes.make_host("host2"), fakes.make_spec(group=empty))
        other = fakes.make_group("anti-affinity", hosts=["host1"])
        assert flt.host_passes(fakes.make_host("host2"), fakes.make_spec(group=other))

    def test_anti_affinity_one_per_host(self):
        flt = affinity_filter.ServerGroupAntiAffinityFilter()
        group = fakes.make_group("anti-affinity", members=[uuids.m1, uuids.m2])
        assert flt.host_passes(fakes.make_host(instances=[uuids.other]),
                               fakes.make_spec(group=group))
        assert not flt.host_passes(fakes.make_host(instances=[uuids.m1]),
                                   fakes.make_spec(group=group))
        # An instance being moved may stay beside itself.
        assert flt.host_passes(fakes.make_host(instances=[uuids.m1]),
                               fakes.make_spec(group=group, instance_uuid=uuids.m1))

    def test_anti_affinity_max_server_per_host(self):
        flt = affinity_filter.ServerGroupAntiAffinityFilter()
        group = fakes.make_group("anti-affinity", members=[uuids.m1, uuids.m2, uuids.m3],
                                 rules={"max_server_per_host": "2"})
        assert flt.host_passes(fakes.make_host(instances=[uuids.m1]),
                               fakes.make_spec(group=group))
        assert not flt.host_passes(fakes.make_host(instances=[uuids.m1, uuids.m2]),
                                   fakes.make_spec(group=group))

    def test_same_and_different_host_hints(self):
        host = fakes.make_host(instances=[uuids.a, uuids.b])
        same = affinity_filter.SameHostFilter()
        diff = affinity_filter.DifferentHostFilter()
        assert same.host_passes(host, fakes.make_spec())
        assert diff.host_passes(host, fakes.make_spec())
        assert same.host_passes(host, fakes.make_spec(
            hints={"same_host": [uuids.a, uuids.x]}))
        assert not same.host_passes(host, fakes.make_spec(hints={"same_host": uuids.x}))
        assert not diff.host_passes(host, fakes.make_spec(
            hints={"different_host": uuids.b}))
        assert diff.host_passes(host, fakes.make_spec(hints={"different_host": [uuids.x]}))


class TestAggregateInstanceExtraSpecsFilter:
    flt = aggregate_instance_extra_specs.AggregateInstanceExtraSpecsFilter()

    def passes(self, extra_specs, metadata):
        aggs = [fakes.make_aggregate("a%d" % i, md) for i, md in enumerate(metadata)]
        return self.flt.host_passes(fakes.make_host(aggregates=aggs), fakes.make_spec(
            fakes.make_flavor(extra_specs=extra_specs)))

    def test_no_extra_specs(self):
        assert self.passes({}, [])

    def test_scoped_and_unscoped(self):
        assert self.passes({"aggregate_instance_extra_specs:ssd": "true"},
                           [{"ssd": "true"}])
        assert self.passes({"ssd": "true"}, [{"ssd": "false"}, {"ssd": "true"}])
        assert not self.passes({"ssd": "true"}, [{"ssd": "false"}])
        assert not self.passes({"ssd": "true"}, [])
        assert self.passes({"capabilities:x": "1", "ssd": "<or> a <or> true"},
                           [{"ssd": "true"}])


@pytest.mark.parametrize("value,req,expected", [
    ("5", "= 4", True), ("3", "= 4", False), ("4", "== 4", True), ("4", "!= 4", False),
    ("10", ">= 9", True), ("8", "<= 9", True), ("abc", "s== abc", True),
    ("abc", "s!= abc", False), ("a", "s< b", True), ("b", "s> a", True),
    ("nvidia tesla", "<in> tesla", True), ("x", "<or> y <or> x", True),
    (["a", "b", "c"], "<all-in> a c", True), (["a"], "<all-in> a c", False),
    ("plain", "plain", True), ("plain", "other", False), (None, "x", False),
    ("notnumber", ">= 1", False),
])
def test_extra_specs_ops(value, req, expected):
    assert extra_specs_ops.match(value, req) is expected


@pytest.fixture
def fs_opt():
    touched = []

    def set_opt(name, value):
        CONF.set_override(name, value, group="filter_scheduler")
        touched.append(name)
    yield set_opt
    for name in touched:
        CONF.clear_override(name, group="filter_scheduler")


def test_num_instances_and_io_ops(fs_opt):
    from nova.scheduler.filters import load_filters
    busy = fakes.make_host(stats={"num_instances": "3", "io_workload": "2"})
    spec = fakes.make_spec()
    assert load_filters.NumInstancesFilter().host_passes(busy, spec)
    assert load_filters.IoOpsFilter().host_passes(busy, spec)
    fs_opt("max_instances_per_host", 3)
    fs_opt("max_io_ops_per_host", 2)
    assert not load_filters.NumInstancesFilter().host_passes(busy, spec)
    assert not load_filters.IoOpsFilter().host_passes(busy, spec)
    roomy = fakes.make_aggregate("r", {"max_instances_per_host": "10",
                                       "max_io_ops_per_host": "x"})
    busy.update(aggregates=[roomy])
    assert load_filters.AggregateNumInstancesFilter().host_passes(busy, spec)
    assert not load_filters.AggregateIoOpsFilter().host_passes(busy, spec)


def test_multi_tenancy_isolation():
    from nova.scheduler.filters import isolation_filters
    flt = isolation_filters.AggregateMultiTenancyIsolation()
    spec = fakes.make_spec()                       # project p1
    assert flt.host_passes(fakes.make_host(), spec)
    mine = fakes.make_aggregate("m", {"filter_tenant_id": "p0, p1"})
    theirs = fakes.make_aggregate("t", {"filter_tenant_id_2": "p2"})
    assert flt.host_passes(fakes.make_host(aggregates=[mine]), spec)
    assert not flt.host_passes(fakes.make_host(aggregates=[theirs]), spec)


def test_image_properties_isolation(fs_opt):
    from nova.scheduler.filters import isolation_filters
    flt = isolation_filters.AggregateImagePropertiesIsolation()
    agg = fakes.make_aggregate("w", {"os_distro": "windows", "ns.tier": "gold"})
    host = fakes.make_host(aggregates=[agg])
    assert flt.host_passes(host, fakes.make_spec(image_props={"os_distro": "windows"}))
    assert not flt.host_passes(host, fakes.make_spec(image_props={"os_distro": "ubuntu"}))
    assert flt.host_passes(host, fakes.make_spec())
    fs_opt("aggregate_image_properties_isolation_namespace", "ns")
    assert flt.host_passes(host, fakes.make_spec(image_props={"os_distro": "ubuntu"}))
    assert not flt.host_passes(host, fakes.make_spec(image_props={"ns.tier": "bronze"}))


def test_isolated_hosts(fs_opt):
    from nova import objects
    from nova.scheduler.filters import isolation_filters
    flt = isolation_filters.IsolatedHostsFilter()
    special = fakes.make_spec()
    special.image = objects.ImageMeta.from_dict({"id": uuids.special, "properties": {}})
    plain = fakes.make_spec()
    iso, other = fakes.make_host("iso"), fakes.make_host("other")
    fs_opt("isolated_hosts", ["iso"])
    assert not flt.host_passes(iso, plain) and flt.host_passes(other, plain)
    fs_opt("isolated_images", [uuids.special])
    assert flt.host_passes(iso, special) and not flt.host_passes(other, special)
    assert not flt.host_passes(iso, plain)
    fs_opt("restrict_isolated_hosts_to_isolated_images", False)
    assert flt.host_passes(iso, plain)
    assert not flt.host_passes(other, special)
