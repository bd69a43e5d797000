"""[image_cache]: images kept on the compute hosts ahead of use."""

from oslo_config import cfg

image_cache_group = cfg.OptGroup('image_cache', title='Image cache',
                                 help='Images kept on the compute hosts ahead of use.')

opts = [
    cfg.IntOpt("precache_concurrency", default=1, min=1,
        help='How many compute hosts the conductor asks at once to pre-cache the images '
             'of an aggregate (POST /os-aggregates/{id}/images). More is faster but '
             'loads the image service harder.'),
]


def register_opts(conf):
    conf.register_group(image_cache_group)
    conf.register_opts(opts, group=image_cache_group)


def list_opts():
    return {image_cache_group: opts}
