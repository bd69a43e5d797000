"""Cell-database queries on the services table."""

from oslo_db import exception as db_exc
from oslo_utils import timeutils
import sqlalchemy as sa

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _live(context, query):
    return query.filter(*query_utils.deleted_clauses(
        models.Service.deleted, getattr(context, "read_deleted", "no")))


@api.reader
def service_get(context, service_id):
    row = _live(context, context.session.query(models.Service)).filter_by(
        id=service_id).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


@api.reader
def service_get_by_uuid(context, service_uuid):
    row = _live(context, context.session.query(models.Service)).filter_by(
        uuid=service_uuid).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


@api.reader
def service_get_by_host_and_binary(context, host, binary):
    row = _live(context, context.session.query(models.Service)).filter_by(
        host=host, binary=binary).first()
    if row is None:
        raise exception.HostBinaryNotFound(host=host, binary=binary)
    return row


@api.reader
def service_get_all_by_hosts_and_binary(context, hosts, binary):
    """The services of ``binary`` on any of ``hosts``: at most one live row each,
    which comes before the host's deleted ones (when those are read too)."""
    return _live(context, context.session.query(models.Service)).filter(
        models.Service.host.in_(list(hosts)), models.Service.binary == binary).order_by(
        models.Service.deleted, models.Service.id).all()


@api.reader
def service_get_by_host_and_topic(context, host, topic):
    return _live(context, context.session.query(models.Service)).filter_by(
        host=host, topic=topic, disabled=False).first()


@api.reader
def service_get_all(context, disabled=None):
    query = _live(context, context.session.query(models.Service))
    if disabled is not None:
        query = query.filter(models.Service.disabled == disabled)
    return query.order_by(models.Service.id).all()


@api.reader
def service_get_all_by_binary(context, binary, include_disabled=False):
    query = _live(context, context.session.query(models.Service)).filter_by(binary=binary)
    if not include_disabled:
        query = query.filter(models.Service.disabled == sa.false())
    return query.order_by(models.Service.id).all()


@api.reader
def service_get_all_by_host(context, host):
    return _live(context, context.session.query(models.Service)).filter_by(
        host=host).order_by(models.Service.id).all()


@api.reader
def service_get_minimum_version(context, binaries):
    rows = context.session.query(models.Service.binary, sa.func.min(models.Service.version)) \
        .filter(models.Service.binary.in_(binaries)) \
        .filter(models.Service.deleted == 0) \
        .filter(models.Service.forced_down == sa.false()) \
        .group_by(models.Service.binary).all()
    return dict(rows)


@api.writer
def service_create(context, values):
    row = models.Service()
    row.update(values)
    try:
        row.save(context.session)
    except db_exc.DBDuplicateEntry as exc:
        if "binary" in exc.columns:
            raise exception.ServiceBinaryExists(host=values.get("host"),
                                                binary=values.get("binary"))
        raise exception.ServiceTopicExists(host=values.get("host"),
                                           topic=values.get("topic"))
    return row


@api.writer
def service_update(context, service_id, values):
    row = context.session.query(models.Service).filter_by(id=service_id, deleted=0).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    row.update(values)
    if "report_count" in values and values.get("forced_down") is not True \
            and not row.forced_down:
        row.last_seen_up = timeutils.utcnow()
    context.session.flush()
    return row


@api.writer
def service_destroy(context, service_id):
    row = context.session.query(models.Service).filter_by(id=service_id, deleted=0).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    row.soft_delete(context.session)
    if row.binary == "nova-compute":
        context.session.query(models.ComputeNode).filter_by(
            service_id=service_id, deleted=0).update(
            {"deleted": models.ComputeNode.id, "deleted_at": timeutils.utcnow()},
            synchronize_session=False)
