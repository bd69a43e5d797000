"""keystoneauth1 option helpers shared by the service-client groups."""

from keystoneauth1 import loading as ks_loading


def register_ksa_opts(conf, group, default_service_type):
    ks_loading.register_session_conf_options(conf, group.name)
    ks_loading.register_auth_conf_options(conf, group.name)
    ks_loading.register_adapter_conf_options(conf, group.name, include_deprecated=False)
    conf.set_default("service_type", default_service_type, group=group.name)


def list_ksa_opts(default_service_type):
    opts = []
    opts.extend(ks_loading.get_session_conf_options())
    opts.extend(ks_loading.get_auth_common_conf_options())
    opts.extend(ks_loading.get_auth_plugin_conf_options("password"))
    opts.extend(ks_loading.get_adapter_conf_options(include_deprecated=False))
    # The generator prints the first of two same-named options; keep one each.
    seen, unique = set(), []
    for opt in opts:
        if opt.dest not in seen:
            seen.add(opt.dest)
            unique.append(opt)
    return unique
