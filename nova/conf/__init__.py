"""nova's configuration: one module per option group, all registered on CONF."""

from oslo_config import cfg

from nova.conf import all_in_one
from nova.conf import api
from nova.conf import cache
from nova.conf import compute
from nova.conf import conductor
from nova.conf import console
from nova.conf import configdrive
from nova.conf import database
from nova.conf import default
from nova.conf import filter_scheduler
from nova.conf import flat_network
from nova.conf import glance
from nova.conf import image_store
from nova.conf import image_cache
from nova.conf import libvirt
from nova.conf import neutron
from nova.conf import placement
from nova.conf import quota
from nova.conf import scheduler
from nova.conf import service_user
from nova.conf import spice
from nova.conf import upgrade_levels
from nova.conf import vendordata
from nova.conf import vmware
from nova.conf import vnc
from nova.conf import wsgi

CONF = cfg.CONF

# Groups in the order the sample configuration lists them.
MODULES = (default, configdrive, all_in_one, api, cache, console, database, compute, conductor,
           filter_scheduler, flat_network, glance, image_cache, image_store, libvirt, neutron,
           placement, quota, scheduler, service_user, spice, upgrade_levels, vendordata,
           vmware, vnc, wsgi)


def register_all(conf):
    for module in MODULES:
        module.register_opts(conf)


register_all(CONF)
