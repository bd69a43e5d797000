"""[vmware]: The VMware vCenter virt driver (pyvmomi)."""

from oslo_config import cfg

vmware_group = cfg.OptGroup('vmware', title='VMware',
                           help='The VMware vCenter virt driver (pyvmomi).')

opts = [
    cfg.HostAddressOpt("host_ip",
        help='vCenter host name or address.'),
    cfg.PortOpt("host_port", default=443,
        help='vCenter HTTPS port.'),
    cfg.StrOpt("host_username",
        help='vCenter user.'),
    cfg.StrOpt("host_password", secret=True,
        help='vCenter password.'),
    cfg.StrOpt("ca_file",
        help='CA bundle to verify the vCenter certificate.'),
    cfg.BoolOpt("insecure", default=False,
        help='Skip vCenter certificate verification.'),
    cfg.StrOpt("cluster_name",
        help='Name of the vCenter cluster this compute manages.'),
    cfg.StrOpt("datastore_regex",
        help='Regular expression choosing the datastores to use.'),
    cfg.IntOpt("api_retry_count", default=10,
        help='Retries of a failed vCenter API call.'),
    cfg.FloatOpt("task_poll_interval", default=0.5,
        help='Seconds between polls of a vCenter task.'),
    cfg.IntOpt("task_timeout", default=600, min=1,
        help='Seconds a vCenter task may run before the driver gives up on it '
             '(the operation fails with the task named).'),
    cfg.StrOpt("cache_prefix",
        help='Prefix of the datastore folder that caches images (the folder is '
             '<prefix><[image_cache] subdirectory_name>). Give computes that share '
             'a datastore the same prefix to share the cache.'),
    cfg.StrOpt("port_group", default="VM Network",
        help='Name of the standard or distributed port group the instances\' NICs '
             'connect to.'),
    cfg.PortOpt("vnc_port", default=5900,
        help='First VNC port given to instances (extraConfig RemoteDisplay.vnc.port).'),
    cfg.IntOpt("vnc_port_total", default=10000, min=1,
        help='Number of VNC ports, starting at vnc_port, the instances may use.'),
    cfg.StrOpt("vnc_keymap", default="en-us",
        help='Keymap of the instances\' VNC consoles.'),
]


def register_opts(conf):
    conf.register_group(vmware_group)
    conf.register_opts(opts, group=vmware_group)


def list_opts():
    return {vmware_group: opts}
