"""Diagnostics of a libvirt guest, in both of the API's formats.

One read of what libvirt tells about the domain (``guest_stats``: state,
vCPU times, memory statistics, block and interface counters of a running
guest) serves the 2.48 standard diagnostics (``instance_diagnostics``) and
the free-form ones of before (``diagnostics``: cpu0_time, memory, vda_read...).
"""

import os

import libvirt

import nova.conf
from nova.virt import diagnostics as virt_diagnostics

CONF = nova.conf.CONF


def guest_stats(host, instance):
    """What libvirt tells about the guest's devices: one read for both
    diagnostics formats."""
    guest = host.get_guest(instance)
    dom = guest.domain
    active = guest.is_active()
    info = dom.info()
    stats = {"guest": guest, "state": guest.get_power_state(), "active": active,
             "info": info, "cpus": [], "memory": {}, "disks": [], "nics": []}
    if active:
        try:
            stats["cpus"] = [(cpu_id, cpu_time)
                             for cpu_id, _vstate, cpu_time, _cpu in dom.vcpus()[0]]
        except libvirt.libvirtError:
            pass
        try:
            stats["memory"] = dom.memoryStats()
        except libvirt.libvirtError:
            pass
    for dev, _source, _fmt in guest.get_disks():
        counters = None
        if active:
            try:
                counters = dom.blockStats(dev)
            except libvirt.libvirtError:
                pass
        stats["disks"].append((dev, counters))
    for dev, mac in guest.get_interfaces():
        counters = None
        if active and dev:
            try:
                counters = dom.interfaceStats(dev)
            except libvirt.libvirtError:
                pass
        stats["nics"].append((dev, mac, counters))
    return stats


def instance_diagnostics(host, instance):
    """The 2.48 standard diagnostics of the guest (see the driver contract)."""
    stats = guest_stats(host, instance)
    info = stats["info"]
    used = info[2] // 1024
    mem = stats["memory"]
    if "actual" in mem and "unused" in mem:
        used = (mem["actual"] - mem["unused"]) // 1024
    diags = virt_diagnostics.Diagnostics(
        state=virt_diagnostics.STATES.get(stats["state"], "pending"), driver="libvirt",
        hypervisor=CONF.libvirt.virt_type, hypervisor_os="linux",
        uptime=domain_uptime(stats["guest"]) if stats["active"] else None,
        config_drive=bool(getattr(instance, "config_drive", None)),
        memory_details={"maximum": info[1] // 1024, "used": used})
    if stats["cpus"]:
        for cpu_id, cpu_time in stats["cpus"]:
            diags.add_cpu(id=cpu_id, time=cpu_time)
    else:
        for _cpu in range(info[3]):
            diags.add_cpu()
    for _dev, counters in stats["disks"]:
        if counters is None:
            diags.add_disk(read_bytes=0, read_requests=0, write_bytes=0,
                           write_requests=0, errors_count=0)
        else:
            rd_req, rd_bytes, wr_req, wr_bytes, errs = counters
            diags.add_disk(read_bytes=rd_bytes, read_requests=rd_req,
                           write_bytes=wr_bytes, write_requests=wr_req,
                           errors_count=max(errs, 0))
    for _dev, mac, s in stats["nics"]:
        s = s or (0,) * 8
        diags.add_nic(mac_address=mac, rx_octets=s[0], rx_packets=s[1],
                      rx_errors=s[2], rx_drop=s[3], tx_octets=s[4], tx_packets=s[5],
                      tx_errors=s[6], tx_drop=s[7])
    return diags


def diagnostics(host, instance):
    """The free-form diagnostics of before 2.48 (cpu0_time, memory, vda_read...)."""
    stats = guest_stats(host, instance)
    result = {"memory": stats["info"][1]}
    for cpu_id, cpu_time in stats["cpus"]:
        result["cpu%d_time" % cpu_id] = cpu_time
    for name, value in stats["memory"].items():
        result["memory-" + name] = value
    for dev, counters in stats["disks"]:
        if counters is not None:
            for key, value in zip(("read_req", "read", "write_req", "write", "errors"),
                                  counters):
                result["%s_%s" % (dev, key)] = value
    for dev, _mac, counters in stats["nics"]:
        if dev and counters is not None:
            for key, value in zip(("rx", "rx_packets", "rx_errors", "rx_drop", "tx",
                                   "tx_packets", "tx_errors", "tx_drop"), counters):
                result["%s_%s" % (dev, key)] = value
    return result


def domain_uptime(guest):
    """Seconds since the domain's QEMU process started (None if unknown)."""
    pid_file = "/run/libvirt/qemu/%s.pid" % guest.name
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/stat" % pid) as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            host_up = float(f.read().split()[0])
        return int(host_up - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None
