"""ProviderTree: the resource tracker's picture of its providers."""

import pytest

from nova.compute import provider_tree
from nova import exception


def _tree():
    tree = provider_tree.ProviderTree()
    tree.new_root("node1", "rp-1", generation=3)
    return tree


def test_lookup_by_name_or_uuid_and_missing_provider():
    tree = _tree()
    assert tree.data("node1").uuid == "rp-1"
    assert tree.data("rp-1").generation == 3
    assert tree.exists("node1") and not tree.exists("node2")
    with pytest.raises(exception.ResourceProviderNotFound):
        tree.data("node2")


def test_inventory_changes_are_compared_with_placement_defaults():
    tree = _tree()
    assert tree.update_inventory("node1", {"VCPU": {"total": 4}})
    stored = tree.data("node1").inventory["VCPU"]
    assert stored == {"total": 4, "reserved": 0, "min_unit": 1, "max_unit": 4,
                      "step_size": 1, "allocation_ratio": 1.0}
    # The same inventory spelled out in full is no change; a new ratio is.
    assert not tree.has_inventory_changed("node1", {"VCPU": dict(stored)})
    assert tree.has_inventory_changed("node1", {"VCPU": dict(stored, allocation_ratio=2)})
    assert not tree.update_inventory("node1", {"VCPU": {"total": 4, "allocation_ratio": 1}})


def test_traits_and_aggregates():
    tree = _tree()
    assert tree.update_traits("node1", ["COMPUTE_NODE"], generation=4)
    tree.add_traits("node1", "CUSTOM_A", "CUSTOM_B")
    tree.remove_traits("node1", "CUSTOM_A")
    assert tree.data("node1").traits == {"COMPUTE_NODE", "CUSTOM_B"}
    assert tree.has_traits("node1", ["CUSTOM_B"])
    assert not tree.have_traits_changed("node1", {"COMPUTE_NODE", "CUSTOM_B"})
    assert tree.data("node1").generation == 4
    tree.add_aggregates("node1", "agg-1")
    assert tree.have_aggregates_changed("node1", [])
    assert not tree.update_aggregates("node1", ["agg-1"])


def test_children_copy_and_remove():
    tree = _tree()
    child = tree.new_child("node1_gpu0", "node1", uuid="rp-2")
    grandchild = tree.new_child("node1_gpu0_vf", child)
    assert tree.get_provider_uuids("node1") == ["rp-1", "rp-2", grandchild]
    assert [root.uuid for root in tree.roots()] == ["rp-1"]
    clone = tree.copy()
    clone.update_traits("rp-2", ["CUSTOM_X"])
    assert tree.data("rp-2").traits == set()  # the copy is independent
    tree.remove(child)
    assert tree.get_provider_uuids() == ["rp-1"]
    assert clone.exists(grandchild)


def test_populate_from_placement_records():
    tree = provider_tree.ProviderTree()
    tree.populate_from_placement([
        {"uuid": "rp-1", "name": "n1", "generation": 1, "parent_provider_uuid": None},
        {"uuid": "rp-2", "name": "n1_child", "generation": 0, "parent_provider_uuid": "rp-1"},
    ])
    assert tree.data("n1_child").parent_uuid == "rp-1"
    tree.populate_from_placement([{"uuid": "rp-1", "name": "renamed", "generation": 5}])
    assert tree.data("rp-1").name == "renamed" and tree.data("rp-1").generation == 5
