"""[all_in_one]: what nova-all prepares for its users on start."""

from oslo_config import cfg

all_in_one_group = cfg.OptGroup(
    "all_in_one", title="All-in-one",
    help="What nova-all prepares on start besides running the services: the "
         "flavors and the image a first server boots from, and a clouds.yaml "
         "entry the openstack CLI and openstacksdk use to reach it.")

opts = [
    cfg.StrOpt("cloud_name", default="nova-aio",
               help="Name of the clouds.yaml entry nova-all writes "
                    "(openstack --os-cloud NAME). The nova-all flag --cloud-name "
                    "overrides it."),
    cfg.StrOpt("clouds_yaml", default="~/.config/openstack/clouds.yaml",
               help="clouds.yaml file the entry is merged into (other entries are "
                    "kept); empty to write none. The nova-all flag --clouds-yaml "
                    "overrides it."),
    cfg.BoolOpt("identity_standin", default=True,
                help="Under noauth2, serve the small Identity v3 stand-in the "
                     "openstack CLI needs for some commands (version documents and "
                     "project/user lookups by id; it issues no tokens) and name it "
                     "in the clouds.yaml entry."),
    cfg.HostAddressOpt("identity_listen", default="127.0.0.1",
                       help="Address the identity stand-in listens on."),
    cfg.PortOpt("identity_port", default=0,
                help="Port the identity stand-in listens on; 0 picks a free one "
                     "(the clouds.yaml entry is rewritten on every start)."),
    cfg.BoolOpt("seed", default=True,
                help="On the first start (no marker file 'aio-seeded' under "
                     "state_path yet) create the m1.* flavors and a small public "
                     "image named by seed_image_name in the image service. Flavors "
                     "and images that already exist are left alone."),
    cfg.StrOpt("seed_image_name", default="cirros",
               help="Name of the image the first start creates: a small raw disk "
                    "with a boot sector, enough for the fake virt driver."),
]


def register_opts(conf):
    conf.register_group(all_in_one_group)
    conf.register_opts(opts, group=all_in_one_group)


def list_opts():
    return {all_in_one_group: opts}
