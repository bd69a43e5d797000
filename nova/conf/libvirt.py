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
]


def register_opts(conf):
    conf.register_group(libvirt_group)
    conf.register_opts(opts, group=libvirt_group)


def list_opts():
    return {libvirt_group: opts}
