"""Flavor extra spec checks (microversion 2.86)."""

import pytest

from nova.api.openstack.compute import flavors_extraspecs_validation as v


@pytest.mark.parametrize("key, value", [
    ("hw:cpu_policy", "dedicated"), ("hw:cpu_policy", "mixed"),
    ("hw:cpu_thread_policy", "isolate"), ("hw:mem_page_size", "large"),
    ("hw:mem_page_size", "2048"), ("hw:mem_page_size", "1GB"), ("hw:numa_nodes", "2"),
    ("hw:numa_cpus.0", "0-3,^2"), ("hw:numa_mem.1", "1024"), ("hw:watchdog_action", "reset"),
    ("hw_rng:allowed", "True"), ("hw_video:ram_max_mb", "64"), ("quota:cpu_shares", "1024"),
    ("quota:disk_read_bytes_sec", "10000"), ("os:secure_boot", "required"),
    ("resources:VCPU", "1"), ("resources_gpu:CUSTOM_FPGA", "2"),
    ("trait:HW_CPU_X86_AVX2", "required"), ("trait1:CUSTOM_FAST", "forbidden"),
    ("group_policy", "isolate"), ("aggregate_instance_extra_specs:ssd", "true"),
    ("capabilities:cpu_info:arch", "x86_64"), ("no_namespace_key", "whatever"),
])
def test_accepted(key, value):
    v.validate(key, value)


@pytest.mark.parametrize("key, value, needle", [
    ("hw:cpu_policy", "always", "hw:cpu_policy"),
    ("hw:mem_page_size", "huge", "hw:mem_page_size"),
    ("hw:numa_nodes", "0", "at least 1"),
    ("hw:not_a_thing", "1", "does not exist"),
    ("hw_rng:allowed", "maybe", "boolean"),
    ("quota:cpu_shares", "lots", "integer"),
    ("resources:WIDGETS", "1", "unknown resource class"),
    ("resources:VCPU", "-1", "non-negative"),
    ("trait:NOT_A_TRAIT", "required", "unknown trait"),
    ("trait:CUSTOM_X", "yes", "'required' or 'forbidden'"),
    ("group_policy", "spread", "group_policy"),
])
def test_refused(key, value, needle):
    with pytest.raises(v.ExtraSpecInvalid) as info:
        v.validate(key, value)
    assert needle in str(info.value)
