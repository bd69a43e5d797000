"""[scheduler]: Where and how nova-scheduler picks hosts."""

from oslo_config import cfg

scheduler_group = cfg.OptGroup('scheduler', title='Scheduler',
                              help='Where and how nova-scheduler picks hosts.')

opts = [
    cfg.IntOpt("max_attempts", default=3, min=1,
        help='Hosts a build tries (the first choice plus alternates) before it fails with NoValidHost.'),
    cfg.IntOpt("discover_hosts_in_cells_interval", default=-1, min=-1,
        help='Seconds between automatic runs of host discovery in the scheduler; -1 disables it.'),
    cfg.IntOpt("max_placement_results", default=1000, min=1,
        help='Most allocation candidates asked of Placement per request.'),
    cfg.IntOpt("workers", min=1,
        help='Number of scheduler worker processes; defaults to the CPU count.'),
    cfg.BoolOpt("query_placement_for_availability_zone", default=True,
        help='Turn a requested availability zone into a Placement member_of query.'),
    cfg.BoolOpt("limit_tenants_to_placement_aggregate", default=False,
        help='Restrict projects to hosts of aggregates tagged for them.'),
    cfg.BoolOpt("enable_isolated_aggregate_filtering", default=False,
        help='Keep hosts of aggregates that require traits for instances that ask for them.'),
    cfg.IntOpt("periodic_task_interval", default=60,
        help="Seconds between the scheduler's periodic tasks."),
    cfg.BoolOpt("placement_aggregate_required_for_tenants", default=False,
        help='With limit_tenants_to_placement_aggregate, refuse projects that no '
             'aggregate is tagged for instead of letting them use any host.'),
    cfg.BoolOpt("query_placement_for_image_type_support", default=False,
        help="Ask Placement only for hosts whose driver supports the image's disk "
             "format (the COMPUTE_IMAGE_TYPE_* traits)."),
]


def register_opts(conf):
    conf.register_group(scheduler_group)
    conf.register_opts(opts, group=scheduler_group)


def list_opts():
    return {scheduler_group: opts}
