"""[compute]: nova-compute behaviour."""

from oslo_config import cfg

compute_group = cfg.OptGroup('compute', title='Compute',
                            help='nova-compute behaviour.')

opts = [
    cfg.IntOpt("consecutive_build_service_disable_threshold", default=10, min=0,
        help='Disable a compute service after this many consecutive failed builds; 0 never does.'),
    cfg.StrOpt("cpu_dedicated_set",
        help='Host CPUs for pinned instances.'),
    cfg.StrOpt("cpu_shared_set",
        help='Host CPUs for floating instance CPUs.'),
    cfg.IntOpt("max_concurrent_builds", default=10, min=0,
        help='Builds a compute runs at once; 0 is no limit.'),
    cfg.IntOpt("resource_provider_association_refresh", default=300, min=0,
        help='Seconds between refreshes of the resource provider data cached by the resource tracker.'),
    cfg.BoolOpt("sync_power_state_enabled", default=True,
        help='Reconcile the database power state with the hypervisor periodically.'),
    cfg.IntOpt("sync_power_state_interval", default=600,
        help='Seconds between power state syncs; negative disables.'),
    cfg.IntOpt("update_resources_interval", default=60,
        help='Seconds between resource tracker updates.'),
    cfg.IntOpt("instance_build_timeout", default=0, min=0,
        help='Seconds after which a BUILD instance goes to ERROR; 0 disables.'),
    cfg.IntOpt("reclaim_instance_interval", default=0,
        help='Seconds a soft-deleted instance waits before being reclaimed; 0 disables soft delete.'),
    cfg.FloatOpt("cpu_allocation_ratio", min=0.0,
        help='Virtual CPU to physical CPU allocation ratio; 4.0 when unset.'),
    cfg.FloatOpt("ram_allocation_ratio", min=0.0,
        help='Virtual RAM to physical RAM allocation ratio; 1.0 when unset.'),
    cfg.FloatOpt("disk_allocation_ratio", min=0.0,
        help='Virtual disk to physical disk allocation ratio; 1.0 when unset.'),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0,
        help='Memory, in MiB, kept back for the host.'),
    cfg.IntOpt("reserved_host_disk_mb", default=0, min=0,
        help='Disk, in MiB, kept back for the host.'),
    cfg.IntOpt("reserved_host_cpus", default=0, min=0,
        help='Host CPUs kept back for the host.'),
    cfg.IntOpt("heal_instance_info_cache_interval", default=60,
        help='Seconds between network info cache heals; 0 disables.'),
    cfg.IntOpt("sync_instance_info_interval", default=120,
        help='Seconds between the instance lists a compute sends to the schedulers; 0 disables.'),
]


def register_opts(conf):
    conf.register_group(compute_group)
    conf.register_opts(opts, group=compute_group)


def list_opts():
    return {compute_group: opts}
