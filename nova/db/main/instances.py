"""Cell-database queries on instances and their one-to-one/one-to-many rows.

Functions return plain dicts: the instance's columns, plus whichever of
``metadata`` and ``system_metadata`` (dicts), ``info_cache`` (dict or None),
``extra`` (dict of instance_extra columns), ``tags`` (list of strings) the
caller asked for in ``columns_to_join``.
"""

import types

from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from nova.compute import task_states
from nova.compute import vm_states
from nova.db.main import api
from nova.db.main import instance_metadata
from nova.db.main import models
from nova.db.main import query_utils
from nova import context as nova_context
from nova import exception

JOINABLE = ("metadata", "system_metadata", "info_cache", "extra", "tags")
# instance_extra columns kept as JSON text by the Instance object.
EXTRA_COLUMNS = ("flavor", "keypairs", "numa_topology", "pci_requests", "vcpu_model",
                 "migration_context", "trusted_certs", "resources", "device_metadata")

# Filters compared with = (or IN for a list/tuple/set value).
EXACT_FILTERS = ("uuid", "project_id", "user_id", "host", "node", "vm_state", "task_state",
                 "image_ref", "instance_type_id", "reservation_id", "locked", "hidden",
                 "cleaned", "key_name", "availability_zone", "power_state", "launch_index",
                 "compute_id", "locked_by", "config_drive", "kernel_id", "ramdisk_id",
                 "root_device_name", "access_ip_v4", "access_ip_v6", "auto_disk_config",
                 "progress")
# Filters matched as a regular expression (the API's "name" is display_name).
REGEX_FILTERS = ("display_name", "hostname", "display_description")

_COLUMNS = tuple(c.name for c in models.Instance.__table__.columns)
_TABLE_COLUMNS = tuple(getattr(models.Instance, name) for name in _COLUMNS)
_TABLE = models.Instance.__table__
_TABLE_COLUMNS_CORE = tuple(_TABLE.c[name] for name in _COLUMNS)
_COLUMN_SET = frozenset(_COLUMNS)
_UUID_INDEX = _COLUMNS.index("uuid")
_CREATED_ROWS = sa.select(*_TABLE_COLUMNS_CORE).where(
    _TABLE.c.uuid.in_(sa.bindparam("uuids", expanding=True)))
_INSERTS = {"instance": sa.insert(_TABLE),
            "extra": sa.insert(models.InstanceExtra.__table__),
            "info_cache": sa.insert(models.InstanceInfoCache.__table__)}


# Related rows are read with one IN query per table and this many uuids at most.
_IN_CHUNK = 500
_INFO_CACHE_COLUMNS = ("instance_uuid", "network_info", "created_at", "updated_at",
                       "deleted_at", "deleted")


def _chunks(values):
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start:start + _IN_CHUNK]


def _related_statement(model, selected, where=(), order_by=(), column=None):
    """A SELECT of ``selected`` for the instances bound as ``uuids`` (built once:
    SQLAlchemy then reuses its compiled form)."""
    column = model.instance_uuid if column is None else column
    stmt = sa.select(*selected).where(column.in_(sa.bindparam("uuids", expanding=True)),
                                      *where)
    return stmt.order_by(*order_by) if order_by else stmt


def _kv_statement(model):
    return _related_statement(model, (model.instance_uuid, model.key, model.value),
                              where=(model.deleted == 0,), order_by=(model.id,))


_RELATED = {
    "metadata": _kv_statement(models.InstanceMetadata),
    "system_metadata": _kv_statement(models.InstanceSystemMetadata),
    "info_cache": _related_statement(
        models.InstanceInfoCache,
        [getattr(models.InstanceInfoCache, c) for c in _INFO_CACHE_COLUMNS]),
    "extra": _related_statement(
        models.InstanceExtra,
        [models.InstanceExtra.instance_uuid]
        + [getattr(models.InstanceExtra, c) for c in EXTRA_COLUMNS],
        order_by=(models.InstanceExtra.deleted, models.InstanceExtra.id)),
    "tags": _related_statement(models.Tag, (models.Tag.resource_id, models.Tag.tag),
                               column=models.Tag.resource_id),
}


def _select_for(context, uuids, name):
    """The rows of the related table ``name`` for the instances ``uuids``."""
    for chunk in _chunks(uuids):
        yield from context.session.execute(_RELATED[name], {"uuids": chunk})


def _attach_related(context, results, columns_to_join):
    """Add the requested related data to instance dicts, as this module's functions return it.

    Reads each related table once (per _IN_CHUNK instances) instead of
    loading ORM objects and relationships.
    """
    joins = set(columns_to_join or ())
    if not results or not joins:
        return results
    by_uuid = {r["uuid"]: r for r in results}
    uuids = list(by_uuid)
    for name in ("metadata", "system_metadata"):
        if name not in joins:
            continue
        for r in results:
            r[name] = {}
        for uuid, key, value in _select_for(context, uuids, name):
            by_uuid[uuid][name][key] = value
    if "info_cache" in joins:
        for r in results:
            r["info_cache"] = None
        for row in _select_for(context, uuids, "info_cache"):
            target = by_uuid[row[0]]
            cache = dict(zip(_INFO_CACHE_COLUMNS, row))
            if not (cache["deleted"] and not target["deleted"]):
                target["info_cache"] = cache
    if "extra" in joins:
        found = {}
        for row in _select_for(context, uuids, "extra"):
            found.setdefault(row[0], dict(zip(EXTRA_COLUMNS, row[1:])))
        for r in results:
            r["extra"] = found.get(r["uuid"]) or dict.fromkeys(EXTRA_COLUMNS)
    if "tags" in joins:
        for r in results:
            r["tags"] = []
        for uuid, tag in _select_for(context, uuids, "tags"):
            by_uuid[uuid]["tags"].append(tag)
        for r in results:
            r["tags"].sort()
    return results


def _all_as_dicts(context, query, columns_to_join):
    """The instances of an ORM ``query`` as this module's functions return them, read as plain
    column tuples with the related data attached in bulk."""
    rows = query.with_entities(*_TABLE_COLUMNS).all()
    results = [dict(zip(_COLUMNS, row)) for row in rows]
    return _attach_related(context, results, columns_to_join)


def _visible_clauses(read_deleted, project_only):
    """The WHERE clauses model_query() would add, for Core statements on
    instances; a project-only one binds ``project_id``."""
    clauses = query_utils.deleted_clauses(_TABLE.c.deleted, read_deleted)
    if project_only:
        clauses.append(_TABLE.c.project_id == sa.bindparam("ctx_project_id"))
    return clauses


_FETCH_STATEMENTS = {}


def _fetch_statement(names, read_deleted, project_only):
    key = (names, read_deleted, project_only)
    stmt = _FETCH_STATEMENTS.get(key)
    if stmt is None:
        clauses = [_TABLE.c[name] == sa.bindparam("by_" + name) for name in names]
        clauses += _visible_clauses(read_deleted, project_only)
        stmt = _FETCH_STATEMENTS[key] = sa.select(*_TABLE_COLUMNS_CORE).where(*clauses)
    return stmt


def _fetch(context, columns_to_join=(), read_deleted=None, **by):
    """One instance as this module's functions return it, read with Core statements."""
    read_deleted = read_deleted or getattr(context, "read_deleted", "no")
    project_only = nova_context.is_user_context(context)
    params = {"by_" + name: value for name, value in by.items()}
    if project_only:
        params["ctx_project_id"] = context.project_id
    stmt = _fetch_statement(tuple(by), read_deleted, project_only)
    row = context.session.execute(stmt, params).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=by.get("uuid", by.get("id")))
    return _attach_related(context, [dict(zip(_COLUMNS, row))], columns_to_join)[0]


@api.reader
def instance_get_by_uuid(context, uuid, columns_to_join=None, read_deleted=None):
    return _fetch(context, columns_to_join, read_deleted, uuid=uuid)


@api.reader
def instance_get(context, instance_id, columns_to_join=None):
    return _fetch(context, columns_to_join, None, id=instance_id)


@api.writer
def instance_create(context, values):
    """Insert an instance with its extra row, info cache, metadata and tags."""
    return instance_create_many(context, [values])[0]


@api.writer
def instance_create_many(context, values_list):
    """Insert instances with their rows, a few statements for them all.

    Each dict of ``values_list`` is what instance_create takes; the results
    come back in the same order. InstanceExists when one of the uuids is
    taken (nothing of the others is kept once the transaction ends).
    """
    session = context.session
    instances, extras, caches, tags, metadata, system_metadata = [], [], [], [], [], []
    written = []
    for values in values_list:
        values = dict(values)
        values.setdefault("uuid", uuidutils.generate_uuid())
        uuid = values["uuid"]
        meta = values.pop("metadata", None) or {}
        sysmeta = values.pop("system_metadata", None) or {}
        info_cache = values.pop("info_cache", None)
        extra = values.pop("extra", None) or {}
        tag_list = sorted(set(values.pop("tags", None) or []))
        instances.append({k: v for k, v in values.items() if k in _COLUMN_SET})
        extra_row = {k: v for k, v in extra.items() if k in EXTRA_COLUMNS}
        extra_row["instance_uuid"] = uuid
        extras.append(extra_row)
        cache = {"network_info": "[]"}
        cache.update({k: v for k, v in (info_cache or {}).items()
                      if k in models.InstanceInfoCache.__table__.c})
        cache["instance_uuid"] = uuid
        caches.append(cache)
        tags += [{"resource_id": uuid, "tag": tag} for tag in tag_list]
        metadata += instance_metadata.rows(uuid, meta)
        system_metadata += instance_metadata.rows(uuid, sysmeta)
        written.append((uuid, meta, sysmeta, extra, tag_list))
    try:
        query_utils.insert_rows(session, _INSERTS["instance"], instances)
    except db_exc.DBDuplicateEntry as exc:
        raise exception.InstanceExists(
            name=exc.value if len(written) > 1 and exc.value else written[0][0])
    query_utils.insert_rows(session, _INSERTS["extra"], extras)
    query_utils.insert_rows(session, _INSERTS["info_cache"], caches)
    for table, rows in ((models.Tag.__table__, tags),
                        (models.InstanceMetadata.__table__, metadata),
                        (models.InstanceSystemMetadata.__table__, system_metadata)):
        if rows:
            session.execute(sa.insert(table), rows)
    # The rows and their caches are read back for the values the database
    # set; the rest is what was just written.
    uuids = [uuid for uuid, *_ in written]
    found = {}
    for chunk in _chunks(uuids):
        for row in session.execute(_CREATED_ROWS, {"uuids": chunk}):
            found[row[_UUID_INDEX]] = dict(zip(_COLUMNS, row))
    results = [found[uuid] for uuid in uuids]
    _attach_related(context, results, ("info_cache",))
    for result, (uuid, meta, sysmeta, extra, tag_list) in zip(results, written):
        result["metadata"] = dict(meta)
        result["system_metadata"] = dict(sysmeta)
        result["extra"] = {name: extra.get(name) for name in EXTRA_COLUMNS}
        result["tags"] = tag_list
    return results


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _in_or_null(column, values):
    values = _as_list(values)
    present = [v for v in values if v is not None]
    clauses = []
    if present:
        clauses.append(column.in_(present))
    if None in values:
        clauses.append(column.is_(None))
    return sa.or_(*clauses) if clauses else sa.false()


_UPDATE_STATEMENTS = {}


def _update_statement(names, shapes, read_deleted, project_only):
    """The UPDATE of columns ``names`` by uuid, with the expected-state checks
    ``shapes`` describes; built once per shape so SQLAlchemy reuses its
    compiled form."""
    key = (names, shapes, read_deleted, project_only)
    stmt = _UPDATE_STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    clauses = [_TABLE.c.uuid == sa.bindparam("by_uuid")]
    clauses += _visible_clauses(read_deleted, project_only)
    for name, shape in zip(("vm_state", "task_state"), shapes):
        if shape is None:
            continue
        count, or_null = shape
        column = _TABLE.c[name]
        alternatives = [column == sa.bindparam("x_%s_%d" % (name, i)) for i in range(count)]
        if or_null:
            alternatives.append(column.is_(None))
        clauses.append(sa.or_(*alternatives) if alternatives else sa.false())
    stmt = sa.update(_TABLE).where(*clauses).values(
        {name: sa.bindparam("v_" + name) for name in names})
    _UPDATE_STATEMENTS[key] = stmt
    return stmt


@api.writer
def instance_update(context, uuid, values, columns_to_join=None, expected=None):
    """Update an instance, checking expected vm/task states atomically.

    ``expected`` may carry ``vm_state`` and ``task_state`` (a value or a list;
    None in the list means "no task"). On a mismatch nothing is written and
    UnexpectedVMStateError, UnexpectedTaskStateError or (when the instance is
    being deleted) UnexpectedDeletingTaskStateError is raised.
    """
    values = dict(values)
    expected = expected or {}
    metadata = values.pop("metadata", None)
    system_metadata = values.pop("system_metadata", None)
    extra = values.pop("extra", None)
    for name in list(values):
        if name not in _COLUMNS:
            values.pop(name)
    values.pop("id", None)
    values.pop("uuid", None)
    values["updated_at"] = timeutils.utcnow()

    read_deleted = getattr(context, "read_deleted", "no")
    project_only = nova_context.is_user_context(context)
    params = {"v_" + name: value for name, value in values.items()}
    params["by_uuid"] = uuid
    if project_only:
        params["ctx_project_id"] = context.project_id
    shapes = []
    for name in ("vm_state", "task_state"):
        if name not in expected:
            shapes.append(None)
            continue
        wanted = _as_list(expected[name])
        present = [v for v in wanted if v is not None]
        params.update(("x_%s_%d" % (name, i), v) for i, v in enumerate(present))
        shapes.append((len(present), None in wanted))
    stmt = _update_statement(tuple(values), tuple(shapes), read_deleted, project_only)
    if not context.session.execute(stmt, params).rowcount:
        current = _fetch(context, (), None, uuid=uuid)
        if "vm_state" in expected and \
                current["vm_state"] not in _as_list(expected["vm_state"]):
            raise exception.UnexpectedVMStateError(
                instance_uuid=uuid, attr="vm_state", state=current["vm_state"],
                method="update", expected=expected["vm_state"],
                actual=current["vm_state"])
        actual = current["task_state"]
        error = exception.UnexpectedDeletingTaskStateError \
            if actual == task_states.DELETING else exception.UnexpectedTaskStateError
        raise error(instance_uuid=uuid, expected=expected.get("task_state"), actual=actual)

    if metadata is not None:
        instance_metadata._update(context, models.InstanceMetadata, uuid, metadata, True)
    if system_metadata is not None:
        instance_metadata._update(context, models.InstanceSystemMetadata, uuid,
                                  system_metadata, True)
    if extra:
        _extra_update(context, uuid, extra)
    return _fetch(context, columns_to_join, None, uuid=uuid)


def _extra_update(context, uuid, values):
    values = {k: v for k, v in values.items() if k in EXTRA_COLUMNS}
    table = models.InstanceExtra.__table__
    count = context.session.execute(sa.update(table).where(
        table.c.instance_uuid == uuid, table.c.deleted == 0).values(values)).rowcount
    if not count:
        context.session.execute(sa.insert(table).values(instance_uuid=uuid, **values))


# Child tables soft-deleted with their instance (faults and actions stay for
# the record; tags and console tokens have no soft-delete column).
_SOFT_DELETED_CHILDREN = (models.InstanceInfoCache, models.InstanceMetadata,
                          models.InstanceSystemMetadata, models.InstanceExtra,
                          models.BlockDeviceMapping, models.Migration)


@api.writer
def instance_destroy(context, uuid, host_must_be_unset=False, hard_delete=False):
    """Delete an instance and its child rows; returns the instance as it was.

    ``host_must_be_unset`` makes the delete conditional on the instance not
    having been given a host meanwhile (the scheduler may have raced us).
    """
    result = _fetch(context, (), None, uuid=uuid)
    query = context.session.query(models.Instance).filter_by(uuid=uuid, deleted=0)
    if host_must_be_unset:
        query = query.filter(models.Instance.host.is_(None))
    now = timeutils.utcnow()
    children = _SOFT_DELETED_CHILDREN
    if hard_delete:
        action_ids = context.session.query(models.InstanceAction.id).filter_by(
            instance_uuid=uuid)
        context.session.query(models.InstanceActionEvent).filter(
            models.InstanceActionEvent.action_id.in_(action_ids.scalar_subquery())).delete(
            synchronize_session=False)
        for model in children + (models.InstanceFault, models.InstanceAction):
            context.session.query(model).filter_by(instance_uuid=uuid).delete(
                synchronize_session=False)
        count = query.delete(synchronize_session=False)
    else:
        count = query.update({"deleted": models.Instance.id, "deleted_at": now,
                              "updated_at": models.Instance.updated_at},
                             synchronize_session=False)
    if not count:
        raise exception.ObjectActionError(action="destroy", reason="host changed")
    if not hard_delete:
        for model in children:
            context.session.query(model).filter_by(instance_uuid=uuid, deleted=0).update(
                query_utils.soft_delete_values(model, now), synchronize_session=False)
    context.session.query(models.Tag).filter_by(resource_id=uuid).delete(
        synchronize_session=False)
    context.session.query(models.ConsoleAuthToken).filter_by(instance_uuid=uuid).delete(
        synchronize_session=False)
    result.update(deleted=result["id"], deleted_at=now)
    return result


def _tag_exists(tag):
    return sa.exists().where(sa.and_(models.Tag.resource_id == models.Instance.uuid,
                                     models.Tag.tag == tag))


def _kv_exists(model, key, value):
    return sa.exists().where(sa.and_(model.instance_uuid == models.Instance.uuid,
                                     model.deleted == 0, model.key == key,
                                     model.value == value))


def _kv_filter(query, model, wanted):
    items = []
    for item in _as_list(wanted):
        items.extend(item.items())
    for key, value in items:
        query = query.filter(_kv_exists(model, key, value))
    return query


def _apply_filters(context, query, filters):
    filters = dict(filters)
    deleted = filters.pop("deleted", None)
    soft_deleted = filters.pop("soft_deleted", None)
    if deleted is not None:
        if deleted:
            if soft_deleted is None or soft_deleted:
                query = query.filter(sa.or_(
                    models.Instance.deleted == models.Instance.id,
                    models.Instance.vm_state == vm_states.SOFT_DELETED))
            else:
                query = query.filter(models.Instance.deleted == models.Instance.id)
        else:
            query = query.filter(models.Instance.deleted == 0)
            if not soft_deleted:
                query = query.filter(sa.or_(
                    models.Instance.vm_state != vm_states.SOFT_DELETED,
                    models.Instance.vm_state.is_(None)))
    else:
        query = query.filter(*query_utils.deleted_clauses(
            models.Instance.deleted, getattr(context, "read_deleted", "no")))

    changed = sa.func.coalesce(models.Instance.updated_at, models.Instance.created_at)
    if filters.get("changes-since") is not None:
        query = query.filter(changed >= query_utils.naive_time(filters.pop("changes-since")))
    if filters.get("changes-before") is not None:
        query = query.filter(changed <= query_utils.naive_time(filters.pop("changes-before")))

    for name in EXACT_FILTERS:
        if name in filters:
            query = query.filter(_in_or_null(getattr(models.Instance, name),
                                             filters.pop(name)))
    if "metadata" in filters:
        query = _kv_filter(query, models.InstanceMetadata, filters.pop("metadata"))
    if "system_metadata" in filters:
        query = _kv_filter(query, models.InstanceSystemMetadata,
                           filters.pop("system_metadata"))

    if filters.get("tags"):
        for tag in _as_list(filters.pop("tags")):
            query = query.filter(_tag_exists(tag))
    if filters.get("tags-any"):
        query = query.filter(sa.or_(*[_tag_exists(t) for t in _as_list(filters["tags-any"])]))
    if filters.get("not-tags"):
        query = query.filter(sa.not_(sa.and_(
            *[_tag_exists(t) for t in _as_list(filters["not-tags"])])))
    if filters.get("not-tags-any"):
        query = query.filter(sa.not_(sa.or_(
            *[_tag_exists(t) for t in _as_list(filters["not-tags-any"])])))

    for name in REGEX_FILTERS:
        value = filters.get(name)
        if value is not None:
            query = query.filter(getattr(models.Instance, name).regexp_match(str(value)))
    return query


@api.reader
def instance_get_all_by_filters_sort(context, filters, limit=None, marker=None,
                                     columns_to_join=None, sort_keys=None, sort_dirs=None,
                                     marker_values=None):
    """Instances matching ``filters``, sorted and paginated after ``marker``.

    Filters (all optional): deleted (True/False; soft_deleted says whether
    SOFT_DELETED instances go with the deleted ones), changes-since,
    changes-before, the EXACT_FILTERS columns (a list means any of),
    metadata/system_metadata (dict or list of dicts, all must match),
    tags, tags-any, not-tags, not-tags-any, and the REGEX_FILTERS columns.

    ``marker_values`` (a dict of sort-key values) pages after a position
    rather than a row, for a marker that lives in another cell's database.
    """
    filters = filters or {}
    if filters.get("uuid") is not None and not _as_list(filters["uuid"]):
        return []
    sort_keys, sort_dirs = query_utils.process_sort_params(sort_keys, sort_dirs)
    query = query_utils.model_query(context, models.Instance, read_deleted="yes",
                                    project_only=True)
    query = _apply_filters(context, query, filters)
    marker_row = None
    if marker is not None:
        marker_row = query_utils.model_query(
            context, models.Instance, read_deleted="yes", project_only=True).filter_by(
            uuid=marker).first()
        if marker_row is None:
            raise exception.MarkerNotFound(marker=marker)
    elif marker_values is not None:
        marker_row = types.SimpleNamespace(**marker_values)
    query = query_utils.paginate(query, models.Instance, limit, sort_keys, sort_dirs,
                                 marker_row)
    return _all_as_dicts(context, query, columns_to_join)


@api.reader
def instance_get_all_by_host(context, host, columns_to_join=None, node=None):
    query = query_utils.model_query(context, models.Instance).filter_by(host=host)
    if node is not None:
        query = query.filter_by(node=node)
    return _all_as_dicts(context, query.order_by(models.Instance.id), columns_to_join)


@api.reader
def instance_get_uuids_by_host(context, host, node=None):
    query = query_utils.model_query(context, models.Instance, read_deleted="no").filter_by(
        host=host)
    if node is not None:
        query = query.filter_by(node=node)
    return [r[0] for r in query.with_entities(models.Instance.uuid).order_by(
        models.Instance.id).all()]


@api.reader
def instance_get_active_by_window(context, begin, end=None, project_id=None, host=None,
                                  columns_to_join=None):
    """Instances that existed at some time in [begin, end], deleted ones included."""
    query = query_utils.model_query(context, models.Instance, read_deleted="yes",
                                    project_only=True)
    query = query.filter(sa.or_(models.Instance.terminated_at.is_(None),
                                models.Instance.terminated_at > query_utils.naive_time(begin)))
    if end is not None:
        query = query.filter(models.Instance.launched_at < query_utils.naive_time(end))
    if project_id is not None:
        query = query.filter_by(project_id=project_id)
    if host is not None:
        query = query.filter_by(host=host)
    return _all_as_dicts(context, query.order_by(models.Instance.id), columns_to_join)


@api.reader
def instance_get_counts(context, project_id, user_id=None):
    """Instances, cores and RAM counted against quota in this cell.

    Deleted, soft-deleted and hidden instances do not count.
    """
    def count(**by):
        query = context.session.query(
            sa.func.count(models.Instance.id),
            sa.func.coalesce(sa.func.sum(models.Instance.vcpus), 0),
            sa.func.coalesce(sa.func.sum(models.Instance.memory_mb), 0)).filter(
            models.Instance.deleted == 0,
            sa.or_(models.Instance.vm_state != vm_states.SOFT_DELETED,
                   models.Instance.vm_state.is_(None)),
            sa.or_(models.Instance.hidden == sa.false(), models.Instance.hidden.is_(None)),
        ).filter_by(**by)
        instances, cores, ram = query.one()
        return {"instances": int(instances), "cores": int(cores), "ram": int(ram)}

    result = {"project": count(project_id=project_id)}
    if user_id is not None:
        result["user"] = count(project_id=project_id, user_id=user_id)
    return result


@api.reader
def instance_volume_attachments(context, instance_uuids):
    """``(instance_uuid, volume_id, delete_on_termination)`` of the volumes
    attached to the instances (block device mappings with a volume), in
    mapping order; the server views show only these."""
    model = models.BlockDeviceMapping
    query = query_utils.model_query(context, model).filter(
        model.volume_id.isnot(None), model.volume_id != "").order_by(model.id)
    result = []
    for chunk in _chunks(list(instance_uuids)):
        result.extend(tuple(row) for row in query.filter(
            model.instance_uuid.in_(chunk)).with_entities(
            model.instance_uuid, model.volume_id, model.delete_on_termination))
    return result
