"""[filter_scheduler]: Filters and weighers of the scheduler."""

from oslo_config import cfg

filter_scheduler_group = cfg.OptGroup('filter_scheduler', title='Filter scheduler',
                                     help='Filters and weighers of the scheduler.')

opts = [
    cfg.IntOpt("host_subset_size", default=1, min=1,
        help='Pick the destination at random among this many best-weighed hosts.'),
    cfg.ListOpt("available_filters", default=["nova.scheduler.filters.all_filters"],
        help='Filter classes the scheduler can use.'),
    cfg.ListOpt("enabled_filters", default=["ComputeFilter", "AvailabilityZoneFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter"],
        help='Filters applied to every request, in order.'),
    cfg.ListOpt("weight_classes", default=["nova.scheduler.weights.all_weighers"],
        help='Weigher classes applied to the hosts that pass the filters.'),
    cfg.FloatOpt("ram_weight_multiplier", default=1.0,
        help='Weight of free RAM; negative values stack instead of spread.'),
    cfg.FloatOpt("cpu_weight_multiplier", default=1.0,
        help='Weight of free vCPUs.'),
    cfg.FloatOpt("disk_weight_multiplier", default=1.0,
        help='Weight of free disk.'),
    cfg.FloatOpt("io_ops_weight_multiplier", default=-1.0,
        help='Weight of the number of I/O-heavy operations on a host.'),
    cfg.FloatOpt("soft_affinity_weight_multiplier", default=1.0, min=0.0,
        help='Weight for soft-affinity server groups.'),
    cfg.FloatOpt("soft_anti_affinity_weight_multiplier", default=1.0, min=0.0,
        help='Weight for soft-anti-affinity server groups.'),
    cfg.FloatOpt("build_failure_weight_multiplier", default=1000000.0,
        help='Weight against hosts with recent build failures.'),
    cfg.IntOpt("max_io_ops_per_host", default=8, min=0,
        help='Most concurrent I/O-heavy operations a host takes.'),
    cfg.IntOpt("max_instances_per_host", default=50, min=1,
        help='Most instances a host takes.'),
    cfg.BoolOpt("track_instance_changes", default=True,
        help='Let computes send their instance lists to the scheduler.'),
    cfg.StrOpt("aggregate_image_properties_isolation_namespace",
        help='Namespace of the image properties the isolation filter compares.'),
    cfg.StrOpt("aggregate_image_properties_isolation_separator", default=".",
        help='Separator between the namespace and the property name in the '
             'aggregate metadata keys the isolation filter compares.'),
    cfg.ListOpt("isolated_images", default=[],
        help='Image UUIDs that may only run on the isolated hosts (IsolatedHostsFilter).'),
    cfg.ListOpt("isolated_hosts", default=[],
        help='Hosts that only run the isolated images (IsolatedHostsFilter).'),
    cfg.BoolOpt("restrict_isolated_hosts_to_isolated_images", default=True,
        help='Keep every other image off the isolated hosts.'),
    cfg.BoolOpt("shuffle_best_same_weighed_hosts", default=False,
        help='Shuffle the hosts that share the best weight, so that builds spread '
             'over identical hosts.'),
    cfg.StrOpt("image_properties_default_architecture",
        choices=["alpha", "armv6", "armv7l", "armv7b", "aarch64", "cris", "i686",
                 "ia64", "lm32", "m68k", "microblaze", "microblazeel", "mips",
                 "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64",
                 "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "s390", "s390x",
                 "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64", "xtensa",
                 "xtensaeb"],
        help='Architecture assumed for images that do not set hw_architecture.'),
]


def register_opts(conf):
    conf.register_group(filter_scheduler_group)
    conf.register_opts(opts, group=filter_scheduler_group)


def list_opts():
    return {filter_scheduler_group: opts}
