"""The VMware vCenter driver: one nova-compute manages one vSphere cluster.

``compute_driver = vmwareapi.VMwareVCDriver`` with ``[vmware] host_ip``,
``host_username``, ``host_password``, ``cluster_name`` (and optionally
``datastore_regex``, ``port_group``, ``cache_prefix``). The cluster is one
compute node named ``<cluster moref>.<cluster name>`` (e.g.
``domain-c7.Cluster1``); its inventory is the CPU threads and memory of the
cluster's connected hosts and the capacity of the datastores matching
``datastore_regex``.

The parts: session.py (login, re-login, task polling, call counting),
vim_util.py (inventory queries), images.py (datastore files, image cache),
network.py (NICs), console.py (VNC/WebMKS), vmops.py (the VMs).
"""

import json

from oslo_log import log as logging
from oslo_utils import units
from oslo_utils import versionutils
import os_resource_classes as orc
import os_traits

import nova.conf
from nova import exception
from nova.virt import driver
from nova.virt.vmwareapi import session as vm_session
from nova.virt.vmwareapi import vim_util
from nova.virt.vmwareapi import vmops

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

HYPERVISOR_TYPE = "VMware vCenter Server"

# What every VM here can have, as traits the scheduler can require (an image
# with hw_vif_model vmxnet3 asks for COMPUTE_NET_VIF_MODEL_VMXNET3).
_DEVICE_TRAITS = (
    "COMPUTE_NET_VIF_MODEL_E1000", "COMPUTE_NET_VIF_MODEL_E1000E",
    "COMPUTE_NET_VIF_MODEL_VMXNET3", "COMPUTE_NET_VIF_MODEL_PCNET",
    "COMPUTE_STORAGE_BUS_SCSI", "COMPUTE_STORAGE_BUS_IDE",
)


class VMwareVCDriver(driver.ComputeDriver):
    capabilities = dict(driver.ComputeDriver.capabilities,
                        has_imagecache=True,
                        supports_image_type_vmdk=True)

    def __init__(self, virtapi=None, read_only=False):
        super().__init__(virtapi)
        self._session = None
        self._cluster = None
        self._vmops = None
        self._nodename = None
        self._image_api = None
        self._about = None

    # -- set-up -------------------------------------------------------------------------

    @property
    def session(self):
        return self._session

    @property
    def image_api(self):
        if self._image_api is None:
            from nova.image import api as image_api
            self._image_api = image_api.API()
        return self._image_api

    def init_host(self, host):
        """Log in to vCenter and find the cluster; a clear error (one log line) and
        HypervisorUnavailable / VMwareDriverError when it cannot."""
        if not CONF.vmware.cluster_name:
            raise vm_session.VMwareDriverError(reason="[vmware] cluster_name is not set")
        try:
            self._session = vm_session.VMwareSession.from_conf().connect()
            self._cluster = vim_util.find_cluster(self._session, CONF.vmware.cluster_name)
            vim_util.pick_datastore(self._session, self._cluster, CONF.vmware.datastore_regex)
        except exception.NovaException as exc:
            LOG.error("The VMware driver cannot start: %s", exc.format_message())
            if self._session is not None:
                self._session.logout()
            raise
        self._about = self._session.content.about
        self._nodename = "%s.%s" % (self._cluster.moref, self._cluster.name)
        self._vmops = vmops.VMOps(self._session, self._cluster, lambda: self.image_api)
        LOG.info("Managing vSphere cluster %s (%s) of datacenter %s as node %s",
                 self._cluster.name, self._cluster.moref, self._cluster.datacenter_name,
                 self._nodename)

    def cleanup_host(self, host):
        if self._session is not None:
            self._session.logout()

    def get_host_uptime(self):
        return "Please refer to %s for the uptime" % CONF.vmware.host_ip

    # -- resources ------------------------------------------------------------------------

    def get_available_nodes(self, refresh=False):
        return [self._nodename] if self._nodename else []

    def _sizes(self):
        res = vim_util.cluster_resources(self._session, self._cluster)
        stores = vim_util.datastores(self._session, self._cluster, CONF.vmware.datastore_regex)
        res["local_gb"] = sum(d.capacity for d in stores) // units.Gi
        res["free_gb"] = sum(d.free for d in stores) // units.Gi
        return res

    def get_available_resource(self, nodename):
        res = self._sizes()
        version = versionutils.convert_version_to_int(self._about.version)
        cpu_info = dict(res["cpu_info"], arch="x86_64", features=[])
        return {
            "vcpus": res["vcpus"],
            "memory_mb": res["memory_mb"],
            "local_gb": res["local_gb"],
            "vcpus_used": 0,
            "memory_mb_used": 0,
            "local_gb_used": res["local_gb"] - res["free_gb"],
            "hypervisor_type": HYPERVISOR_TYPE,
            "hypervisor_version": version,
            "hypervisor_hostname": nodename,
            "cpu_info": json.dumps(cpu_info),
            "disk_available_least": res["free_gb"],
            "supported_instances": [["x86_64", "vmware", "hvm"], ["i686", "vmware", "hvm"]],
            "numa_topology": None,
        }

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        inventory = provider_tree.data(nodename).inventory
        ratios = self._get_allocation_ratios(inventory)
        res = self._sizes()
        sizes = ((orc.VCPU, res["vcpus"], CONF.reserved_host_cpus),
                 (orc.MEMORY_MB, res["memory_mb"], CONF.reserved_host_memory_mb),
                 (orc.DISK_GB, res["local_gb"], -(-CONF.reserved_host_disk_mb // 1024)))
        provider_tree.update_inventory(nodename, {
            rc: {"total": total, "reserved": min(reserved, total), "min_unit": 1,
                 "max_unit": total, "step_size": 1, "allocation_ratio": ratios[rc]}
            for rc, total, reserved in sizes if total > 0})
        known = set(os_traits.get_traits())
        provider_tree.add_traits(nodename, *sorted(t for t in _DEVICE_TRAITS if t in known))

    # -- instances ---------------------------------------------------------------------------

    def list_instances(self):
        return self._vmops.list_instance_uuids()

    def list_instance_uuids(self):
        return self._vmops.list_instance_uuids()

    def instance_exists(self, instance):
        return self._vmops.find(instance) is not None

    def get_info(self, instance, use_cache=True):
        state, ref = self._vmops.get_info(instance)
        return driver.InstanceInfo(state=state, internal_id=ref._moId)

    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None, power_on=True,
              accel_info=None):
        with self._session.counting() as calls:
            self._vmops.spawn(context, instance, image_meta, network_info, power_on=power_on)
        LOG.info("Spawn of %s took %d vCenter round trips (%s)", instance.uuid,
                 sum(calls.values()), ", ".join("%s %d" % kv for kv in sorted(calls.items())))

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        self._vmops.destroy(instance, destroy_disks=destroy_disks)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None, accel_info=None):
        self._vmops.reboot(instance, reboot_type)

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._vmops.power_off(instance, timeout, retry_interval)

    def power_on(self, context, instance, network_info, block_device_info=None,
                 accel_info=None):
        self._vmops.power_on(instance)

    def suspend(self, context, instance):
        self._vmops.suspend(instance)

    def resume(self, context, instance, network_info, block_device_info=None):
        self._vmops.resume(instance)

    def snapshot(self, context, instance, image_id, update_task_state):
        self._vmops.snapshot(context, instance, image_id, update_task_state, self.image_api)

    def get_diagnostics(self, instance):
        return self._vmops.flat_diagnostics(instance)

    def get_instance_diagnostics(self, instance):
        return self._vmops.diagnostics(instance)[0]

    def get_vnc_console(self, context, instance):
        return self._vmops.vnc_console(instance)

    def cache_image(self, context, image_id):
        from nova.objects import image_meta as image_meta_obj
        meta = image_meta_obj.ImageMeta.from_dict(self.image_api.get(context, image_id))
        datastore = vim_util.pick_datastore(self._session, self._cluster,
                                            CONF.vmware.datastore_regex)
        _path, _size, fetched = self._vmops.image_cache.fetch(context, self._cluster,
                                                              datastore, meta)
        return fetched
