"""[quota]: Per-project limits."""

from oslo_config import cfg

quota_group = cfg.OptGroup('quota', title='Quota',
                          help='Per-project limits.')

opts = [
    cfg.IntOpt("instances", default=10, min=-1,
        help='Instances a project may have; -1 is unlimited.'),
    cfg.IntOpt("cores", default=20, min=-1,
        help='Instance cores a project may have; -1 is unlimited.'),
    cfg.IntOpt("ram", default=51200, min=-1,
        help='Instance RAM, in MiB, a project may have; -1 is unlimited.'),
    cfg.IntOpt("metadata_items", default=128, min=-1,
        help='Metadata items per instance; -1 is unlimited.'),
    cfg.IntOpt("injected_files", default=5, min=-1,
        help='Injected files per instance; -1 is unlimited.'),
    cfg.IntOpt("injected_file_content_bytes", default=10240, min=-1,
        help='Bytes per injected file; -1 is unlimited.'),
    cfg.IntOpt("injected_file_path_length", default=255, min=-1,
        help='Characters per injected file path; -1 is unlimited.'),
    cfg.IntOpt("key_pairs", default=100, min=-1,
        help='Key pairs a user may have; -1 is unlimited.'),
    cfg.IntOpt("server_groups", default=10, min=-1,
        help='Server groups a project may have; -1 is unlimited.'),
    cfg.IntOpt("server_group_members", default=10, min=-1,
        help='Servers per server group; -1 is unlimited.'),
    cfg.StrOpt("driver", default="nova.quota.DbQuotaDriver",
        help='Quota driver: the database driver or the no-op one.'),
    cfg.BoolOpt("count_usage_from_placement", default=False,
        help='Count cores and RAM from Placement allocations instead of instance records.'),
]


def register_opts(conf):
    conf.register_group(quota_group)
    conf.register_opts(opts, group=quota_group)


def list_opts():
    return {quota_group: opts}
