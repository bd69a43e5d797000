"""API-database queries on quota limits: per project, per user, per quota class."""

from oslo_db import exception as db_exc

from nova.db.api import api
from nova.db.api import models
from nova import exception


@api.reader
def quota_get(context, project_id, resource, user_id=None):
    if user_id is not None:
        row = context.session.query(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id, resource=resource).first()
        if row is None:
            raise exception.ProjectUserQuotaNotFound(project_id=project_id, user_id=user_id)
    else:
        row = context.session.query(models.Quota).filter_by(
            project_id=project_id, resource=resource).first()
        if row is None:
            raise exception.ProjectQuotaNotFound(project_id=project_id)
    return row


@api.reader
def quota_get_all_by_project(context, project_id):
    """{'project_id': ..., resource: hard_limit, ...} for the project's own limits."""
    result = {"project_id": project_id}
    for row in context.session.query(models.Quota).filter_by(project_id=project_id):
        result[row.resource] = row.hard_limit
    return result


@api.reader
def quota_get_all_by_project_and_user(context, project_id, user_id):
    """{'project_id', 'user_id', resource: hard_limit, ...} for one user's limits."""
    result = {"project_id": project_id, "user_id": user_id}
    for row in context.session.query(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id):
        result[row.resource] = row.hard_limit
    return result


@api.reader
def quota_get_all_user_quotas(context, project_id):
    """Every per-user limit row of a project."""
    return context.session.query(models.ProjectUserQuota).filter_by(
        project_id=project_id).order_by(models.ProjectUserQuota.id).all()


@api.writer
def quota_create(context, project_id, resource, limit, user_id=None):
    if user_id is not None:
        row = models.ProjectUserQuota(project_id=project_id, user_id=user_id,
                                      resource=resource, hard_limit=limit)
        exists = context.session.query(models.ProjectUserQuota.id).filter_by(
            project_id=project_id, user_id=user_id, resource=resource).first()
    else:
        row = models.Quota(project_id=project_id, resource=resource, hard_limit=limit)
        exists = context.session.query(models.Quota.id).filter_by(
            project_id=project_id, resource=resource).first()
    if exists:
        raise exception.QuotaExists(project_id=project_id, resource=resource)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.QuotaExists(project_id=project_id, resource=resource)
    return row


@api.writer
def quota_update(context, project_id, resource, limit, user_id=None):
    if user_id is not None:
        count = context.session.query(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id, resource=resource).update(
            {"hard_limit": limit}, synchronize_session=False)
        if not count:
            raise exception.ProjectUserQuotaNotFound(project_id=project_id, user_id=user_id)
    else:
        count = context.session.query(models.Quota).filter_by(
            project_id=project_id, resource=resource).update(
            {"hard_limit": limit}, synchronize_session=False)
        if not count:
            raise exception.ProjectQuotaNotFound(project_id=project_id)


@api.writer
def quota_destroy_all_by_project(context, project_id):
    """Drop a project's limits and all of its users' limits."""
    context.session.query(models.ProjectUserQuota).filter_by(
        project_id=project_id).delete(synchronize_session=False)
    context.session.query(models.Quota).filter_by(
        project_id=project_id).delete(synchronize_session=False)


@api.writer
def quota_destroy_all_by_project_and_user(context, project_id, user_id):
    context.session.query(models.ProjectUserQuota).filter_by(
        project_id=project_id, user_id=user_id).delete(synchronize_session=False)


@api.reader
def quota_class_get(context, class_name, resource):
    row = context.session.query(models.QuotaClass).filter_by(
        class_name=class_name, resource=resource).first()
    if row is None:
        raise exception.QuotaClassNotFound(class_name=class_name)
    return row


@api.reader
def quota_class_get_all_by_name(context, class_name):
    """{'class_name': ..., resource: hard_limit, ...}."""
    result = {"class_name": class_name}
    for row in context.session.query(models.QuotaClass).filter_by(class_name=class_name):
        result[row.resource] = row.hard_limit
    return result


@api.writer
def quota_class_create(context, class_name, resource, limit):
    if context.session.query(models.QuotaClass.id).filter_by(
            class_name=class_name, resource=resource).first():
        raise exception.QuotaClassExists(class_name=class_name, resource=resource)
    row = models.QuotaClass(class_name=class_name, resource=resource, hard_limit=limit)
    context.session.add(row)
    context.session.flush()
    return row


@api.writer
def quota_class_update(context, class_name, resource, limit):
    count = context.session.query(models.QuotaClass).filter_by(
        class_name=class_name, resource=resource).update(
        {"hard_limit": limit}, synchronize_session=False)
    if not count:
        raise exception.QuotaClassNotFound(class_name=class_name)
