"""[flat_network]: the embedded flat network of the all-in-one ([neutron] backend = flat)."""

from oslo_config import cfg

flat_group = cfg.OptGroup(
    "flat_network", title="Embedded flat network",
    help="One network, shared by every project, that hands out fixed IPv4 addresses "
         "from a range and records them in the API database. Used when "
         "[neutron] backend = flat.")

opts = [
    cfg.StrOpt("name", default="private",
               help="Label of the network: the key of a server's 'addresses'."),
    cfg.StrOpt("network_id", default=None,
               help="UUID of the network as the API shows it. By default a UUID "
                    "derived from 'name', the same in every process and across restarts."),
    cfg.StrOpt("cidr", default="10.0.0.0/24",
               help="IPv4 subnet of the network."),
    cfg.StrOpt("gateway", default=None,
               help="Gateway address; by default the first host address of 'cidr'. "
                    "It is never handed out."),
    cfg.StrOpt("range_start", default=None,
               help="First address handed out; by default the first host address "
                    "after the gateway."),
    cfg.StrOpt("range_end", default=None,
               help="Last address handed out; by default the last host address of 'cidr'."),
    cfg.ListOpt("dns_servers", default=[],
                help="DNS servers announced to the instances."),
    cfg.StrOpt("bridge", default="br100",
               help="Host bridge the instances' interfaces are plugged into."),
    cfg.IntOpt("mtu", default=1500, min=68,
               help="MTU of the network."),
    cfg.IntOpt("allocate_retries", default=20, min=1,
               help="Times an allocation is retried when another process took the "
                    "chosen address at the same moment."),
]


def register_opts(conf):
    conf.register_group(flat_group)
    conf.register_opts(opts, group=flat_group)


def list_opts():
    return {flat_group: opts}
