"""[conductor]: nova-conductor, the only service that opens the SQL databases."""

from oslo_config import cfg

conductor_group = cfg.OptGroup('conductor', title='Conductor',
                              help='nova-conductor, the only service that opens the SQL databases.')

opts = [
    cfg.IntOpt("workers", min=1,
        help='Number of conductor worker processes; defaults to the CPU count.'),
    cfg.IntOpt("build_request_timeout", default=600, min=0,
        help='Seconds a new server may wait for a conductor to schedule it. A build '
             'request older than this (its message to the conductor was lost, or the '
             'conductor died while scheduling it) is put in ERROR with a fault in '
             'cell0 and any Placement claim made for it is released, instead of staying '
             'in BUILD for ever. Checked every minute by every conductor; 0 disables. '
             'Upstream Nova has no such option.'),
]


def register_opts(conf):
    conf.register_group(conductor_group)
    conf.register_opts(opts, group=conductor_group)


def list_opts():
    return {conductor_group: opts}
