"""Quotas: per-project and per-user limits, checked against counted usage.

Limits come, most specific first, from a user's row in project_user_quotas,
the project's row in quotas, the quota class of the request (when there is
one), the 'default' quota class, and finally the [quota] options. -1 means
unlimited. There are no reservations: usage is counted from the real records
(instances in the cells, key pairs, server groups) whenever a check is made,
and callers re-check after creating to close races.
"""

from oslo_log import log as logging
from oslo_utils import importutils

import nova.conf
from nova import exception
from nova.objects import quotas as quotas_obj

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF

UNLIMITED = -1


def _sub(v1, v2):
    """v1 - v2, where either being unlimited makes the result unlimited."""
    if UNLIMITED in (v1, v2):
        return UNLIMITED
    return v1 - v2


class BaseResource:
    """A quota-limited thing; ``flag`` names its [quota] default option."""

    def __init__(self, name, flag=None):
        self.name = name
        self.flag = flag

    @property
    def default(self):
        return getattr(CONF.quota, self.flag) if self.flag else UNLIMITED


class AbsoluteResource(BaseResource):
    """A limit on a value given at check time (e.g. metadata items per server)."""


class CountableResource(AbsoluteResource):
    """A limit on something counted from the records when checked.

    ``count_as_dict(context, *args, **kwargs)`` returns the usage as
    ``{'project': {name: n, ...}, 'user': {name: m, ...}}`` (either scope may
    be missing; one call may count several resources at once).
    """

    def __init__(self, name, count_as_dict, flag=None):
        super().__init__(name, flag=flag)
        self.count_as_dict = count_as_dict


class DbQuotaDriver:
    """Limits from the API database, with [quota] options as the last default."""

    @staticmethod
    def get_reserved():
        # Reservations no longer exist; the API still reports a 'reserved' of 0.
        return 0

    def get_defaults(self, context, resources):
        default_class = quotas_obj.Quotas.get_default_class(context)
        return {name: default_class.get(name, res.default) for name, res in resources.items()}

    def get_class_quotas(self, context, resources, quota_class):
        class_quotas = quotas_obj.Quotas.get_all_class_by_name(context, quota_class)
        return {name: class_quotas.get(name, res.default) for name, res in resources.items()}

    def _get_usages(self, context, resources, project_id, user_id=None):
        usages = {}
        scope = "user" if user_id else "project"
        for name, res in resources.items():
            if not isinstance(res, CountableResource) or name in usages:
                continue
            if name in ("key_pairs", "server_group_members"):
                # Counted per user / per group at check time, not per project.
                continue
            counts = res.count_as_dict(context, project_id, user_id=user_id)
            for counted, value in counts.get(scope, {}).items():
                usages[counted] = value
        return usages

    def _process_quotas(self, context, resources, project_id, quotas, quota_class=None,
                        usages=None, remains=False):
        if project_id == context.project_id:
            quota_class = context.quota_class
        class_quotas = (quotas_obj.Quotas.get_all_class_by_name(context, quota_class)
                        if quota_class else {})
        defaults = self.get_defaults(context, resources)
        result = {}
        for name in resources:
            limit = quotas.get(name, class_quotas.get(name, defaults[name]))
            result[name] = {"limit": limit}
            if usages is not None:
                result[name]["in_use"] = usages.get(name, 0)
            if remains:
                result[name]["remains"] = limit
        if remains:
            # What is left to hand out after the users' own limits.
            for row in quotas_obj.Quotas.get_all(context, project_id):
                if row["resource"] in result:
                    result[row["resource"]]["remains"] = _sub(
                        result[row["resource"]]["remains"], row["hard_limit"])
        return result

    def get_project_quotas(self, context, resources, project_id, quota_class=None,
                           usages=True, remains=False, project_quotas=None):
        """{resource: {'limit': n[, 'in_use': n][, 'remains': n]}} of a project."""
        if project_quotas is None:
            project_quotas = quotas_obj.Quotas.get_all_by_project(context, project_id)
        counted = self._get_usages(context, resources, project_id) if usages else None
        return self._process_quotas(context, resources, project_id, project_quotas,
                                    quota_class, usages=counted, remains=remains)

    def get_user_quotas(self, context, resources, project_id, user_id, quota_class=None,
                        usages=True, project_quotas=None, user_quotas=None):
        """A user's limits: their own, else the project's, class's or default."""
        if user_quotas is None:
            user_quotas = quotas_obj.Quotas.get_all_by_project_and_user(
                context, project_id, user_id)
        if project_quotas is None:
            project_quotas = quotas_obj.Quotas.get_all_by_project(context, project_id)
        merged = dict(project_quotas)
        merged.update(user_quotas)
        counted = (self._get_usages(context, resources, project_id, user_id=user_id)
                   if usages else None)
        return self._process_quotas(context, resources, project_id, merged, quota_class,
                                    usages=counted)

    def get_settable_quotas(self, context, resources, project_id, user_id=None):
        """{resource: {'minimum': n, 'maximum': n}} a new limit must stay within."""
        project_rows = quotas_obj.Quotas.get_all_by_project(context, project_id)
        project = self.get_project_quotas(context, resources, project_id, remains=True,
                                          project_quotas=project_rows)
        settable = {}
        if user_id:
            user_rows = quotas_obj.Quotas.get_all_by_project_and_user(
                context, project_id, user_id)
            user = self.get_user_quotas(context, resources, project_id, user_id,
                                        project_quotas=project_rows, user_quotas=user_rows)
            for name, value in user.items():
                maximum = _sub(project[name]["remains"], -user_rows.get(name, 0)) \
                    if user_rows.get(name, 0) != UNLIMITED else UNLIMITED
                settable[name] = {"minimum": value["in_use"], "maximum": maximum}
        else:
            for name, value in project.items():
                given_to_users = _sub(value["limit"], value["remains"])
                minimum = max(given_to_users if given_to_users != UNLIMITED else 0,
                              value["in_use"])
                settable[name] = {"minimum": minimum, "maximum": UNLIMITED}
        return settable

    def _get_quotas(self, context, resources, keys, project_id=None, user_id=None,
                    project_quotas=None):
        wanted = {name: resources[name] for name in keys}
        if user_id:
            quotas = self.get_user_quotas(context, wanted, project_id, user_id,
                                          context.quota_class, usages=False,
                                          project_quotas=project_quotas)
        else:
            quotas = self.get_project_quotas(context, wanted, project_id, context.quota_class,
                                             usages=False, project_quotas=project_quotas)
        return {name: value["limit"] for name, value in quotas.items()}

    def limit_check_project_and_user(self, context, resources, project_values=None,
                                     user_values=None, project_id=None, user_id=None):
        """Raise OverQuota when a value is above its project or user limit."""
        project_values = project_values or {}
        user_values = user_values or {}
        _check_known(resources, project_values)
        _check_known(resources, user_values)
        unders = sorted(k for values in (project_values, user_values)
                        for k, v in values.items() if v < 0)
        if unders:
            raise exception.InvalidQuotaValue(unders=unders)
        project_id = project_id or context.project_id
        user_id = user_id or context.user_id
        keys = set(project_values) | set(user_values)
        project_rows = quotas_obj.Quotas.get_all_by_project(context, project_id)
        project_limits = self._get_quotas(context, resources, keys, project_id=project_id,
                                          project_quotas=project_rows)
        user_limits = self._get_quotas(context, resources, keys, project_id=project_id,
                                       user_id=user_id, project_quotas=project_rows)
        overs = set()
        for values, limits in ((project_values, project_limits), (user_values, user_limits)):
            for name, value in values.items():
                if limits[name] != UNLIMITED and limits[name] < value:
                    overs.add(name)
        if overs:
            # Report the limit that applies: the tighter of project and user.
            quotas = {}
            for name in keys:
                limits = [v for v in (project_limits[name], user_limits[name])
                          if v != UNLIMITED]
                quotas[name] = min(limits) if limits else UNLIMITED
            raise exception.OverQuota(overs=sorted(overs), quotas=quotas, usages={},
                                      headroom={})

    def limit_check(self, context, resources, values, project_id=None, user_id=None):
        """Check absolute values (e.g. metadata items) against the limits."""
        self.limit_check_project_and_user(context, resources, project_values=values,
                                          user_values=values, project_id=project_id,
                                          user_id=user_id)


class NoopQuotaDriver:
    """Every limit unlimited, every check passes ([quota] driver = ...NoopQuotaDriver)."""

    @staticmethod
    def get_reserved():
        return 0

    @staticmethod
    def _unlimited(resources, usages=False, remains=False):
        result = {}
        for name in resources:
            result[name] = {"limit": UNLIMITED}
            if usages:
                result[name]["in_use"] = UNLIMITED
            if remains:
                result[name]["remains"] = UNLIMITED
        return result

    def get_defaults(self, context, resources):
        return {name: UNLIMITED for name in resources}

    def get_class_quotas(self, context, resources, quota_class):
        return {name: UNLIMITED for name in resources}

    def get_project_quotas(self, context, resources, project_id, quota_class=None,
                           usages=True, remains=False, project_quotas=None):
        return self._unlimited(resources, usages, remains)

    def get_user_quotas(self, context, resources, project_id, user_id, quota_class=None,
                        usages=True, project_quotas=None, user_quotas=None):
        return self._unlimited(resources, usages)

    def get_settable_quotas(self, context, resources, project_id, user_id=None):
        return {name: {"minimum": 0, "maximum": UNLIMITED} for name in resources}

    def limit_check(self, context, resources, values, project_id=None, user_id=None):
        pass

    def limit_check_project_and_user(self, context, resources, project_values=None,
                                     user_values=None, project_id=None, user_id=None):
        pass


def _check_known(resources, values):
    unknown = sorted(set(values) - set(resources))
    if unknown:
        raise exception.QuotaResourceUnknown(unknown=unknown)


class QuotaEngine:
    """The resources under quota and the driver that knows their limits."""

    def __init__(self, quota_driver=None, resources=None):
        self._driver_override = quota_driver
        self._resources = {}
        for resource in resources or ():
            self._resources[resource.name] = resource

    @property
    def _driver(self):
        if self._driver_override is not None:
            return self._driver_override
        return importutils.import_class(CONF.quota.driver)()

    @property
    def resources(self):
        return sorted(self._resources)

    def register_resource(self, resource):
        self._resources[resource.name] = resource

    def get_reserved(self):
        return self._driver.get_reserved()

    def get_defaults(self, context):
        return self._driver.get_defaults(context, self._resources)

    def get_class_quotas(self, context, quota_class):
        return self._driver.get_class_quotas(context, self._resources, quota_class)

    def get_user_quotas(self, context, project_id, user_id, quota_class=None, usages=True):
        return self._driver.get_user_quotas(context, self._resources, project_id, user_id,
                                            quota_class=quota_class, usages=usages)

    def get_project_quotas(self, context, project_id, quota_class=None, usages=True,
                           remains=False):
        return self._driver.get_project_quotas(context, self._resources, project_id,
                                               quota_class=quota_class, usages=usages,
                                               remains=remains)

    def get_settable_quotas(self, context, project_id, user_id=None):
        return self._driver.get_settable_quotas(context, self._resources, project_id,
                                                user_id=user_id)

    def count_as_dict(self, context, resource, *args, **kwargs):
        """Current usage of a countable resource, as its counting function reports it."""
        res = self._resources.get(resource)
        if not isinstance(res, CountableResource):
            raise exception.QuotaResourceUnknown(unknown=[resource])
        return res.count_as_dict(context, *args, **kwargs)

    def limit_check(self, context, project_id=None, user_id=None, **values):
        """OverQuota unless every ``resource=value`` is within its limits."""
        return self._driver.limit_check(context, self._resources, values,
                                        project_id=project_id, user_id=user_id)

    def limit_check_project_and_user(self, context, project_values=None, user_values=None,
                                     project_id=None, user_id=None):
        return self._driver.limit_check_project_and_user(
            context, self._resources, project_values=project_values,
            user_values=user_values, project_id=project_id, user_id=user_id)


# -- counting functions of the standard resources ----------------------------

def _instances_cores_ram_count(context, project_id, user_id=None):
    """Instances, vCPUs and MiB of RAM of a project (and user) across all cells."""
    from nova import context as nova_context
    from nova import objects
    scopes = ["project"] + (["user"] if user_id else [])
    totals = {scope: {"instances": 0, "cores": 0, "ram": 0} for scope in scopes}
    results = nova_context.scatter_gather_all_cells(
        context, objects.InstanceList.get_counts, project_id, user_id=user_id)
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning("Cell %s did not report usage; quota counts omit it", cell_uuid)
            continue
        for scope in scopes:
            for name, value in result.get(scope, {}).items():
                totals[scope][name] = totals[scope].get(name, 0) + value
    # Servers accepted but not yet in a cell count too.
    for build_request in objects.BuildRequestList.get_by_filters(
            context, {"project_id": project_id}):
        instance = build_request.instance
        owners = {"project": True, "user": instance.user_id == user_id}
        for scope in scopes:
            if owners[scope]:
                totals[scope]["instances"] += 1
                totals[scope]["cores"] += instance.vcpus or 0
                totals[scope]["ram"] += instance.memory_mb or 0
    return totals


def _key_pair_count(context, user_id, *args, **kwargs):
    from nova.objects import keypair
    return {"user": {"key_pairs": keypair.KeyPairList.get_count_by_user(context, user_id)}}


def _server_group_count(context, project_id, user_id=None):
    from nova.objects import instance_group
    return instance_group.InstanceGroupList.get_counts(context, project_id, user_id=user_id)


def _server_group_members_count(context, group, user_id):
    return {"user": {"server_group_members": group.count_members_by_user(user_id)}}


def standard_resources(instances_counter=_instances_cores_ram_count):
    """The resources nova limits; ``instances_counter`` counts instances/cores/ram."""
    return [
        CountableResource("instances", instances_counter, "instances"),
        CountableResource("cores", instances_counter, "cores"),
        CountableResource("ram", instances_counter, "ram"),
        AbsoluteResource("metadata_items", "metadata_items"),
        AbsoluteResource("injected_files", "injected_files"),
        AbsoluteResource("injected_file_content_bytes", "injected_file_content_bytes"),
        AbsoluteResource("injected_file_path_length", "injected_file_path_length"),
        CountableResource("key_pairs", _key_pair_count, "key_pairs"),
        CountableResource("server_groups", _server_group_count, "server_groups"),
        CountableResource("server_group_members", _server_group_members_count,
                          "server_group_members"),
    ]


QUOTAS = QuotaEngine(resources=standard_resources())
