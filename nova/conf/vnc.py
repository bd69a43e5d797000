"""[vnc]: VNC consoles and nova-novncproxy."""

from oslo_config import cfg

vnc_group = cfg.OptGroup('vnc', title='VNC',
                        help='VNC consoles and nova-novncproxy.')

opts = [
    cfg.BoolOpt("enabled", default=True,
        help='Give instances a VNC console.'),
    cfg.HostAddressOpt("server_listen", default="127.0.0.1",
        help="Address the instances' VNC servers listen on."),
    cfg.HostAddressOpt("server_proxyclient_address", default="127.0.0.1",
        help='Address the proxy uses to reach the VNC servers of this host.'),
    cfg.URIOpt("novncproxy_base_url", default="http://127.0.0.1:6080/vnc_auto.html",
        help='Public URL of the noVNC client given to users.'),
    cfg.HostAddressOpt("novncproxy_host", default="0.0.0.0",
        help='Address nova-novncproxy listens on.'),
    cfg.PortOpt("novncproxy_port", default=6080,
        help='Port nova-novncproxy listens on.'),
    cfg.ListOpt("auth_schemes", default=["none"],
        help='VNC authentication schemes the proxy offers to the server.'),
]


def register_opts(conf):
    conf.register_group(vnc_group)
    conf.register_opts(opts, group=vnc_group)


def list_opts():
    return {vnc_group: opts}
