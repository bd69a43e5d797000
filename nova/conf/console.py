"""Console options: [console], [consoleauth], [serial_console] and the proxies' TLS.

The proxies' TLS and web options sit in [DEFAULT] (ssl_only, cert, key, web),
where operators of upstream Nova set them for every console proxy.
"""

from oslo_config import cfg

console_group = cfg.OptGroup("console", title="Console proxies",
                             help="What every console proxy checks.")
consoleauth_group = cfg.OptGroup("consoleauth", title="Console tokens",
                                 help="Console authorization tokens.")
serial_group = cfg.OptGroup("serial_console", title="Serial consoles",
                            help="Interactive serial consoles and nova-serialproxy.")

default_opts = [
    cfg.BoolOpt("ssl_only", default=False,
        help="Console proxies refuse plain HTTP/WebSocket; only TLS connections."),
    cfg.StrOpt("cert", default="self.pem",
        help="TLS certificate (PEM) of the console proxies."),
    cfg.StrOpt("key",
        help="TLS private key of the console proxies; the certificate file if unset."),
    cfg.StrOpt("web",
        help="Directory of the web console client a proxy serves; each proxy has "
             "its own default (noVNC, spice-html5)."),
]

console_opts = [
    cfg.ListOpt("allowed_origins", default=[],
        help="Host names, besides the proxy's own, that a browser's Origin header "
             "may name when it opens a console WebSocket."),
    cfg.IntOpt("handshake_timeout", default=10, min=1,
        help="Seconds a console client may take to send its WebSocket handshake and "
             "the first bytes of the console protocol before the proxy closes it."),
]

consoleauth_opts = [
    cfg.IntOpt("token_ttl", default=600, min=0,
        help="Seconds a console token stays valid after it is issued."),
]

serial_opts = [
    cfg.BoolOpt("enabled", default=False,
        help="Give instances an interactive serial console (a TCP port on the host)."),
    cfg.StrOpt("port_range", default="10000:20000",
        regex=r"^\d+:\d+$",
        help="Range of TCP ports (min:max) the instances' serial consoles listen on."),
    cfg.URIOpt("base_url", default="ws://127.0.0.1:6083/",
        help="Public URL of nova-serialproxy given to users."),
    cfg.HostAddressOpt("proxyclient_address", default="127.0.0.1",
        help="Address the serial consoles of this host listen on, and the proxy "
             "connects to."),
    cfg.HostAddressOpt("serialproxy_host", default="0.0.0.0",
        help="Address nova-serialproxy listens on."),
    cfg.PortOpt("serialproxy_port", default=6083,
        help="Port nova-serialproxy listens on."),
]


def register_opts(conf):
    conf.register_opts(default_opts)
    for group, opts in ((console_group, console_opts),
                        (consoleauth_group, consoleauth_opts),
                        (serial_group, serial_opts)):
        conf.register_group(group)
        conf.register_opts(opts, group=group)


def list_opts():
    return {"DEFAULT": default_opts, console_group: console_opts,
            consoleauth_group: consoleauth_opts, serial_group: serial_opts}
