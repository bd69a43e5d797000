"""[neutron]: How nova reaches networking: Neutron or the embedded flat network."""

from oslo_config import cfg

from nova.conf import _ksa

neutron_group = cfg.OptGroup("neutron", title="Networking", help="How nova reaches networking: Neutron or the embedded flat network.")

opts = [
    cfg.StrOpt("backend", default='flat',
             help="Which network service to use: 'neutron' or 'flat' (the embedded flat network of the all-in-one)."),
    cfg.StrOpt("flat_network_cidr", default='10.0.0.0/24',
             help='Fixed IP range the embedded flat network hands out.'),
    cfg.StrOpt("flat_network_name", default='private',
             help='Name of the embedded flat network.'),
    cfg.StrOpt("metadata_proxy_shared_secret", default='',
             help='Secret shared with the Neutron metadata proxy to sign instance IDs.'),
    cfg.BoolOpt("service_metadata_proxy", default=False,
             help='Whether Neutron proxies metadata requests to nova.'),
    cfg.StrOpt("default_floating_pool", default='public',
             help='Default pool for floating IPs.'),
    cfg.IntOpt("http_retries", default=3,
             help='Retries of an idempotent Neutron request that failed to connect.'),
]


def register_opts(conf):
    conf.register_group(neutron_group)
    conf.register_opts(opts, group=neutron_group)
    _ksa.register_ksa_opts(conf, neutron_group, "network")


def list_opts():
    return {neutron_group: opts + _ksa.list_ksa_opts("network")}
