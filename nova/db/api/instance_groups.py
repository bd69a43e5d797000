"""API-database queries on server (instance) groups, their policy and members."""

from oslo_db import exception as db_exc
from oslo_serialization import jsonutils
import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.api import api
from nova.db.api import models
from nova import exception


def _query(context):
    return context.session.query(models.InstanceGroup).options(
        orm.selectinload(models.InstanceGroup._policies),
        orm.selectinload(models.InstanceGroup._members))


def _to_dict(row):
    policy = row._policies[0] if row._policies else None
    return {
        "id": row.id, "uuid": row.uuid, "name": row.name,
        "user_id": row.user_id, "project_id": row.project_id,
        "created_at": row.created_at, "updated_at": row.updated_at,
        "policy": policy.policy if policy else None,
        "rules": jsonutils.loads(policy.rules) if policy and policy.rules else {},
        "members": [m.instance_uuid for m in sorted(row._members, key=lambda m: m.id)],
    }


def _get_row(context, group_uuid):
    row = _query(context).filter_by(uuid=group_uuid).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return row


def _add_members(row, instance_uuids):
    present = {m.instance_uuid for m in row._members}
    added = []
    for instance_uuid in instance_uuids:
        if instance_uuid not in present:
            row._members.append(models.InstanceGroupMember(instance_uuid=instance_uuid))
            present.add(instance_uuid)
            added.append(instance_uuid)
    return added


@api.reader
def group_get_by_uuid(context, group_uuid):
    return _to_dict(_get_row(context, group_uuid))


@api.reader
def group_get_by_name(context, project_id, name):
    row = _query(context).filter_by(project_id=project_id, name=name).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=name)
    return _to_dict(row)


@api.reader
def group_get_by_instance(context, instance_uuid):
    row = _query(context).filter(
        models.InstanceGroup._members.any(instance_uuid=instance_uuid)).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid="")
    return _to_dict(row)


@api.reader
def group_get_all(context, project_id=None):
    query = _query(context)
    if project_id is not None:
        query = query.filter_by(project_id=project_id)
    return [_to_dict(r) for r in query.order_by(models.InstanceGroup.id)]


@api.writer
def group_create(context, values, policy=None, rules=None, members=None):
    row = models.InstanceGroup()
    row.update(values)
    if policy is not None:
        row._policies.append(models.InstanceGroupPolicy(
            policy=policy, rules=jsonutils.dumps(rules) if rules else None))
    _add_members(row, members or [])
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.InstanceGroupIdExists(group_uuid=values["uuid"])
    return _to_dict(row)


@api.writer
def group_update(context, group_uuid, values, members=None):
    """Update the group's own columns and add (never remove) ``members``."""
    row = _get_row(context, group_uuid)
    row.update(values)
    if members is not None:
        _add_members(row, members)
    context.session.flush()
    return _to_dict(row)


@api.writer
def group_destroy(context, group_uuid):
    context.session.delete(_get_row(context, group_uuid))


@api.writer
def group_members_add(context, group_uuid, instance_uuids):
    """Add members; returns the UUIDs that were not members before."""
    return _add_members(_get_row(context, group_uuid), instance_uuids)


@api.writer
def group_members_remove(context, instance_uuids):
    """Drop the instances from whatever groups hold them; returns the count."""
    return context.session.query(models.InstanceGroupMember).filter(
        models.InstanceGroupMember.instance_uuid.in_(list(instance_uuids))).delete(
        synchronize_session=False)


@api.reader
def group_count(context, project_id, user_id=None):
    query = context.session.query(sa.func.count(models.InstanceGroup.id)).filter_by(
        project_id=project_id)
    if user_id is not None:
        query = query.filter_by(user_id=user_id)
    return query.scalar()


@api.reader
def group_member_count_by_user(context, instance_uuids, user_id):
    """Members that belong to ``user_id`` and are not being deleted.

    Counted from instance_mappings, which record each instance's owner.
    """
    if not instance_uuids:
        return 0
    mapping = models.InstanceMapping
    return context.session.query(sa.func.count(mapping.id)).filter(
        mapping.instance_uuid.in_(list(instance_uuids)),
        mapping.user_id == user_id,
        sa.or_(mapping.queued_for_delete == sa.false(),
               mapping.queued_for_delete.is_(None))).scalar()
