"""[libvirt]: The libvirt virt driver."""

from oslo_config import cfg

libvirt_group = cfg.OptGroup('libvirt', title='Libvirt',
                            help='The libvirt virt driver.')

opts = [
    cfg.StrOpt("virt_type", default="kvm", choices=('kvm', 'qemu', 'lxc', 'parallels'),
        help='Hypervisor type of the libvirt domains: kvm or qemu (software emulation).'),
    cfg.StrOpt("connection_uri", default="",
        help='libvirt connection URI; derived from virt_type when empty '
             '(qemu:///system for kvm and qemu).'),
    cfg.StrOpt("images_type", default="default", choices=('raw', 'flat', 'qcow2', 'lvm', 'rbd', 'ploop', 'default'),
        help='Disk backend: raw, flat, qcow2 or default (by use_cow_images).'),
    cfg.StrOpt("cpu_mode",
        choices=('host-model', 'host-passthrough', 'custom', 'none'),
        help='CPU model mode: host-model, host-passthrough, custom or none. Unset: '
             'host-model for kvm, none for qemu.'),
    cfg.ListOpt("cpu_models", default=[],
        help='CPU models the guests get when cpu_mode is custom (the first is used).'),
    cfg.IntOpt("wait_soft_reboot_seconds", default=120,
        help='Seconds to wait for a soft reboot before a hard one.'),
    cfg.BoolOpt("inject_password", default=False,
        help='Inject the admin password at boot.'),
    cfg.StrOpt("hw_machine_type",
        help='Machine type of the guests (e.g. pc, q35); libvirt chooses when unset.'),
    cfg.IntOpt("reconnect_interval", default=5, min=1,
        help='Seconds between two attempts to reconnect to a libvirtd that went away.'),
    # -- moving guests ---------------------------------------------------------------
    cfg.StrOpt("remote_filesystem_transport", default="ssh", choices=("ssh", "rsync"),
        help='How a resize or cold migration copies disks from another machine: '
             'ssh (scp) or rsync over ssh. A source on this machine is copied locally.'),
    cfg.StrOpt("live_migration_scheme",
        help='Transport of the libvirt connection to the destination in the default '
             'live migration URI qemu+<scheme>://<dest>/system (tcp when unset; ssh, '
             'tls...). Ignored when live_migration_uri is set.'),
    cfg.StrOpt("live_migration_inbound_addr",
        help='Address (or host name) other hosts use to reach this host for live '
             'migrations: the libvirt connection and the migration data go there. '
             'Unset: the host name of the destination compute.'),
    cfg.StrOpt("live_migration_uri", deprecated_for_removal=True,
        help='Live migration target URI with one %s for the destination address, '
             'e.g. qemu+tcp://%s:16509/system. Prefer live_migration_scheme and '
             'live_migration_inbound_addr.'),
    cfg.BoolOpt("live_migration_tunnelled", default=False,
        help='Carry the migration data through the libvirt connection '
             '(VIR_MIGRATE_TUNNELLED) instead of a direct QEMU-to-QEMU stream.'),
    cfg.BoolOpt("live_migration_with_native_tls", default=False,
        help='Encrypt the migration streams with QEMU\'s native TLS (VIR_MIGRATE_TLS).'),
    cfg.IntOpt("live_migration_bandwidth", default=0, min=0,
        help='Maximum bandwidth of a live migration in MiB/s; 0: as fast as possible.'),
    cfg.IntOpt("live_migration_downtime", default=500, min=100,
        help='Largest pause (ms) the guest may see when the migration switches over; '
             'reached in live_migration_downtime_steps steps.'),
    cfg.IntOpt("live_migration_downtime_steps", default=10, min=3,
        help='Number of steps in which the allowed downtime grows to its maximum.'),
    cfg.IntOpt("live_migration_downtime_delay", default=75, min=3,
        help='Seconds to wait between two downtime steps, per GiB of data to move '
             '(memory, plus the disks of a block migration).'),
    cfg.IntOpt("live_migration_completion_timeout", default=800, min=0,
        help='Seconds per GiB of data to move after which the live migration '
             'timeout action is taken; 0 disables the timeout.'),
    cfg.StrOpt("live_migration_timeout_action", default="abort",
        choices=("abort", "force_complete"),
        help='What to do when the completion timeout passes: abort the migration, '
             'or force it to complete (post-copy if permitted, else pause the guest).'),
    cfg.BoolOpt("live_migration_permit_post_copy", default=False,
        help='Allow switching a live migration to post-copy (VIR_MIGRATE_POSTCOPY): '
             'force_complete then switches instead of pausing the guest.'),
    cfg.BoolOpt("live_migration_permit_auto_converge", default=False,
        help='Let QEMU throttle the guest\'s vCPUs so a busy guest\'s migration '
             'converges (VIR_MIGRATE_AUTO_CONVERGE); not used with post-copy.'),
]


def register_opts(conf):
    conf.register_group(libvirt_group)
    conf.register_opts(opts, group=libvirt_group)


def list_opts():
    return {libvirt_group: opts}
