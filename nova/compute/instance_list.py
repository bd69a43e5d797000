"""Listing instances across cells: one sorted, paged list out of many databases.

Build requests (servers the scheduler has not placed yet) come first, sorted
among themselves; then the instances of every cell, queried at once
(scatter-gather) and merged into the requested order. A marker may name a
build request or an instance of any cell: an instance marker is looked up
once, and every cell then pages after that instance's sort-key values.
"""

import functools
import heapq
import re

from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import instance as instance_obj
from nova.objects import instance_listing

LOG = logging.getLogger(__name__)

# Filters applied here, on the network info, rather than in the databases.
_IP_FILTERS = ("ip", "ip6")


def _compare(a, b):
    """Compare two sort values; None sorts first, as SQLite and MySQL order it."""
    if a == b:
        return 0
    if a is None:
        return -1
    if b is None:
        return 1
    return -1 if a < b else 1


def _sort_key(sort_keys, sort_dirs):
    """A key function ordering instances by the (key, direction) pairs."""
    def cmp(x, y):
        for key, direction in zip(sort_keys, sort_dirs):
            result = _compare(x[key], y[key])
            if result:
                return result if direction == "asc" else -result
        return _compare(x["uuid"], y["uuid"])
    return functools.cmp_to_key(cmp)


def _addresses(network_info):
    """Every IP address of a network_info list (VIF dicts), defensively read."""
    found = []
    for vif in network_info or ():
        network = (vif or {}).get("network") or {}
        for subnet in network.get("subnets") or ():
            for ip in subnet.get("ips") or ():
                if ip.get("address"):
                    found.append(str(ip["address"]))
                for floating in ip.get("floating_ips") or ():
                    if floating.get("address"):
                        found.append(str(floating["address"]))
    return found


def _ip_matches(row, filters):
    cache = row.get("info_cache") or {}
    raw = cache.get("network_info") or "[]"
    try:
        from oslo_serialization import jsonutils
        network_info = jsonutils.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        network_info = []
    addresses = _addresses(network_info)
    for name in _IP_FILTERS:
        pattern = filters.get(name)
        if pattern is None:
            continue
        version = 6 if name == "ip6" else 4
        try:
            regex = re.compile(str(pattern))
        except re.error:
            return False
        wanted = [a for a in addresses if (":" in a) == (version == 6)]
        if not any(regex.match(a) for a in wanted):
            return False
    return True


def _query_cell(cctxt, filters, limit, marker_values, sort_keys, sort_dirs, columns):
    db_filters = {k: v for k, v in filters.items() if k not in _IP_FILTERS}
    ip_filtered = any(filters.get(k) is not None for k in _IP_FILTERS)
    if ip_filtered and "info_cache" not in columns:
        columns = list(columns) + ["info_cache"]
    rows = instance_listing.get_rows(cctxt, db_filters, None if ip_filtered else limit,
                                     marker_values, sort_keys, sort_dirs, columns)
    if ip_filtered:
        rows = [r for r in rows if _ip_matches(r, filters)]
        if limit is not None:
            rows = rows[:limit]
    return rows


def _marker_values(context, marker, sort_keys):
    """The sort-key values of the instance named by ``marker``, in whichever cell."""
    try:
        mapping = objects.InstanceMapping.get_by_instance_uuid(context, marker)
    except exception.InstanceMappingNotFound:
        raise exception.MarkerNotFound(marker=marker)
    if mapping.cell_mapping is None:
        raise exception.MarkerNotFound(marker=marker)
    with nova_context.target_cell(context, mapping.cell_mapping) as cctxt:
        try:
            return instance_listing.get_sort_values(cctxt, marker, sort_keys)
        except exception.InstanceNotFound:
            raise exception.MarkerNotFound(marker=marker)


def _to_objects(cctxt, rows, expected_attrs, records=False):
    attrs = [a for a in expected_attrs if a != "fault"]
    cache = {}
    if records:
        instances = instance_listing.from_rows(cctxt, rows, attrs, cache)
    else:
        instances = [instance_obj.Instance._from_db_object(cctxt, objects.Instance(cctxt),
                                                           row, attrs, cache=cache)
                     for row in rows]
    if "fault" in expected_attrs and instances and records:
        latest = instance_listing.latest_faults(cctxt, [i.uuid for i in instances])
        for inst in instances:
            inst.set_field("fault", latest.get(inst.uuid))
    elif "fault" in expected_attrs and instances:
        faults = objects.InstanceFaultList.get_by_instance_uuids(
            cctxt, [i.uuid for i in instances], latest=True)
        latest = {}
        for fault in faults:
            latest.setdefault(fault.instance_uuid, fault)
        for inst in instances:
            inst.fault = latest.get(inst.uuid)
            inst.obj_reset_changes(["fault"])
    return instances


def get_cell_instances(context, filters, limit, marker, expected_attrs, sort_keys,
                       sort_dirs, cell_mappings=None, on_cell_failure=None,
                       records=False):
    """Instances of all cells matching ``filters``, merged, at most ``limit``.

    Each instance keeps the context of its cell. Cells that fail or time out
    are left out (logged), each reported to ``on_cell_failure(cell_uuid,
    error)`` when given. MarkerNotFound when ``marker`` names no instance.
    With ``records``, read-only InstanceRecords (nova.objects.instance_listing)
    stand for the instances, for views that only read them.
    """
    sort_keys, sort_dirs = instance_listing.process_sort_params(sort_keys, sort_dirs)
    expected_attrs = list(expected_attrs or ())
    columns = instance_obj.expected_attrs_to_columns(expected_attrs)
    marker_values = None
    if marker is not None:
        marker_values = _marker_values(context, marker, sort_keys)
    if cell_mappings is None:
        cell_mappings = list(objects.CellMappingList.get_all(context))
    if limit == 0 or not cell_mappings:
        return []

    def run(cctxt):
        rows = _query_cell(cctxt, filters, limit, marker_values, sort_keys, sort_dirs,
                           columns)
        return cctxt, rows

    results = nova_context.scatter_gather_cells(context, cell_mappings,
                                                nova_context.CELL_TIMEOUT, run)
    per_cell = []
    for cell in cell_mappings:
        result = results.get(cell.uuid)
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning("Cell %s did not answer the instance listing; its instances "
                        "are left out", cell.uuid)
            if on_cell_failure is not None:
                # May raise (fail the listing) or remember the cell (2.69).
                on_cell_failure(cell.uuid, result)
            continue
        cctxt, rows = result
        per_cell.append([(row, cctxt) for row in rows])
    key = _sort_key(sort_keys, sort_dirs)
    merged = heapq.merge(*per_cell, key=lambda item: key(item[0]))
    chosen = []
    for item in merged:
        if limit is not None and len(chosen) >= limit:
            break
        chosen.append(item)
    # Build the objects per cell (faults are looked up in the instance's cell).
    by_cell = {}
    for index, (row, cctxt) in enumerate(chosen):
        by_cell.setdefault(id(cctxt), (cctxt, []))[1].append((index, row))
    built = [None] * len(chosen)
    for cctxt, items in by_cell.values():
        instances = _to_objects(cctxt, [row for _i, row in items], expected_attrs,
                                records=records)
        for (index, _row), inst in zip(items, instances):
            built[index] = inst
    return built


def _build_requests(context, filters, limit, marker, sort_keys, sort_dirs):
    """``(build requests, marker left for the cells)``."""
    if any(filters.get(k) is not None for k in _IP_FILTERS):
        # A server not yet in a cell has no addresses to match; a marker
        # naming one still means "continue with the cells from the start".
        if marker is not None:
            try:
                objects.BuildRequest.get_by_instance_uuid(context, marker)
                marker = None
            except exception.BuildRequestNotFound:
                pass
        return [], marker
    try:
        requests = objects.BuildRequestList.get_by_filters(
            context, filters, limit=limit, marker=marker, sort_keys=sort_keys,
            sort_dirs=sort_dirs)
    except exception.MarkerNotFound:
        return [], marker
    return list(requests), None


def get_instance_objects_sorted(context, filters, limit, marker, expected_attrs,
                                sort_keys, sort_dirs, on_cell_failure=None,
                                records=False):
    """Build requests first, then cell instances: ``(instances, build_request_uuids)``.

    The marker is looked for among the build requests first; when found
    there, the listing continues with the rest of them and then every cell
    from the start. ``records``: see get_cell_instances (build requests'
    instances are Instance objects all the same).
    """
    requests, marker = _build_requests(context, filters, limit, marker, sort_keys,
                                       sort_dirs)
    from_builds = []
    for req in requests:
        # Marked as a build request's instance (see nova.compute.api.is_building).
        req.instance._context = context
        req.instance._build_request = req
        from_builds.append(req.instance)
    building = {i.uuid for i in from_builds}
    remaining = None if limit is None else max(limit - len(from_builds), 0)
    if remaining == 0:
        return from_builds, building
    in_cells = get_cell_instances(context, filters, remaining, marker, expected_attrs,
                                  sort_keys, sort_dirs, on_cell_failure=on_cell_failure,
                                  records=records)
    # A build request may have just become an instance: list it once.
    in_cells = [i for i in in_cells if i.uuid not in building]
    return from_builds + in_cells, building


def get_volume_attachments(instances):
    """{instance uuid: [(volume_id, delete_on_termination), ...]} of servers in cells.

    One query per cell (each instance carries its cell's context); a cell that
    fails is logged and left out. Build requests are not looked at.
    """
    by_context = {}
    for inst in instances:
        by_context.setdefault(id(inst._context), (inst._context, []))[1].append(inst.uuid)
    result = {}
    for cctxt, uuids in by_context.values():
        try:
            rows = instance_listing.get_volume_attachments(cctxt, uuids)
        except Exception as exc:  # a listing must not fail on a side lookup
            LOG.warning("Could not read volumes of servers: %s", exc)
            continue
        for uuid, volume_id, delete_on_termination in rows:
            result.setdefault(uuid, []).append((volume_id, delete_on_termination))
    return result
