"""Test help for keystoneauth options registered on the process's configuration."""

from keystoneauth1 import loading as ks_loading


def release_required_plugin_opts(conf, groups, auth_types=("password", "admin_token")):
    """After a test registered auth plugin options on ``conf``: their required ones
    (auth_url, ...) must not fail a later parse of the process's configuration."""
    for auth_type in auth_types:
        for opt in ks_loading.get_auth_plugin_conf_options(auth_type):
            for group in groups:
                if opt.required and opt.dest in conf[group]:
                    conf.set_default(opt.dest, None, group=group)
