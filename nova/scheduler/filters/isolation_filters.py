"""Filters that keep projects or images on (or off) particular hosts.

AggregateMultiTenancyIsolation: a host in aggregates with ``filter_tenant_id*``
metadata (comma-separated project IDs) only takes those projects.
AggregateImagePropertiesIsolation: image properties named like aggregate
metadata keys (within the configured namespace) must have one of the
aggregate's values. IsolatedHostsFilter: [filter_scheduler] isolated_images
run only on isolated_hosts (and, when restricted, nothing else runs there).
"""

from oslo_log import log as logging

import nova.conf
from nova.scheduler import filters
from nova.scheduler.filters import utils

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

TENANT_KEY = "filter_tenant_id"


def _split(values):
    return {item.strip() for value in values for item in str(value).split(",")
            if item.strip()}


class AggregateMultiTenancyIsolation(filters.BaseHostFilter):
    RUN_ON_REBUILD = False

    def host_passes(self, host_state, spec_obj):
        metadata = utils.aggregate_metadata_get_by_host(host_state)
        allowed = _split(value for key, values in metadata.items()
                         if key.startswith(TENANT_KEY) for value in values)
        if allowed and spec_obj.project_id not in allowed:
            LOG.debug("%s is reserved for projects %s", host_state, sorted(allowed))
            return False
        return True


class AggregateImagePropertiesIsolation(filters.BaseHostFilter):
    RUN_ON_REBUILD = True

    def host_passes(self, host_state, spec_obj):
        namespace = CONF.filter_scheduler.aggregate_image_properties_isolation_namespace
        separator = CONF.filter_scheduler.aggregate_image_properties_isolation_separator
        image = spec_obj.image if spec_obj.obj_attr_is_set("image") else None
        props = image.properties.to_dict() if image is not None and \
            image.obj_attr_is_set("properties") else {}
        for key, values in utils.aggregate_metadata_get_by_host(host_state).items():
            if namespace and not key.startswith(namespace + separator):
                continue
            prop = props.get(key)
            if prop is not None and str(prop) not in _split(values):
                LOG.debug("%s: image property %s=%s is not among %s", host_state, key,
                          prop, sorted(_split(values)))
                return False
        return True


class IsolatedHostsFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = True

    def host_passes(self, host_state, spec_obj):
        isolated_hosts = CONF.filter_scheduler.isolated_hosts
        isolated_images = CONF.filter_scheduler.isolated_images
        restrict = CONF.filter_scheduler.restrict_isolated_hosts_to_isolated_images
        host_isolated = host_state.host in isolated_hosts
        if not isolated_images:
            return not restrict or not host_isolated
        image = spec_obj.image if spec_obj.obj_attr_is_set("image") else None
        image_id = image.id if image is not None and image.obj_attr_is_set("id") else None
        image_isolated = image_id in isolated_images
        if restrict:
            return image_isolated == host_isolated
        return not image_isolated or host_isolated
