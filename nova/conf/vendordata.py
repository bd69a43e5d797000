"""[vendordata_dynamic_auth]: how the metadata API authenticates to dynamic vendordata services."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

group = cfg.OptGroup(
    "vendordata_dynamic_auth", title="Dynamic vendordata authentication",
    help='Keystone credentials the metadata API uses towards the REST services of '
         '[api] vendordata_dynamic_targets. Without an auth_type the requests carry '
         'no token.')


def register_opts(conf):
    conf.register_group(group)
    ks_loading.register_session_conf_options(conf, group.name)
    ks_loading.register_auth_conf_options(conf, group.name)


def list_opts():
    opts = []
    opts.extend(ks_loading.get_session_conf_options())
    opts.extend(ks_loading.get_auth_common_conf_options())
    opts.extend(ks_loading.get_auth_plugin_conf_options("password"))
    seen, unique = set(), []
    for opt in opts:
        if opt.dest not in seen:
            seen.add(opt.dest)
            unique.append(opt)
    return {group: unique}
