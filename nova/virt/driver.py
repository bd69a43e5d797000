"""The contract between nova-compute and a hypervisor (ComputeDriver).

nova-compute loads one driver, named by [DEFAULT] compute_driver relative to
nova.virt (e.g. 'fake.FakeDriver', 'libvirt.LibvirtDriver'). Methods a driver
does not support raise NotImplementedError; the compute manager treats that
as "this hypervisor cannot do it".
"""

from oslo_log import log as logging
from oslo_utils import importutils

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class ComputeDriver:
    """Base class of the virt drivers.

    ``capabilities`` tells the compute manager and scheduler what the
    hypervisor supports; drivers override the entries they change.
    """

    capabilities = {
        "has_imagecache": False,
        "supports_evacuate": False,
        "supports_migrate_to_same_host": False,
        "supports_attach_interface": False,
        "supports_device_tagging": False,
        "supports_multiattach": False,
    }

    # Whether the driver reports one node per compute host (False: several).
    requires_allocation_refresh = False

    def __init__(self, virtapi=None):
        self.virtapi = virtapi

    # -- host lifecycle ---------------------------------------------------

    def init_host(self, host):
        """Connect to the hypervisor; called once when nova-compute starts."""
        raise NotImplementedError()

    def cleanup_host(self, host):
        """Release what init_host() took; called when nova-compute stops."""

    def get_host_uptime(self):
        """The hypervisor host's uptime, as the `uptime` command prints it."""
        raise NotImplementedError()

    # -- resources ----------------------------------------------------------

    def get_available_nodes(self, refresh=False):
        """Names of the hypervisor nodes this compute host manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename):
        """Resources of ``nodename`` as a dict.

        Keys: vcpus, memory_mb, local_gb, vcpus_used, memory_mb_used,
        local_gb_used, hypervisor_type, hypervisor_version,
        hypervisor_hostname, cpu_info (JSON text), disk_available_least,
        supported_instances (list of [arch, hv_type, vm_mode]) and
        numa_topology (JSON text or None).
        """
        raise NotImplementedError()

    def node_is_available(self, nodename):
        return nodename in self.get_available_nodes()

    # -- instances ------------------------------------------------------------

    def list_instances(self):
        """Hypervisor names of the instances on this host."""
        raise NotImplementedError()

    def list_instance_uuids(self):
        """UUIDs of the instances on this host."""
        raise NotImplementedError()

    def instance_exists(self, instance):
        try:
            return instance.uuid in self.list_instance_uuids()
        except NotImplementedError:
            return instance.name in self.list_instances()


def load_compute_driver(virtapi=None, compute_driver=None):
    """Import and build the configured driver (raises SystemExit if it cannot)."""
    compute_driver = compute_driver or CONF.compute_driver
    if not compute_driver:
        LOG.error("Compute driver option required, but not specified")
        raise SystemExit(1)
    LOG.info("Loading compute driver '%s'", compute_driver)
    try:
        driver = importutils.import_object("nova.virt.%s" % compute_driver, virtapi)
    except ImportError:
        LOG.exception("Unable to load the virtualization driver")
        raise SystemExit(1)
    if not isinstance(driver, ComputeDriver):
        LOG.error("Compute driver %s is not a ComputeDriver", compute_driver)
        raise SystemExit(1)
    return driver
