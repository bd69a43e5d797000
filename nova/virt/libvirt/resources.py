"""What the libvirt host offers: its resources and its traits.

``available_resource`` is the driver's ``get_available_resource`` (vCPUs,
memory and the instances path's disk, with what the guests use);
``update_provider_tree`` sets the Placement inventory of the node and its
traits: the host CPU's flags as ``HW_CPU_X86_*`` (expanded by libvirt's
baseline CPU where it can) and the device models every QEMU guest here can
have.
"""

from xml.etree import ElementTree

import libvirt
from oslo_log import log as logging
from oslo_serialization import jsonutils
import os_resource_classes as orc
import os_traits

import nova.conf
from nova.virt.libvirt import host as libvirt_host

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Device models every QEMU guest here can have (reported as traits).
DEVICE_TRAITS = (
    "COMPUTE_GRAPHICS_MODEL_VGA", "COMPUTE_GRAPHICS_MODEL_CIRRUS",
    "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_NET_VIF_MODEL_VIRTIO",
    "COMPUTE_NET_VIF_MODEL_E1000", "COMPUTE_NET_VIF_MODEL_RTL8139",
    "COMPUTE_STORAGE_BUS_VIRTIO", "COMPUTE_STORAGE_BUS_IDE", "COMPUTE_STORAGE_BUS_SATA",
    "COMPUTE_STORAGE_BUS_SCSI", "COMPUTE_STORAGE_BUS_USB", "COMPUTE_STORAGE_BUS_FDC",
)


def local_gb():
    """(total, free) GiB of the instances path."""
    return libvirt_host.disk_stats_gb(CONF.instances_path)


def available_resource(host, nodename):
    """The resources of ``host`` for the compute node ``nodename``."""
    total_gb, free_gb = local_gb()
    guests = host.list_guests()
    vcpus_used = 0
    for guest in guests:
        try:
            vcpus_used += guest.domain.info()[3] if guest.is_active() else 0
        except libvirt.libvirtError:
            pass
    return {
        "vcpus": host.get_cpu_count(),
        "memory_mb": host.get_memory_mb_total(),
        "local_gb": total_gb,
        "vcpus_used": vcpus_used,
        "memory_mb_used": host.get_memory_mb_used(),
        "local_gb_used": total_gb - free_gb,
        "hypervisor_type": host.get_hypervisor_type(),
        "hypervisor_version": host.get_hypervisor_version(),
        "hypervisor_hostname": nodename,
        "cpu_info": jsonutils.dumps(host.get_cpu_info()),
        "disk_available_least": free_gb,
        "supported_instances": host.get_supported_instances(),
        "numa_topology": None,
    }


def update_provider_tree(drv, provider_tree, nodename):
    """Inventory (with the driver's allocation ratios) and traits of ``nodename``."""
    host = drv.host
    inventory = provider_tree.data(nodename).inventory
    ratios = drv._get_allocation_ratios(inventory)
    total_gb, _free = local_gb()
    sizes = ((orc.VCPU, host.get_cpu_count(), CONF.reserved_host_cpus),
             (orc.MEMORY_MB, host.get_memory_mb_total(), CONF.reserved_host_memory_mb),
             (orc.DISK_GB, total_gb, -(-CONF.reserved_host_disk_mb // 1024)))
    provider_tree.update_inventory(nodename, {
        rc: {"total": total, "reserved": min(reserved, total), "min_unit": 1,
             "max_unit": total, "step_size": 1, "allocation_ratio": ratios[rc]}
        for rc, total, reserved in sizes if total > 0})
    provider_tree.add_traits(nodename, *sorted(static_traits(host)))


def static_traits(host):
    """Traits of this host: its CPU flags and the device models guests can have."""
    known = set(os_traits.get_traits())
    traits = set()
    for flag in cpu_flags(host):
        name = "HW_CPU_X86_" + flag.upper().replace(".", "").replace("-", "_")
        if name in known:
            traits.add(name)
        alt = name.replace("_", "").replace("HWCPUX86", "HW_CPU_X86_")
        if alt in known:
            traits.add(alt)
    traits.update(t for t in DEVICE_TRAITS if t in known)
    return traits


def cpu_flags(host):
    """The host CPU's feature flags (its model's expanded where libvirt can)."""
    caps = host.get_capabilities()
    cpu = caps.find("host/cpu")
    flags = {f.get("name") for f in cpu.findall("feature")}
    flags.update(child.tag for child in cpu.find("features") or [])
    model = cpu.find("model")
    if model is not None:
        try:
            expanded = host.get_connection().baselineCPU(
                [ElementTree.tostring(cpu, encoding="unicode")],
                libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES)
            flags.update(f.get("name") for f in
                         ElementTree.fromstring(expanded).findall("feature")
                         if f.get("policy") in (None, "require"))
        except libvirt.libvirtError as exc:
            LOG.debug("Cannot expand the CPU features: %s", exc)
    return {f for f in flags if f}
