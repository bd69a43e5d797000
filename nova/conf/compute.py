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
        help='Seconds after which an instance still building on its compute host goes '
             'to ERROR with a fault, its partial guest removed and its Placement '
             'allocation released (checked every minute); 0 disables.'),
    cfg.StrOpt("running_deleted_instance_action", default="reap",
        choices=[("noop", "Do nothing."),
                 ("log", "Log a warning for each such guest."),
                 ("shutdown", "Power the guest off."),
                 ("reap", "Destroy the guest.")],
        help='What nova-compute does with a guest the hypervisor still has for an '
             'instance the database knows as deleted. A guest the database has never '
             'heard of is only logged: it may not be Nova\'s.'),
    cfg.IntOpt("running_deleted_instance_poll_interval", default=1800,
        help='Seconds between the checks for guests of deleted instances; 0 or less '
             'disables them.'),
    cfg.IntOpt("running_deleted_instance_timeout", default=0, min=0,
        help='Seconds an instance must have been deleted before its guest is acted on.'),
    cfg.IntOpt("reclaim_instance_interval", default=0,
        help='Seconds a soft-deleted instance waits before being reclaimed; 0 disables '
             'soft delete.'),
    cfg.IntOpt("shelved_offload_time", default=0,
        help='Seconds a shelved instance stays on its host before it is offloaded '
             '(guest destroyed, resources released); 0 offloads at once, -1 never.'),
    cfg.BoolOpt("instance_usage_audit", default=False,
        help='Run the periodic instance usage audit on each compute host: once per '
             'period it records in the task log how many of its instances were alive '
             'in the last completed period (os-instance_usage_audit_log reports it).'),
    cfg.StrOpt("instance_usage_audit_period", default="month",
        regex=r"^(hour|day|month|year)(@[0-9]+)?$",
        help='The period the usage audit covers: hour, day, month or year, with an '
             'optional offset after "@" (month@15: months start on the 15th; day@6: '
             'days start at 06:00; hour@30: at half past; year@7: in July).'),
    cfg.IntOpt("shelved_poll_interval", default=3600,
        help='Seconds between the checks for shelved instances due to be offloaded '
             '(with shelved_offload_time > 0); 0 or less disables them.'),
    cfg.IntOpt("resize_confirm_window", default=0, min=0,
        help='Seconds after which a resized (VERIFY_RESIZE) server is confirmed '
             'automatically by its destination compute; 0 never confirms.'),
    cfg.BoolOpt("allow_resize_to_same_host", default=False,
        help='Let the scheduler pick the server\'s own host for a resize (and for a '
             'cold migration where the hypervisor supports it).'),
    cfg.IntOpt("migrate_max_retries", default=-1, min=-1,
        help='How many other hosts a live migration without a named host tries when '
             'the first one refuses it; -1 tries every host the scheduler offers.'),
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
    cfg.IntOpt("deleting_task_timeout", default=300, min=0,
        help='Seconds after which nova-compute finishes, itself, the delete of an instance '
             'of its host that has been in task state deleting that long: the request '
             'that should have done it was lost (a broker restart with transient '
             'queues, nova-compute killed as it received it). The guest, ports, '
             'Placement allocation and record go as in any delete. Checked every '
             'minute (or every this many seconds when shorter); 0 disables. This goes '
             'beyond upstream Nova, where such a server stays deleting until it is '
             'deleted again.'),
]


def register_opts(conf):
    conf.register_group(compute_group)
    conf.register_opts(opts, group=compute_group)
    conf.register_opts(compute_opts)


def list_opts():
    return {"DEFAULT": compute_opts, compute_group: opts}
