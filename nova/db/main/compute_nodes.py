"""Cell-database queries on the compute_nodes table."""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _query(context):
    query = context.session.query(models.ComputeNode)
    return query.filter(*query_utils.deleted_clauses(
        models.ComputeNode.deleted, getattr(context, "read_deleted", "no")))


@api.reader
def compute_node_get(context, compute_id):
    row = _query(context).filter_by(id=compute_id).first()
    if row is None:
        raise exception.ComputeHostNotFound(host=compute_id)
    return row


@api.reader
def compute_node_get_by_uuid(context, node_uuid):
    row = _query(context).filter_by(uuid=node_uuid).first()
    if row is None:
        raise exception.ComputeHostNotFound(host=node_uuid)
    return row


@api.reader
def compute_nodes_get_by_host(context, host):
    rows = _query(context).filter_by(host=host).order_by(models.ComputeNode.id).all()
    if not rows:
        raise exception.ComputeHostNotFound(host=host)
    return rows


@api.reader
def compute_node_get_by_host_and_nodename(context, host, nodename):
    row = _query(context).filter_by(host=host, hypervisor_hostname=nodename).first()
    if row is None:
        raise exception.ComputeHostNotFound(host=host)
    return row


@api.reader
def compute_node_get_all(context):
    return _query(context).order_by(models.ComputeNode.id).all()


@api.reader
def compute_node_get_all_by_pagination(context, limit=None, marker=None):
    query = _query(context).order_by(models.ComputeNode.id)
    if marker is not None:
        query = query.filter(models.ComputeNode.id > marker)
    if limit is not None:
        query = query.limit(limit)
    return query.all()


@api.reader
def compute_node_get_all_mapped_less_than(context, mapped_less_than):
    return _query(context).filter(models.ComputeNode.mapped < mapped_less_than) \
        .order_by(models.ComputeNode.id).all()


@api.reader
def compute_node_search_by_hypervisor(context, hypervisor_match):
    return _query(context).filter(
        models.ComputeNode.hypervisor_hostname.like("%" + hypervisor_match + "%")) \
        .order_by(models.ComputeNode.id).all()


@api.writer
def compute_node_create(context, values):
    row = models.ComputeNode()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry:
        # Re-created after a host rename or a deleted service: take over the
        # soft-deleted record with the same UUID instead of failing.
        existing = context.session.query(models.ComputeNode).filter_by(
            uuid=values.get("uuid")).filter(models.ComputeNode.deleted != 0).first()
        if existing is None:
            raise
        values = dict(values, deleted=0, deleted_at=None)
        existing.update(values)
        context.session.flush()
        row = existing
    return row


@api.writer
def compute_node_update(context, compute_id, values):
    row = context.session.query(models.ComputeNode).filter_by(
        id=compute_id, deleted=0).first()
    if row is None:
        raise exception.ComputeHostNotFound(host=compute_id)
    values = dict(values)
    values.setdefault("updated_at", timeutils.utcnow())
    row.update(values)
    context.session.flush()
    return row


@api.writer
def compute_node_delete(context, compute_id):
    count = context.session.query(models.ComputeNode).filter_by(
        id=compute_id, deleted=0).update(
        {"deleted": models.ComputeNode.id, "deleted_at": timeutils.utcnow()},
        synchronize_session=False)
    if not count:
        raise exception.ComputeHostNotFound(host=compute_id)


@api.reader
def compute_node_statistics(context):
    cn = models.ComputeNode
    row = context.session.query(
        sa.func.count(cn.id), sa.func.sum(cn.vcpus), sa.func.sum(cn.memory_mb),
        sa.func.sum(cn.local_gb), sa.func.sum(cn.vcpus_used),
        sa.func.sum(cn.memory_mb_used), sa.func.sum(cn.local_gb_used),
        sa.func.sum(cn.free_ram_mb), sa.func.sum(cn.free_disk_gb),
        sa.func.sum(cn.current_workload), sa.func.sum(cn.running_vms),
        sa.func.sum(cn.disk_available_least)).filter(cn.deleted == 0).one()
    names = ("count", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
             "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
             "running_vms", "disk_available_least")
    return {name: int(value or 0) for name, value in zip(names, row)}
