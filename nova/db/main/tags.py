"""Cell-database queries on tags (server tags, microversion 2.26)."""

from nova.db.main import api
from nova.db.main import models
from nova.db.main import query_utils
from nova import exception


def _check_instance_exists(context, instance_uuid):
    if query_utils.model_query(context, models.Instance, read_deleted="no").filter_by(
            uuid=instance_uuid).with_entities(models.Instance.id).first() is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)


def _tags(context, instance_uuid):
    return context.session.query(models.Tag).filter_by(resource_id=instance_uuid).order_by(
        models.Tag.tag).all()


@api.writer
def instance_tag_add(context, instance_uuid, tag, max_count=None):
    """Add one tag (a no-op when present); refuse to go past ``max_count``."""
    _check_instance_exists(context, instance_uuid)
    existing = _tags(context, instance_uuid)
    for row in existing:
        if row.tag == tag:
            return row
    if max_count is not None and len(existing) >= max_count:
        raise exception.TagLimitExceeded(max=max_count)
    row = models.Tag(resource_id=instance_uuid, tag=tag)
    context.session.add(row)
    context.session.flush()
    return row


@api.writer
def instance_tag_set(context, instance_uuid, tags, max_count=None):
    """Replace all tags of the instance with ``tags``."""
    _check_instance_exists(context, instance_uuid)
    wanted = set(tags)
    if max_count is not None and len(wanted) > max_count:
        raise exception.TagLimitExceeded(max=max_count)
    current = {row.tag: row for row in _tags(context, instance_uuid)}
    for name, row in current.items():
        if name not in wanted:
            context.session.delete(row)
    for name in wanted - set(current):
        context.session.add(models.Tag(resource_id=instance_uuid, tag=name))
    context.session.flush()
    return _tags(context, instance_uuid)


@api.reader
def instance_tag_get_by_instance_uuid(context, instance_uuid):
    return _tags(context, instance_uuid)


@api.reader
def instance_tag_get_by_instance_uuids(context, instance_uuids):
    if not instance_uuids:
        return []
    return context.session.query(models.Tag).filter(
        models.Tag.resource_id.in_(list(instance_uuids))).order_by(
        models.Tag.resource_id, models.Tag.tag).all()


@api.reader
def instance_tag_exists(context, instance_uuid, tag):
    _check_instance_exists(context, instance_uuid)
    return context.session.query(models.Tag).filter_by(
        resource_id=instance_uuid, tag=tag).first() is not None


@api.writer
def instance_tag_delete(context, instance_uuid, tag):
    _check_instance_exists(context, instance_uuid)
    if not context.session.query(models.Tag).filter_by(
            resource_id=instance_uuid, tag=tag).delete(synchronize_session=False):
        raise exception.TagNotFound(tag=tag, instance_id=instance_uuid)


@api.writer
def instance_tag_delete_all(context, instance_uuid):
    _check_instance_exists(context, instance_uuid)
    context.session.query(models.Tag).filter_by(resource_id=instance_uuid).delete(
        synchronize_session=False)
