"""[service_user]: the service token nova sends beside a user's token."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from nova.conf import _ksa

service_user_group = cfg.OptGroup(
    "service_user", title="Service user token",
    help="Credentials of nova's service user. With send_service_user_token, every "
         "request nova makes to Neutron, Glance (and other services) on behalf of a "
         "user also carries an X-Service-Token obtained with these credentials, so "
         "the other service accepts the request even when the user's token expired "
         "while the operation was running (a long boot, a snapshot upload).")

opts = [
    cfg.BoolOpt("send_service_user_token", default=False,
                help="Send a service token (X-Service-Token) from the [service_user] "
                     "credentials along with the user's token on requests to other "
                     "services. The token is obtained once per process and reused "
                     "until it nears expiry. Needs auth_type and the credentials of "
                     "this group; a user with the 'service' role in Keystone."),
]


def register_opts(conf):
    conf.register_group(service_user_group)
    conf.register_opts(opts, group=service_user_group)
    ks_loading.register_session_conf_options(conf, service_user_group.name)
    ks_loading.register_auth_conf_options(conf, service_user_group.name)


def list_opts():
    ksa = [o for o in _ksa.list_ksa_opts("identity")
           if o.dest in {x.dest for x in ks_loading.get_session_conf_options()}
           or o.dest in {x.dest for x in ks_loading.get_auth_common_conf_options()}
           or o.dest in {x.dest for x in ks_loading.get_auth_plugin_conf_options("password")}]
    return {service_user_group: opts + ksa}
