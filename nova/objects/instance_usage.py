"""Usage rows of instances for reports (os-simple-tenant-usage): plain dicts
read in one query per cell, with the flavor of each instance decoded once per
distinct flavor text. Read by nova-api, which opens the cell databases."""

from oslo_serialization import jsonutils

from nova.db.main import instance_usage as db

FLAVOR_FIELDS = ("name", "memory_mb", "vcpus", "root_gb", "ephemeral_gb")


def _flavor_of(text, cache):
    """{name, memory_mb, vcpus, root_gb, ephemeral_gb} of the current flavor
    stored in instance_extra.flavor, or None when there is none."""
    if text in cache:
        return cache[text]
    found = None
    if text:
        current = (jsonutils.loads(text) or {}).get("cur")
        data = current.get("nova_object.data") if isinstance(current, dict) else None
        if data:
            found = {name: data.get(name) for name in FLAVOR_FIELDS}
    cache[text] = found
    return found


def usage_in_window(context, begin, end, project_id=None, limit=None, after=None):
    """Dicts of the instances alive in [begin, end) in the context's cell,
    ordered by (project_id, uuid); each has the columns of
    nova.db.main.instance_usage.USAGE_COLUMNS, ``flavor`` decoded (or None)."""
    rows = db.instance_usage_in_window(context, begin, end, project_id=project_id,
                                       limit=limit, after=after)
    cache = {}
    result = []
    for row in rows:
        item = dict(zip(db.USAGE_COLUMNS, row))
        item["flavor"] = _flavor_of(item["flavor"], cache)
        result.append(item)
    return result


def project_of(context, uuid):
    """The project of instance ``uuid`` in the context's cell, or None."""
    return db.instance_project_of(context, uuid)
