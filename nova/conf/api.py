"""[api]: Behaviour of the compute and metadata APIs."""

from oslo_config import cfg

api_group = cfg.OptGroup('api', title='API',
                        help='Behaviour of the compute and metadata APIs.')

opts = [
    cfg.StrOpt("auth_strategy", default="keystone", choices=('keystone', 'noauth2'),
        help='Authentication of API requests: keystone or noauth2 (development only).'),
    cfg.StrOpt("noauth2_default_user", default="admin",
        help='User a request without a token acts as under noauth2.'),
    cfg.StrOpt("noauth2_default_project", default="admin",
        help='Project a request without a token acts as under noauth2.'),
    cfg.BoolOpt("use_forwarded_for", default=False,
        help='Take the client address from X-Forwarded-For.'),
    cfg.IntOpt("max_limit", default=1000, min=0,
        help='Most items one list request returns.'),
    cfg.StrOpt("compute_link_prefix",
        help='Replaces the scheme, host and port of compute links.'),
    cfg.StrOpt("glance_link_prefix",
        help='Replaces the scheme, host and port of image links.'),
    cfg.BoolOpt("instance_list_per_project_cells", default=False,
        help="Query only the cells holding the project's instances."),
    cfg.StrOpt("instance_list_cells_batch_strategy", default="distributed", choices=('distributed', 'fixed'),
        help='How instance lists are batched across cells.'),
    cfg.BoolOpt("list_records_by_skipping_down_cells", default=True,
        help='Leave the servers of a cell that does not answer out of server '
             'lists instead of failing the request. From microversion 2.69 they '
             'are listed as minimal records where the listing allows it.'),
    cfg.ListOpt("vendordata_providers", default=["StaticJSON"],
        item_type=cfg.types.String(choices=("StaticJSON", "DynamicJSON")),
        help='Vendordata providers of the metadata service: StaticJSON serves the '
             'file [api] vendordata_jsonfile_path as vendor_data.json, DynamicJSON '
             'asks the REST services of [api] vendordata_dynamic_targets and serves '
             'their answers as vendor_data2.json.'),
    cfg.StrOpt("vendordata_jsonfile_path",
        help='JSON file served as vendor_data.json by the StaticJSON provider.'),
    cfg.ListOpt("vendordata_dynamic_targets", default=[],
        help='REST services the DynamicJSON provider asks, each NAME@URL; the answer '
             'of each appears under NAME in vendor_data2.json.'),
    cfg.StrOpt("vendordata_dynamic_ssl_certfile", default="",
        help='CA bundle that verifies the dynamic vendordata services.'),
    cfg.IntOpt("vendordata_dynamic_connect_timeout", default=5, min=3,
        help='Seconds to wait for a dynamic vendordata service to accept the connection.'),
    cfg.IntOpt("vendordata_dynamic_read_timeout", default=5, min=0,
        help='Seconds to wait for a dynamic vendordata service to answer.'),
    cfg.BoolOpt("vendordata_dynamic_failure_fatal", default=False,
        help='Whether a failing dynamic vendordata service fails the request (500) '
             'instead of being logged and skipped.'),
    cfg.IntOpt("metadata_cache_expiration", default=15, min=0,
        help="Seconds the metadata service caches an instance's data; 0 disables."),
    cfg.BoolOpt("local_metadata_per_cell", default=False,
        help='Whether each cell runs its own metadata API.'),
    cfg.StrOpt("dhcp_domain", default="novalocal",
        help='Domain appended to instance hostnames in metadata.'),
    cfg.StrOpt("config_drive_skip_versions", default="1.0 2007-01-19 2007-03-01 2007-08-29 2007-10-10 2007-12-15 2008-02-01 2008-09-01",
        help='EC2 metadata versions left out of config drives.'),
]


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(opts, group=api_group)


def list_opts():
    return {api_group: opts}
