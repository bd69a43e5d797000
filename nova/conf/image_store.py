"""[image_store]: The embedded local image store (Glance v2 API subset) of the all-in-one."""

from oslo_config import cfg

image_store_group = cfg.OptGroup(
    "image_store", title="Embedded image store",
    help="The local image store the all-in-one serves: it answers the Glance v2 calls "
         "of the openstack CLI and openstacksdk from files under data_dir.")

opts = [
    cfg.StrOpt("data_dir", default="$state_path/images",
               help="Directory holding the image files and the store's SQLite "
                    "metadata database (images.sqlite)."),
    cfg.HostAddressOpt("listen", default="127.0.0.1",
                       help="Address the image store listens on."),
    cfg.PortOpt("port", default=9292,
                help="Port the image store listens on (0 picks a free one)."),
    cfg.IntOpt("threads", default=8, min=1,
               help="Threads of the image store's WSGI server."),
    cfg.StrOpt("auth_strategy", default="noauth2", choices=("noauth2", "keystone"),
               help="noauth2: the token is 'user:project' (the user 'admin' is an "
                    "administrator); keystone: keystonemiddleware's auth_token "
                    "validates tokens ([keystone_authtoken]) and sets the identity."),
    cfg.IntOpt("limit_param_default", default=25, min=1,
               help="Images a list returns when the request gives no limit."),
    cfg.IntOpt("api_limit_max", default=1000, min=1,
               help="Most images one list request may return."),
    cfg.IntOpt("image_size_cap", default=1099511627776, min=1,
               help="Largest image, in bytes, the store accepts (1 TiB by default)."),
]


def register_opts(conf):
    conf.register_group(image_store_group)
    conf.register_opts(opts, group=image_store_group)


def list_opts():
    return {image_store_group: opts}
