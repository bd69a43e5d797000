"""ResourceRequest: the GET /allocation_candidates query built from a RequestSpec."""

from urllib import parse

import pytest

import nova.conf
from nova import objects
from nova.scheduler import utils
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


def query(spec, **kwargs):
    return parse.parse_qsl(utils.ResourceRequest.from_request_spec(spec, **kwargs)
                           .to_querystring())


def test_flavor_sizes_with_swap_rounded_up_and_ephemeral():
    spec = fakes.make_spec(fakes.make_flavor(vcpus=2, memory_mb=2048, root_gb=20,
                                             ephemeral_gb=5, swap=1025))
    assert query(spec) == [("limit", "1000"),
                           ("resources", "DISK_GB:27,MEMORY_MB:2048,VCPU:2")]


def test_volume_backed_requests_no_root_disk():
    spec = fakes.make_spec(fakes.make_flavor(root_gb=20, ephemeral_gb=1), is_bfv=True)
    assert dict(query(spec))["resources"] == "DISK_GB:1,MEMORY_MB:512,VCPU:1"


def test_zero_disk_is_left_out():
    spec = fakes.make_spec(fakes.make_flavor(root_gb=0))
    assert dict(query(spec))["resources"] == "MEMORY_MB:512,VCPU:1"


def test_resource_overrides_replace_and_remove_flavor_amounts():
    spec = fakes.make_spec(fakes.make_flavor(extra_specs={
        "resources:VCPU": "0", "resources:MEMORY_MB": "0", "resources:DISK_GB": "0",
        "resources:CUSTOM_BAREMETAL_GOLD": "1"}))
    assert dict(query(spec))["resources"] == "CUSTOM_BAREMETAL_GOLD:1"


def test_traits_from_flavor_and_image():
    spec = fakes.make_spec(
        fakes.make_flavor(extra_specs={"trait:HW_CPU_X86_AVX2": "required",
                                       "trait:CUSTOM_SLOW": "forbidden",
                                       "trait:CUSTOM_IGNORED": "maybe",
                                       "hw:cpu_policy": "shared"}),
        image_props={"trait:HW_NIC_SRIOV": "required", "trait:CUSTOM_X": "forbidden"})
    assert dict(query(spec))["required"] == "HW_CPU_X86_AVX2,HW_NIC_SRIOV,!CUSTOM_SLOW"


def test_granular_groups_and_group_policy():
    spec = fakes.make_spec(fakes.make_flavor(extra_specs={
        "resources1:SRIOV_NET_VF": "2", "trait1:CUSTOM_PHYSNET_A": "required",
        "resources2:SRIOV_NET_VF": "1", "group_policy": "isolate"}))
    q = query(spec)
    assert ("group_policy", "isolate") in q
    assert ("resources1", "SRIOV_NET_VF:2") in q
    assert ("required1", "CUSTOM_PHYSNET_A") in q
    assert ("resources2", "SRIOV_NET_VF:1") in q


def test_several_numbered_groups_get_a_default_policy():
    spec = fakes.make_spec(fakes.make_flavor(extra_specs={
        "resources1:SRIOV_NET_VF": "1", "resources2:SRIOV_NET_VF": "1"}))
    assert ("group_policy", "none") in query(spec)


def test_destination_aggregates_and_root_traits():
    spec = fakes.make_spec()
    spec.requested_destination = objects.Destination()
    spec.requested_destination.require_aggregates(["b", "a"])
    spec.requested_destination.require_aggregates(["c"])
    spec.requested_destination.append_forbidden_aggregates(["z", "y"])
    spec.request_level_params.root_required.add("COMPUTE_IMAGE_TYPE_RAW")
    spec.request_level_params.root_forbidden.add("COMPUTE_STATUS_DISABLED")
    q = query(spec)
    assert [v for k, v in q if k == "member_of"] == ["!in:y,z", "in:a,b", "in:c"]
    assert ("root_required", "COMPUTE_IMAGE_TYPE_RAW,!COMPUTE_STATUS_DISABLED") in q


def test_requested_host_becomes_in_tree_without_limit():
    spec = fakes.make_spec()
    spec.requested_destination = objects.Destination(host="h1", node="n1")
    q = query(spec, compute_node_lookup=lambda dest: "rp-%s-%s" % (dest.host, dest.node))
    assert ("in_tree", "rp-h1-n1") in q
    assert "limit" not in dict(q)


def test_forced_hosts_drop_the_limit_and_limit_follows_config():
    spec = fakes.make_spec(force_hosts=["h1"])
    assert "limit" not in dict(query(spec))
    CONF.set_override("max_placement_results", 7, group="scheduler")
    try:
        assert dict(query(fakes.make_spec()))["limit"] == "7"
    finally:
        CONF.clear_override("max_placement_results", group="scheduler")


@pytest.mark.parametrize("bad", ["resources:VCPU", "resources:lower_case"])
def test_invalid_resource_specs_are_ignored(bad):
    value = "x" if bad == "resources:VCPU" else "1"
    spec = fakes.make_spec(fakes.make_flavor(extra_specs={bad: value}))
    assert dict(query(spec))["resources"] == "DISK_GB:10,MEMORY_MB:512,VCPU:1"


def test_dedicated_cpus_become_pcpu():
    spec = fakes.make_spec(fakes.make_flavor(vcpus=4, extra_specs={
        "hw:cpu_policy": "dedicated", "hw:cpu_thread_policy": "isolate"}))
    q = dict(query(spec))
    assert q["resources"] == "DISK_GB:10,MEMORY_MB:512,PCPU:4"
    assert q["required"] == "!HW_CPU_HYPERTHREADING"


def test_image_cpu_policy_and_emulator_thread():
    spec = fakes.make_spec(fakes.make_flavor(vcpus=2, extra_specs={
        "hw:emulator_threads_policy": "isolate"}),
        image_props={"hw_cpu_policy": "dedicated", "hw_cpu_thread_policy": "require"})
    q = dict(query(spec))
    assert q["resources"] == "DISK_GB:10,MEMORY_MB:512,PCPU:3"
    assert q["required"] == "HW_CPU_HYPERTHREADING"


def test_explicit_cpu_resources_win_over_the_policy():
    spec = fakes.make_spec(fakes.make_flavor(vcpus=4, extra_specs={
        "hw:cpu_policy": "dedicated", "resources:VCPU": "2"}))
    assert dict(query(spec))["resources"] == "DISK_GB:10,MEMORY_MB:512,VCPU:2"


def test_memory_encryption_context():
    spec = fakes.make_spec(image_props={"hw_mem_encryption": "True"})
    assert "MEM_ENCRYPTION_CONTEXT:1" in dict(query(spec))["resources"]
