"""An in-memory picture of the resource providers a compute host reports to Placement.

The report client keeps one ProviderTree as its cache of what Placement
holds; the resource tracker hands the virt driver a copy to edit
(``ComputeDriver.update_provider_tree``) and then asks the report client to
push the differences. Providers are found by name or UUID; each has a
parent (None for a root), a generation, inventories, traits and aggregates.
"""

import copy
import threading

from nova import exception


class ProviderData:
    """A read-only snapshot of one provider (what ProviderTree.data() returns)."""

    def __init__(self, provider):
        self.uuid = provider.uuid
        self.name = provider.name
        self.parent_uuid = provider.parent_uuid
        self.generation = provider.generation
        self.inventory = copy.deepcopy(provider.inventory)
        self.traits = set(provider.traits)
        self.aggregates = set(provider.aggregates)


class _Provider:
    def __init__(self, name, uuid, generation=None, parent_uuid=None):
        self.name = name
        self.uuid = uuid
        self.generation = generation
        self.parent_uuid = parent_uuid
        self.inventory = {}
        self.traits = set()
        self.aggregates = set()


def _normalise_inventory(inventory):
    """Inventories compared as Placement stores them (ints/floats, defaults filled)."""
    defaults = {"reserved": 0, "min_unit": 1, "max_unit": None, "step_size": 1,
                "allocation_ratio": 1.0}
    result = {}
    for rc, record in (inventory or {}).items():
        rec = dict(defaults)
        rec.update(record)
        if rec["max_unit"] is None:
            rec["max_unit"] = rec["total"]
        rec["allocation_ratio"] = float(rec["allocation_ratio"])
        result[rc] = rec
    return result


class ProviderTree:
    """Providers by UUID, in the order they were added (parents before children)."""

    def __init__(self):
        self._lock = threading.RLock()
        self._providers = {}

    # -- lookup ----------------------------------------------------------

    def _find(self, name_or_uuid):
        provider = self._providers.get(name_or_uuid)
        if provider is not None:
            return provider
        for provider in self._providers.values():
            if provider.name == name_or_uuid:
                return provider
        raise exception.ResourceProviderNotFound(name_or_uuid=name_or_uuid)

    def exists(self, name_or_uuid):
        with self._lock:
            try:
                self._find(name_or_uuid)
            except exception.ResourceProviderNotFound:
                return False
            return True

    def data(self, name_or_uuid):
        with self._lock:
            return ProviderData(self._find(name_or_uuid))

    def get_provider_uuids(self, name_or_uuid=None):
        """UUIDs of every provider (or of one provider's subtree), parents first."""
        with self._lock:
            if name_or_uuid is None:
                return list(self._providers)
            root = self._find(name_or_uuid).uuid
            result = [root]
            for uuid, provider in self._providers.items():
                if provider.parent_uuid in result and uuid not in result:
                    result.append(uuid)
            return result

    def roots(self):
        with self._lock:
            return [ProviderData(p) for p in self._providers.values() if p.parent_uuid is None]

    # -- structure -------------------------------------------------------

    def new_root(self, name, uuid, generation=None):
        with self._lock:
            if uuid in self._providers:
                raise ValueError("provider %s already exists" % uuid)
            self._providers[uuid] = _Provider(name, uuid, generation)
            return uuid

    def new_child(self, name, parent, uuid=None, generation=None):
        from oslo_utils import uuidutils

        with self._lock:
            parent_uuid = self._find(parent).uuid
            uuid = uuid or uuidutils.generate_uuid()
            self._providers[uuid] = _Provider(name, uuid, generation, parent_uuid)
            return uuid

    def remove(self, name_or_uuid):
        with self._lock:
            for uuid in reversed(self.get_provider_uuids(name_or_uuid)):
                del self._providers[uuid]

    def populate_from_placement(self, providers):
        """Add or refresh providers from Placement records (dicts with uuid, name...)."""
        with self._lock:
            for record in providers:
                provider = self._providers.get(record["uuid"])
                if provider is None:
                    provider = _Provider(record["name"], record["uuid"],
                                         record.get("generation"),
                                         record.get("parent_provider_uuid"))
                    self._providers[record["uuid"]] = provider
                else:
                    provider.name = record["name"]
                    provider.generation = record.get("generation")
                    provider.parent_uuid = record.get("parent_provider_uuid")

    # -- contents --------------------------------------------------------

    def update_generation(self, name_or_uuid, generation):
        with self._lock:
            self._find(name_or_uuid).generation = generation

    def has_inventory_changed(self, name_or_uuid, inventory):
        with self._lock:
            current = self._find(name_or_uuid).inventory
            return _normalise_inventory(current) != _normalise_inventory(inventory)

    def update_inventory(self, name_or_uuid, inventory, generation=None):
        """Replace the inventory; True when it differs from the one held before."""
        with self._lock:
            provider = self._find(name_or_uuid)
            changed = self.has_inventory_changed(name_or_uuid, inventory)
            provider.inventory = _normalise_inventory(inventory)
            if generation is not None:
                provider.generation = generation
            return changed

    def have_traits_changed(self, name_or_uuid, traits):
        with self._lock:
            return self._find(name_or_uuid).traits != set(traits)

    def update_traits(self, name_or_uuid, traits, generation=None):
        with self._lock:
            provider = self._find(name_or_uuid)
            changed = provider.traits != set(traits)
            provider.traits = set(traits)
            if generation is not None:
                provider.generation = generation
            return changed

    def add_traits(self, name_or_uuid, *traits):
        with self._lock:
            self._find(name_or_uuid).traits.update(traits)

    def remove_traits(self, name_or_uuid, *traits):
        with self._lock:
            self._find(name_or_uuid).traits.difference_update(traits)

    def has_traits(self, name_or_uuid, traits):
        with self._lock:
            return set(traits) <= self._find(name_or_uuid).traits

    def have_aggregates_changed(self, name_or_uuid, aggregates):
        with self._lock:
            return self._find(name_or_uuid).aggregates != set(aggregates)

    def update_aggregates(self, name_or_uuid, aggregates, generation=None):
        with self._lock:
            provider = self._find(name_or_uuid)
            changed = provider.aggregates != set(aggregates)
            provider.aggregates = set(aggregates)
            if generation is not None:
                provider.generation = generation
            return changed

    def add_aggregates(self, name_or_uuid, *aggregates):
        with self._lock:
            self._find(name_or_uuid).aggregates.update(aggregates)

    def copy(self):
        with self._lock:
            clone = ProviderTree()
            clone._providers = copy.deepcopy(self._providers)
            return clone
