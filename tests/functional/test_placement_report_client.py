"""SchedulerReportClient against the real openstack-placement served in this process."""

from oslo_utils import uuidutils
import pytest

from nova.compute import provider_tree
from nova import context as nova_context
from nova import exception


class Query:
    """What the scheduler's ResourceRequest hands the client: a query string."""

    def __init__(self, querystring):
        self.querystring = querystring

    def to_querystring(self):
        return self.querystring


INVENTORY = {
    "VCPU": {"total": 4, "reserved": 0, "min_unit": 1, "max_unit": 4, "step_size": 1,
             "allocation_ratio": 2.0},
    "MEMORY_MB": {"total": 4096, "reserved": 512, "min_unit": 1, "max_unit": 4096,
                  "step_size": 1, "allocation_ratio": 1.0},
    "DISK_GB": {"total": 100, "reserved": 0, "min_unit": 1, "max_unit": 100,
                "step_size": 1, "allocation_ratio": 1.0},
}


@pytest.fixture
def ctxt():
    return nova_context.get_admin_context()


def _node(placement, ctxt, name="node1"):
    client = placement.client()
    rp_uuid = uuidutils.generate_uuid()
    tree = client.get_provider_tree_and_ensure_root(ctxt, rp_uuid, name=name)
    tree.update_inventory(name, INVENTORY)
    tree.update_traits(name, {"COMPUTE_NODE", "HW_CPU_X86_AVX2", "CUSTOM_GOLD"})
    client.update_from_provider_tree(ctxt, tree)
    return client, rp_uuid


def test_provider_tree_push_creates_provider_inventory_and_traits(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)

    provider = placement.get("/resource_providers/%s" % rp_uuid)
    assert provider["name"] == "node1"
    inventories = placement.get("/resource_providers/%s/inventories" % rp_uuid)["inventories"]
    assert inventories["VCPU"]["allocation_ratio"] == 2.0
    assert inventories["MEMORY_MB"]["reserved"] == 512
    assert set(inventories) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    traits = placement.get("/resource_providers/%s/traits" % rp_uuid)["traits"]
    assert set(traits) == {"COMPUTE_NODE", "HW_CPU_X86_AVX2", "CUSTOM_GOLD"}
    assert "CUSTOM_GOLD" in placement.get("/traits?name=startswith:CUSTOM_")["traits"]

    # Nothing changed: nothing is written (the generation stays).
    generation = placement.get("/resource_providers/%s" % rp_uuid)["generation"]
    tree = client.get_provider_tree_and_ensure_root(ctxt, rp_uuid)
    client.update_from_provider_tree(ctxt, tree)
    assert placement.get("/resource_providers/%s" % rp_uuid)["generation"] == generation

    # A fresh client (a restarted compute) reads the provider back, no duplicate.
    fresh = placement.client()
    tree = fresh.get_provider_tree_and_ensure_root(ctxt, rp_uuid, name="node1")
    assert tree.data("node1").traits == {"COMPUTE_NODE", "HW_CPU_X86_AVX2", "CUSTOM_GOLD"}
    assert tree.data(rp_uuid).inventory["DISK_GB"]["total"] == 100
    assert len(placement.get("/resource_providers")["resource_providers"]) == 1


def test_inventory_update_survives_a_generation_race(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    # Someone else bumps the generation behind the client's back.
    status, _ = placement.request("PUT", "/resource_providers/%s/traits" % rp_uuid, {
        "traits": ["COMPUTE_NODE"],
        "resource_provider_generation":
            placement.get("/resource_providers/%s" % rp_uuid)["generation"]})
    assert status == 200
    bigger = dict(INVENTORY, VCPU=dict(INVENTORY["VCPU"], total=8, max_unit=8))
    assert client.set_inventory_for_provider(ctxt, rp_uuid, bigger)
    inventories = placement.get("/resource_providers/%s/inventories" % rp_uuid)["inventories"]
    assert inventories["VCPU"]["total"] == 8


def test_set_traits_rejects_unknown_standard_trait(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    with pytest.raises(exception.TraitCreationFailed):
        client.set_traits_for_provider(ctxt, rp_uuid, ["NOT_A_REAL_TRAIT"])


def test_aggregates_follow_nova_hosts(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    agg = uuidutils.generate_uuid()
    assert client.aggregate_add_host(ctxt, agg, "node1")
    assert placement.get("/resource_providers/%s/aggregates" % rp_uuid)["aggregates"] == [agg]
    # Idempotent, and members show up in member_of queries.
    assert client.aggregate_add_host(ctxt, agg, "node1")
    found = placement.get("/resource_providers?member_of=%s" % agg)["resource_providers"]
    assert [p["uuid"] for p in found] == [rp_uuid]
    assert client.aggregate_remove_host(ctxt, agg, "node1")
    assert placement.get("/resource_providers/%s/aggregates" % rp_uuid)["aggregates"] == []
    with pytest.raises(exception.NovaPlacementAggregateNotFound):
        client.aggregate_add_host(ctxt, agg, "no-such-node")


def test_candidates_claim_conflict_usages_and_delete(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    project, user = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    query = Query("resources=VCPU:2,MEMORY_MB:1024,DISK_GB:10"
                  "&required=CUSTOM_GOLD&limit=10")
    alloc_reqs, summaries, version = client.get_allocation_candidates(ctxt, query)
    assert version == "1.36"
    assert len(alloc_reqs) == 1 and rp_uuid in summaries
    assert summaries[rp_uuid]["resources"]["VCPU"]["capacity"] == 8

    consumer = uuidutils.generate_uuid()
    assert client.claim_resources(ctxt, consumer, alloc_reqs[0], project, user, version)
    allocations = client.get_allocations_for_consumer(ctxt, consumer)
    assert allocations[rp_uuid]["resources"] == {"VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 10}

    # Claiming again as if the consumer were new: its generation moved on.
    with pytest.raises(exception.AllocationUpdateFailed):
        client.claim_resources(ctxt, consumer, alloc_reqs[0], project, user, version)
    # With the current generation the claim replaces the allocation.
    generation = client.get_allocs_for_consumer(ctxt, consumer)["consumer_generation"]
    assert client.claim_resources(ctxt, consumer, alloc_reqs[0], project, user, version,
                                  consumer_generation=generation)

    usages = client.get_usages_counts_for_quota(ctxt, project, user)
    assert usages == {"project": {"cores": 2, "ram": 1024}, "user": {"cores": 2, "ram": 1024}}

    # Not enough left for a second big consumer: Placement refuses the claim.
    too_big = {"allocations": {rp_uuid: {"resources": {"VCPU": 7}}}}
    assert client.claim_resources(ctxt, uuidutils.generate_uuid(), too_big, project, user,
                                  version) is False
    # Capacity requests that cannot fit get no candidates at all.
    alloc_reqs, _s, _v = client.get_allocation_candidates(ctxt, Query("resources=VCPU:7"))
    assert alloc_reqs == []
    # Inventory still in use cannot be removed.
    with pytest.raises(exception.InventoryInUse):
        client.set_inventory_for_provider(ctxt, rp_uuid, {})

    assert client.delete_allocation_for_instance(ctxt, consumer)
    assert client.get_allocations_for_consumer(ctxt, consumer) == {}
    assert client.delete_allocation_for_instance(ctxt, consumer) is False
    assert client.get_usages_counts_for_quota(ctxt, project) == {
        "project": {"cores": 0, "ram": 0}}


def test_forced_delete_and_put_allocations(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    project, user = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    consumer = uuidutils.generate_uuid()
    payload = {"allocations": {rp_uuid: {"resources": {"VCPU": 1, "MEMORY_MB": 256}}},
               "project_id": project, "user_id": user, "consumer_generation": None}
    assert client.put_allocations(ctxt, consumer, payload)
    with pytest.raises(exception.AllocationUpdateFailed):
        client.put_allocations(ctxt, consumer, payload)  # stale (None) generation
    assert client.delete_allocation_for_instance(ctxt, consumer, force=True)
    assert client.delete_allocation_for_instance(ctxt, consumer, force=True) is False


def test_unreachable_placement_gives_no_candidates(ctxt, monkeypatch):
    import nova.conf
    from nova.scheduler.client import report

    conf = nova.conf.CONF
    conf.set_override("endpoint_override", "http://127.0.0.1:9", group="placement")
    try:
        client = report.SchedulerReportClient()
        assert client.get_allocation_candidates(ctxt, Query("resources=VCPU:1")) == (
            None, None, None)
        assert client.claim_resources(ctxt, uuidutils.generate_uuid(),
                                      {"allocations": {}}, "p", "u", "1.36") is None
    finally:
        conf.clear_override("endpoint_override", group="placement")


def test_provider_tree_children_are_created_and_removed(placement, ctxt):
    client, rp_uuid = _node(placement, ctxt)
    tree = client.get_provider_tree_and_ensure_root(ctxt, rp_uuid)
    child = tree.new_child("node1_gpu", rp_uuid)
    tree.update_inventory(child, {"VGPU": {"total": 2, "max_unit": 2}})
    client.update_from_provider_tree(ctxt, tree)
    record = placement.get("/resource_providers/%s" % child)
    assert record["parent_provider_uuid"] == rp_uuid
    tree = client.get_provider_tree_and_ensure_root(ctxt, rp_uuid)
    tree.remove(child)
    client.update_from_provider_tree(ctxt, tree)
    status, _ = placement.request("GET", "/resource_providers/%s" % child)
    assert status == 404
    assert isinstance(tree, provider_tree.ProviderTree)
