"""[wsgi]: The WSGI server of the HTTP services."""

from oslo_config import cfg

wsgi_group = cfg.OptGroup('wsgi', title='WSGI',
                         help='The WSGI server of the HTTP services.')

opts = [
    cfg.StrOpt("api_paste_config", default="api-paste.ini",
        help='File name of the PasteDeploy configuration of the compute API.'),
    cfg.StrOpt("wsgi_log_format", default="%(client_ip)s \"%(request_line)s\" status: %(status_code)s len: %(body_length)s time: %(wall_seconds).7f",
        help='Format of the request log lines.'),
    cfg.IntOpt("client_socket_timeout", default=900, min=0,
        help='Seconds an idle client connection stays open; 0 waits forever.'),
    cfg.BoolOpt("keep_alive", default=True,
        help='Allow HTTP keep-alive.'),
    cfg.StrOpt("secure_proxy_ssl_header",
        help='Header a TLS-terminating proxy sets to tell the original scheme.'),
]


def register_opts(conf):
    conf.register_group(wsgi_group)
    conf.register_opts(opts, group=wsgi_group)


def list_opts():
    return {wsgi_group: opts}
