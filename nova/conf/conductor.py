"""[conductor]: nova-conductor, the only service that opens the SQL databases."""

from oslo_config import cfg

conductor_group = cfg.OptGroup('conductor', title='Conductor',
                              help='nova-conductor, the only service that opens the SQL databases.')

opts = [
    cfg.IntOpt("workers", min=1,
        help='Number of conductor worker processes; defaults to the CPU count.'),
]


def register_opts(conf):
    conf.register_group(conductor_group)
    conf.register_opts(opts, group=conductor_group)


def list_opts():
    return {conductor_group: opts}
