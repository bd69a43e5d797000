"""Quotas: the stored limits (project, user, quota class) and the quota checks.

The limit methods are remotable, so services without database access reach
them through the conductor. ``check_deltas`` counts current usage and checks
usage + delta against the limits (see nova.quota for the precedence rules).
"""

from nova.db.api import quotas as db
from nova import exception
from nova.objects import base
from nova.objects import fields

DEFAULT_QUOTA_CLASS = "default"


def _row(row, user_id=False):
    values = {"project_id": row.project_id, "resource": row.resource,
              "hard_limit": row.hard_limit}
    if user_id:
        values["user_id"] = row.user_id
    return values


@base.NovaObjectRegistry.register
class Quotas(base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        # Kept for callers written against reservations; always empty now.
        "reservations": fields.ListOfStringsField(nullable=True, default=[]),
        "project_id": fields.StringField(nullable=True, default=None),
        "user_id": fields.StringField(nullable=True, default=None),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj_set_defaults()
        self.obj_reset_changes()

    # -- stored limits -----------------------------------------------------

    @base.remotable_classmethod
    def create_limit(cls, context, project_id, resource, limit, user_id=None):
        """QuotaExists when the project (or user) already has a limit on it."""
        db.quota_create(context, project_id, resource, limit, user_id=user_id)

    @base.remotable_classmethod
    def update_limit(cls, context, project_id, resource, limit, user_id=None):
        db.quota_update(context, project_id, resource, limit, user_id=user_id)

    @base.remotable_classmethod
    def get(cls, context, project_id, resource, user_id=None):
        row = db.quota_get(context, project_id, resource, user_id=user_id)
        return _row(row, user_id=user_id is not None)

    @base.remotable_classmethod
    def get_all(cls, context, project_id):
        """Every per-user limit in a project, as dicts."""
        return [_row(r, user_id=True) for r in db.quota_get_all_user_quotas(context, project_id)]

    @base.remotable_classmethod
    def get_all_by_project(cls, context, project_id):
        return db.quota_get_all_by_project(context, project_id)

    @base.remotable_classmethod
    def get_all_by_project_and_user(cls, context, project_id, user_id):
        return db.quota_get_all_by_project_and_user(context, project_id, user_id)

    @base.remotable_classmethod
    def destroy_all_by_project(cls, context, project_id):
        db.quota_destroy_all_by_project(context, project_id)

    @base.remotable_classmethod
    def destroy_all_by_project_and_user(cls, context, project_id, user_id):
        db.quota_destroy_all_by_project_and_user(context, project_id, user_id)

    # -- quota classes -----------------------------------------------------

    @base.remotable_classmethod
    def get_class(cls, context, class_name, resource):
        return db.quota_class_get(context, class_name, resource).hard_limit

    @base.remotable_classmethod
    def get_default_class(cls, context):
        values = db.quota_class_get_all_by_name(context, DEFAULT_QUOTA_CLASS)
        values.pop("class_name", None)
        return values

    @base.remotable_classmethod
    def get_all_class_by_name(cls, context, class_name):
        return db.quota_class_get_all_by_name(context, class_name)

    @base.remotable_classmethod
    def create_class(cls, context, class_name, resource, limit):
        db.quota_class_create(context, class_name, resource, limit)

    @base.remotable_classmethod
    def update_class(cls, context, class_name, resource, limit):
        db.quota_class_update(context, class_name, resource, limit)

    # -- checks ------------------------------------------------------------

    @staticmethod
    def count_as_dict(context, resource, *count_args, **count_kwargs):
        from nova import quota
        return quota.QUOTAS.count_as_dict(context, resource, *count_args, **count_kwargs)

    @staticmethod
    def limit_check(context, project_id=None, user_id=None, **values):
        from nova import quota
        return quota.QUOTAS.limit_check(context, project_id=project_id, user_id=user_id,
                                        **values)

    @staticmethod
    def limit_check_project_and_user(context, project_values=None, user_values=None,
                                     project_id=None, user_id=None):
        from nova import quota
        return quota.QUOTAS.limit_check_project_and_user(
            context, project_values=project_values, user_values=user_values,
            project_id=project_id, user_id=user_id)

    @staticmethod
    def check_deltas(context, deltas, *count_args, check_project_id=None,
                     check_user_id=None, engine=None):
        """OverQuota if current usage plus ``deltas`` would pass a limit.

        ``count_args`` go to each resource's counting function, e.g.
        ``(project_id, user_id)`` for instances, ``(user_id,)`` for key_pairs,
        ``(group, user_id)`` for server_group_members. The exception carries
        ``overs``, ``quotas`` (the limits), ``usages`` (before the deltas)
        and ``headroom`` (how much more fits).
        """
        from nova import quota
        engine = engine or quota.QUOTAS
        project_values, user_values, usages = {}, {}, {}
        counted, seen = {}, set()
        for resource, delta in deltas.items():
            if resource not in seen:
                # One count may cover several resources (instances, cores, ram).
                counts = engine.count_as_dict(context, resource, *count_args)
                for scope, values in counts.items():
                    counted.setdefault(scope, {}).update(values)
                    seen.update(values)
                seen.add(resource)
            if resource in counted.get("project", {}):
                project_values[resource] = counted["project"][resource] + delta
            if resource in counted.get("user", {}):
                user_values[resource] = counted["user"][resource] + delta
            scope = "user" if resource in counted.get("user", {}) else "project"
            usages[resource] = counted.get(scope, {}).get(resource, 0)
        try:
            engine.limit_check_project_and_user(
                context, project_values=project_values, user_values=user_values,
                project_id=check_project_id, user_id=check_user_id)
        except exception.OverQuota as exc:
            exc.kwargs["usages"] = usages
            exc.kwargs["headroom"] = {
                name: (max(0, limit - usages.get(name, 0)) if limit != quota.UNLIMITED
                       else quota.UNLIMITED)
                for name, limit in exc.kwargs.get("quotas", {}).items()}
            raise


@base.NovaObjectRegistry.register
class QuotasNoOp(Quotas):
    """Quotas whose checks always pass."""
    # Version 1.0: initial version
    VERSION = "1.0"

    @staticmethod
    def check_deltas(context, deltas, *count_args, **count_kwargs):
        pass

    @staticmethod
    def limit_check(context, project_id=None, user_id=None, **values):
        pass

    @staticmethod
    def limit_check_project_and_user(context, project_values=None, user_values=None,
                                     project_id=None, user_id=None):
        pass
