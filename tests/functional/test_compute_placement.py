"""nova-compute with the fake driver reports its node to the real (embedded) Placement."""

import time

import pytest

import nova.conf
from nova import context as nova_context
from nova.objects import cell_setup
from nova import objects
from nova import service
from nova.virt import fake
from tests.functional.compute_seed import parsed_conf  # noqa: F401

CONF = nova.conf.CONF

pytestmark = pytest.mark.usefixtures("parsed_conf")

CAPABILITY_TRAITS = {"COMPUTE_NODE", "COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_DEVICE_TAGGING",
                     "COMPUTE_VOLUME_MULTI_ATTACH", "COMPUTE_IMAGE_TYPE_RAW",
                     "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_TRUSTED_CERTS"}


@pytest.fixture
def compute(api, placement):
    services = []

    def start(host="cmp1"):
        svc = service.Service.create(host=host, binary="nova-compute", topic="compute")
        svc.start()
        services.append(svc)
        cell_setup.discover_hosts(api.ctxt)
        return svc

    yield start
    for svc in reversed(services):
        svc.stop()


def _provider(placement, ctxt, host):
    node = objects.ComputeNode.get_by_host_and_nodename(ctxt, host, host)
    return node, placement.get("/resource_providers/%s" % node.uuid)


def _traits(placement, rp_uuid):
    return set(placement.get("/resource_providers/%s/traits" % rp_uuid)["traits"])


def test_compute_reports_provider_inventory_and_traits(api, placement, compute):
    compute("cmp1")
    node, provider = _provider(placement, api.ctxt, "cmp1")
    assert provider["name"] == "cmp1"
    inventories = placement.get(
        "/resource_providers/%s/inventories" % node.uuid)["inventories"]
    assert inventories["VCPU"]["total"] == fake.FakeDriver.vcpus
    assert inventories["VCPU"]["allocation_ratio"] == 4.0
    assert inventories["MEMORY_MB"]["total"] == fake.FakeDriver.memory_mb
    assert inventories["MEMORY_MB"]["reserved"] == 512
    assert inventories["DISK_GB"]["total"] == fake.FakeDriver.local_gb
    traits = _traits(placement, node.uuid)
    assert CAPABILITY_TRAITS <= traits
    assert "COMPUTE_ACCELERATORS" not in traits  # the fake does not claim it
    assert "COMPUTE_STATUS_DISABLED" not in traits
    assert node.cpu_allocation_ratio == 4.0


def test_configured_ratios_and_reservations_reach_placement(api, placement, compute):
    svc = compute("cmp1")
    node, _p = _provider(placement, api.ctxt, "cmp1")
    CONF.set_override("cpu_allocation_ratio", 16.0)
    CONF.set_override("reserved_host_disk_mb", 2048)
    CONF.set_override("reserved_host_cpus", 1)
    try:
        svc.manager.update_available_resource(nova_context.get_admin_context())
    finally:
        for name in ("cpu_allocation_ratio", "reserved_host_disk_mb", "reserved_host_cpus"):
            CONF.clear_override(name)
    inventories = placement.get(
        "/resource_providers/%s/inventories" % node.uuid)["inventories"]
    assert inventories["VCPU"]["allocation_ratio"] == 16.0
    assert inventories["VCPU"]["reserved"] == 1
    assert inventories["DISK_GB"]["reserved"] == 2
    node = objects.ComputeNode.get_by_uuid(api.ctxt, node.uuid)
    assert node.cpu_allocation_ratio == 16.0


def test_operator_changes_in_placement_are_kept(api, placement, compute):
    """An unconfigured ratio and an operator's custom trait survive the next update."""
    CONF.set_override("resource_provider_association_refresh", 1, group="compute")
    try:
        svc = compute("cmp1")
        node, provider = _provider(placement, api.ctxt, "cmp1")
        path = "/resource_providers/%s/inventories/MEMORY_MB" % node.uuid
        record = placement.get(path)
        record.update(allocation_ratio=1.5)
        status, body = placement.request("PUT", path, record)
        assert status == 200, body
        status, _ = placement.request("PUT", "/traits/CUSTOM_FAST_NET")
        traits = _traits(placement, node.uuid) | {"CUSTOM_FAST_NET"}
        status, body = placement.request("PUT", "/resource_providers/%s/traits" % node.uuid, {
            "traits": sorted(traits), "resource_provider_generation": record[
                "resource_provider_generation"] + 1})
        assert status == 200, body
        time.sleep(1.1)  # the client's cached view of the provider is now stale
        svc.manager.update_available_resource(nova_context.get_admin_context())
        assert placement.get(path)["allocation_ratio"] == 1.5
        assert "CUSTOM_FAST_NET" in _traits(placement, node.uuid)

        # A provider deleted behind the compute's back is created again.
        status, _ = placement.request("DELETE", "/resource_providers/%s" % node.uuid)
        assert status == 204
        time.sleep(1.1)
        svc.manager.update_available_resource(nova_context.get_admin_context())
    finally:
        CONF.clear_override("resource_provider_association_refresh", group="compute")
    assert placement.get("/resource_providers/%s" % node.uuid)["name"] == "cmp1"
    assert placement.get(path)["total"] == fake.FakeDriver.memory_mb


def test_disable_and_enable_through_the_api_toggle_the_trait(api, placement, compute):
    compute("cmp1")
    node, _p = _provider(placement, api.ctxt, "cmp1")

    # What `openstack compute service set --disable|--enable cmp1 nova-compute` does,
    # by openstacksdk (the CLI itself: tests/functional/test_api_services.py).
    compute = api.sdk().compute
    [found] = compute.services(host="cmp1", binary="nova-compute")
    # The API asks the compute (an RPC call): the trait is right when it answers.
    compute.disable_service(found, "cmp1", "nova-compute")
    assert "COMPUTE_STATUS_DISABLED" in _traits(placement, node.uuid)
    assert CAPABILITY_TRAITS <= _traits(placement, node.uuid)

    compute.enable_service(found, "cmp1", "nova-compute")
    assert "COMPUTE_STATUS_DISABLED" not in _traits(placement, node.uuid)

    # 2.53: by service UUID.
    svc = objects.Service.get_by_compute_host(api.ctxt, "cmp1")
    status, _h, body = api.request("PUT", "/os-services/%s" % svc.uuid,
                                   {"status": "disabled", "disabled_reason": "rack work"},
                                   version="2.53")
    assert status == 200, body
    assert "COMPUTE_STATUS_DISABLED" in _traits(placement, node.uuid)


def test_periodic_update_syncs_the_trait_with_the_service_flag(api, placement, compute):
    svc = compute("cmp1")
    node, _p = _provider(placement, api.ctxt, "cmp1")
    # Disabled behind the compute's back (no RPC): the next update notices.
    row = objects.Service.get_by_compute_host(api.ctxt, "cmp1")
    row.disabled = True
    row.save()
    assert "COMPUTE_STATUS_DISABLED" not in _traits(placement, node.uuid)
    svc.manager.update_available_resource(nova_context.get_admin_context())
    assert "COMPUTE_STATUS_DISABLED" in _traits(placement, node.uuid)


def test_compute_without_placement_still_records_its_node(api, compute, placement):
    CONF.set_override("endpoint_override", "http://127.0.0.1:9", group="placement")
    try:
        compute("cmp2")
    finally:
        CONF.clear_override("endpoint_override", group="placement")
    node = objects.ComputeNode.get_by_host_and_nodename(api.ctxt, "cmp2", "cmp2")
    status, _ = placement.request("GET", "/resource_providers/%s" % node.uuid)
    assert status == 404
