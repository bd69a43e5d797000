"""[image_cache]: images kept on the compute hosts ahead of use."""

from oslo_config import cfg

image_cache_group = cfg.OptGroup('image_cache', title='Image cache',
                                 help='Images kept on the compute hosts ahead of use.')

opts = [
    cfg.IntOpt("precache_concurrency", default=1, min=1,
        help='How many compute hosts the conductor asks at once to pre-cache the images '
             'of an aggregate (POST /os-aggregates/{id}/images). More is faster but '
             'loads the image service harder.'),
    cfg.StrOpt("subdirectory_name", default="_base",
        help='Directory under [DEFAULT] instances_path where the cached base images live.'),
    cfg.IntOpt("manager_interval", default=2400,
        help='Seconds between two runs of the image cache manager, which removes base '
             'images no instance on the host uses; 0 or a negative value disables it.'),
    cfg.BoolOpt("remove_unused_base_images", default=True,
        help='Whether the image cache manager removes base images no instance uses.'),
    cfg.IntOpt("remove_unused_original_minimum_age_seconds", default=86400, min=0,
        help='Seconds an unused base image is kept (from its last use) before removal.'),
]


def register_opts(conf):
    conf.register_group(image_cache_group)
    conf.register_opts(opts, group=image_cache_group)


def list_opts():
    return {image_cache_group: opts}
