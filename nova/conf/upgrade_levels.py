"""[upgrade_levels]: the RPC version each client may send while services are upgraded."""

from oslo_config import cfg

upgrade_group = cfg.OptGroup('upgrade_levels', title='Upgrade levels', help='''
Caps on the RPC API versions this process sends, for a rolling upgrade.

While some services still run the previous release, pin the clients of the
newer ones so that they only send messages the older services understand.
Each option takes one of:

* nothing (the default): no cap, send the newest version this code knows;
* an RPC API version, such as ``6.2``;
* a release alias: the name of a release series (``VERSION_ALIASES`` of the
  RPC API module), meaning the versions its services speak;
* ``auto``: the version the oldest running service of that kind speaks, from
  the ``version`` column of the services table across every cell and the
  service version history (nova/objects/service.py); deleted and forced-down
  services do not count. It is looked up when the first message is sent and
  kept until the service restarts or gets SIGHUP; while no service of that
  kind has recorded a version, nothing is capped and the next message looks
  again.

A call that cannot be expressed at the cap raises
``nova.rpc.VersionCapExceeded`` in the caller; the message names the option.
''')

opts = [
    cfg.StrOpt('compute',
        help='Cap of the compute RPC API (nova-compute), e.g. ``6.2``, a release '
             'alias or ``auto`` (the oldest running nova-compute).'),
    cfg.StrOpt('conductor',
        help='Cap of the conductor RPC APIs (nova-conductor). A release alias or '
             '``auto`` caps both the object API (3.x) and the compute_task API '
             '(1.x); a version caps the one of the two whose major version it names.'),
    cfg.StrOpt('scheduler',
        help='Cap of the scheduler RPC API (nova-scheduler), e.g. ``4.1``, a release '
             'alias or ``auto`` (the oldest running nova-scheduler).'),
]


def register_opts(conf):
    conf.register_group(upgrade_group)
    conf.register_opts(opts, group=upgrade_group)


def list_opts():
    return {upgrade_group: opts}
