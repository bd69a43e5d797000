"""[placement]: How nova reaches the Placement service."""

from oslo_config import cfg

from nova.conf import _ksa

placement_group = cfg.OptGroup("placement", title="Placement", help="How nova reaches the Placement service.")

opts = [
    cfg.BoolOpt("embedded", default=False,
             help='Serve the openstack-placement WSGI application inside this process (the all-in-one) instead of reaching a separate Placement service over HTTP.'),
    cfg.StrOpt("embedded_connection",
             help='SQLAlchemy URL of the embedded Placement database; defaults to a SQLite file under state_path.'),
    cfg.HostAddressOpt("embedded_listen", default="127.0.0.1",
             help='Address the embedded Placement service listens on.'),
    cfg.PortOpt("embedded_port", default=0,
             help='Port the embedded Placement service listens on; 0 picks a free port. '
                  'The [placement] client of the same process is pointed at it, with the '
                  'token "admin" that Placement\'s noauth2 mode treats as an administrator.'),
]


def register_opts(conf):
    conf.register_group(placement_group)
    conf.register_opts(opts, group=placement_group)
    _ksa.register_ksa_opts(conf, placement_group, "placement")


def list_opts():
    return {placement_group: opts + _ksa.list_ksa_opts("placement")}
