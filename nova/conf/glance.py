"""[glance]: How nova reaches images: Glance v2 or the embedded local image store."""

from oslo_config import cfg

from nova.conf import _ksa

glance_group = cfg.OptGroup("glance", title="Image service", help="How nova reaches images: Glance v2 or the embedded local image store.")

opts = [
    cfg.StrOpt("backend", default='local',
             help="Which image service to use: 'glance' (a Glance v2 endpoint from the catalog or endpoint_override) or 'local' (the embedded store under state_path)."),
    cfg.StrOpt("local_store_path", default='$state_path/images',
             help='Directory of the embedded local image store.'),
    cfg.IntOpt("num_retries", default=3,
             help='Retries of a failed image upload or download.'),
    cfg.BoolOpt("enable_certificate_validation", default=False,
        help='Validate the signing certificate of signed images against the trusted '
             'certificates (needs verify_glance_signatures).'),
    cfg.ListOpt("default_trusted_certificate_ids", default=[],
        help='Trusted certificate ids used when a server is created without '
             'trusted_image_certificates (needs enable_certificate_validation).'),
    cfg.BoolOpt("verify_glance_signatures", default=False,
             help='Verify image signatures before use.'),
]


def register_opts(conf):
    conf.register_group(glance_group)
    conf.register_opts(opts, group=glance_group)
    _ksa.register_ksa_opts(conf, glance_group, "image")


def list_opts():
    return {glance_group: opts + _ksa.list_ksa_opts("image")}
