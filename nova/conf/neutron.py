"""[neutron]: How nova reaches networking: Neutron or the embedded flat network."""

from oslo_config import cfg

from nova.conf import _ksa

neutron_group = cfg.OptGroup("neutron", title="Networking", help="How nova reaches networking: Neutron or the embedded flat network.")

opts = [
    cfg.StrOpt("backend", default='flat', choices=("flat", "neutron"),
             help="Which network service to use: 'neutron' (ports created and bound "
                  "through the Neutron API found in the service catalog or "
                  "[neutron] endpoint_override) or 'flat' (the embedded flat network of "
                  "the all-in-one, configured in [flat_network])."),
    cfg.StrOpt("ovs_bridge", default='br-int',
             help='Integration bridge OVS ports are plugged into when the binding '
                  'names none.'),
    cfg.StrOpt("metadata_proxy_shared_secret", default='', secret=True,
             help='Secret shared with the Neutron metadata proxy: it signs the '
                  'X-Instance-ID (or X-Metadata-Provider) header with HMAC-SHA256 '
                  'of this secret, and the metadata API checks the signature.'),
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
