"""What filters and weighers read of a host's aggregates."""

import collections


def aggregate_values_from_key(host_state, key_name):
    """The set of values the host's aggregates give ``key_name``."""
    return {agg.metadata[key_name] for agg in host_state.aggregates or []
            if agg.metadata and key_name in agg.metadata}


def aggregate_metadata_get_by_host(host_state, key=None):
    """{key: set(values)} over the host's aggregates (only ``key`` when given)."""
    metadata = collections.defaultdict(set)
    for aggregate in host_state.aggregates or []:
        for name, value in (aggregate.metadata or {}).items():
            if key is None or name == key:
                metadata[name].add(value)
    return metadata


def instance_uuids_overlap(host_state, uuids):
    """True when any of ``uuids`` runs on the host."""
    if isinstance(uuids, str):
        uuids = [uuids]
    return bool(set(uuids or ()) & set(host_state.instances or ()))
