"""[spice]: SPICE consoles and nova-spicehtml5proxy."""

from oslo_config import cfg

spice_group = cfg.OptGroup('spice', title='SPICE',
                          help='SPICE consoles and nova-spicehtml5proxy.')

opts = [
    cfg.BoolOpt("enabled", default=False,
        help='Give instances a SPICE console.'),
    cfg.HostAddressOpt("server_listen", default="127.0.0.1",
        help="Address the instances' SPICE servers listen on."),
    cfg.HostAddressOpt("server_proxyclient_address", default="127.0.0.1",
        help='Address the proxy uses to reach the SPICE servers of this host.'),
    cfg.URIOpt("html5proxy_base_url", default="http://127.0.0.1:6082/spice_auto.html",
        help='Public URL of the SPICE HTML5 client given to users.'),
    cfg.HostAddressOpt("html5proxy_host", default="0.0.0.0",
        help='Address nova-spicehtml5proxy listens on.'),
    cfg.PortOpt("html5proxy_port", default=6082,
        help='Port nova-spicehtml5proxy listens on.'),
    cfg.URIOpt("spice_direct_proxy_base_url",
        help="Public URL of the TLS-terminating SPICE proxy that native clients use "
             "for spice-direct consoles (microversion 2.99); unset: no spice-direct."),
    cfg.BoolOpt("agent_enabled", default=True,
        help='Enable the SPICE guest agent support.'),
]


def register_opts(conf):
    conf.register_group(spice_group)
    conf.register_opts(opts, group=spice_group)


def list_opts():
    return {spice_group: opts}
