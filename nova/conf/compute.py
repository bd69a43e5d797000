"""[compute]: nova-compute behaviour."""

from oslo_config import cfg

compute_group = cfg.OptGroup('compute', title='Compute',
                            help='nova-compute behaviour.')

# [DEFAULT] options of nova-compute (upstream keeps them there).
compute_opts = [
    cfg.IntOpt("max_concurrent_builds", default=10, min=0,
        help='Builds a compute runs at once; 0 is no limit.'),
    cfg.IntOpt("sync_power_state_interval", default=600,
        help='Seconds between syncs of the database power states with the hypervisor; '
             'a negative value disables them.'),
    cfg.IntOpt("update_resources_interval", default=0,
        help='Seconds between resource tracker updates; 0 uses the default periodic '
             'interval (60 s), a negative value disables them.'),
    cfg.IntOpt("instance_build_timeout", default=0, min=0,
        help='Seconds after which a BUILD instance goes to ERROR; 0 disables.'),
    cfg.IntOpt("reclaim_instance_interval", default=0,
        help='Seconds a soft-deleted instance waits before being reclaimed; 0 disables '
             'soft delete.'),
    cfg.IntOpt("shelved_offload_time", default=0,
        help='Seconds a shelved instance stays on its host before it is offloaded '
             '(guest destroyed, resources released); 0 offloads at once, -1 never.'),
    cfg.IntOpt("shelved_poll_interval", default=3600,
        help='Seconds between the checks for shelved instances due to be offloaded '
             '(with shelved_offload_time > 0); 0 or less disables them.'),
    cfg.IntOpt("heal_instance_info_cache_interval", default=60,
        help='Seconds between network info cache heals; 0 disables.'),
    cfg.IntOpt("scheduler_instance_sync_interval", default=120,
        help='Seconds between the instance lists a compute sends to the schedulers; '
             '0 disables.'),
    cfg.IntOpt("reboot_timeout", default=0, min=0,
        help='Seconds a soft reboot may take before the driver reboots hard; 0 uses the '
             "driver's own wait ([libvirt] wait_soft_reboot_seconds)."),
    cfg.IntOpt("shutdown_timeout", default=60, min=0,
        help='Seconds a guest is given to shut down cleanly (ACPI) before it is '
             'powered off; an image property os_shutdown_timeout overrides it.'),
    cfg.BoolOpt("resume_guests_state_on_host_boot", default=False,
        help='Start again, when nova-compute starts, the guests that were running '
             'before the host rebooted.'),
    cfg.BoolOpt("use_cow_images", default=True,
        help='Give instances copy-on-write (qcow2) disks on cached base images; '
             'otherwise full raw copies.'),
    cfg.BoolOpt("force_raw_images", default=True,
        help='Convert cached base images to raw (faster reads, more disk).'),
]

opts = [
    cfg.IntOpt("consecutive_build_service_disable_threshold", default=10, min=0,
        help='Disable a compute service after this many consecutive failed builds; 0 never does.'),
    cfg.StrOpt("cpu_dedicated_set",
        help='Host CPUs for pinned instances.'),
    cfg.StrOpt("cpu_shared_set",
        help='Host CPUs for floating instance CPUs.'),
    cfg.IntOpt("resource_provider_association_refresh", default=300, min=0,
        help='Seconds between refreshes of the resource provider data cached by the resource tracker.'),
]


def register_opts(conf):
    conf.register_group(compute_group)
    conf.register_opts(opts, group=compute_group)
    conf.register_opts(compute_opts)


def list_opts():
    return {"DEFAULT": compute_opts, compute_group: opts}
