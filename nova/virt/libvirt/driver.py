"""The libvirt driver: real guests through libvirt (QEMU/KVM).

``compute_driver = libvirt.LibvirtDriver``. The parts live beside it: host
(connection, events, capabilities), config (domain XML), guest (a domain),
imagecache / imagebackend (disks), vif (interfaces).
"""

import datetime
import functools
import os
import time

import libvirt
from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import units
import os_resource_classes as orc
import os_traits

import nova.conf
from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.virt import diagnostics
from nova.virt import driver
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import configdrive as lv_configdrive
from nova.virt.libvirt import console as libvirt_console
from nova.virt.libvirt import exception as lv_exc
from nova.virt.libvirt import guest_agent
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import imagecache
from nova.virt.libvirt import service_status
from nova.virt.libvirt import snapshot as lv_snapshot
from nova.virt.libvirt import rescue as lv_rescue
from nova.virt.libvirt import vif as libvirt_vif

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

CONSOLE_LOG = "console.log"
MAX_CONSOLE_BYTES = 100 * units.Ki

# Device models every QEMU guest here can have (reported as traits).
_DEVICE_TRAITS = (
    "COMPUTE_GRAPHICS_MODEL_VGA", "COMPUTE_GRAPHICS_MODEL_CIRRUS",
    "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_NET_VIF_MODEL_VIRTIO",
    "COMPUTE_NET_VIF_MODEL_E1000", "COMPUTE_NET_VIF_MODEL_RTL8139",
    "COMPUTE_STORAGE_BUS_VIRTIO", "COMPUTE_STORAGE_BUS_IDE", "COMPUTE_STORAGE_BUS_SATA",
    "COMPUTE_STORAGE_BUS_SCSI", "COMPUTE_STORAGE_BUS_USB", "COMPUTE_STORAGE_BUS_FDC",
)


def reconnecting(retry=True):
    """Run a driver method; when libvirtd went away under it (a connection
    error), drop the connection and, if ``retry`` and libvirt answers again at
    once (a restarted daemon), run it once more. Otherwise the caller gets
    HypervisorUnavailable ("Connection to the hypervisor ... is broken"), the
    fault the compute manager records."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except libvirt.libvirtError as exc:
                if not libvirt_host.is_connection_error(exc):
                    raise
                self._host.connection_lost(exc)
                if not retry:
                    raise lv_exc.HypervisorUnavailable(uri=self._host.uri,
                                                       reason=exc) from exc
                LOG.warning("%s: libvirt connection lost (%s); retrying once reconnected",
                            fn.__name__, exc)
                self._host.get_connection()     # HypervisorUnavailable if still down
            return fn(self, *args, **kwargs)
        return wrapper
    return decorate


def _silence_libvirt_errors():
    # libvirt prints every error to stderr besides raising it.
    libvirt.registerErrorHandler(lambda ctx, err: None, None)


class LibvirtDriver(driver.ComputeDriver):
    capabilities = dict(driver.ComputeDriver.capabilities,
                        has_imagecache=True,
                        supports_image_type_raw=True, supports_image_type_qcow2=True,
                        supports_image_type_aki=True, supports_image_type_ari=True,
                        supports_image_type_ami=True, supports_image_type_vmdk=True,
                        supports_image_type_vhd=True, supports_image_type_vhdx=True)

    def __init__(self, virtapi=None, read_only=False, uri=None):
        super().__init__(virtapi)
        _silence_libvirt_errors()
        self._host = libvirt_host.Host(uri, read_only,
                                       lifecycle_callback=self._handle_lifecycle_event,
                                       connection_callback=self._connection_changed)
        self.image_cache = imagecache.ImageCache()
        self._image_api = None
        self._disabled_reason = None
        self._nodename = None
        self._service_status = service_status.ServiceStatus()

    @property
    def host(self):
        return self._host

    @property
    def image_api(self):
        if self._image_api is None:
            from nova.image import api as image_api
            self._image_api = image_api.API()
        return self._image_api

    # -- host -----------------------------------------------------------------------

    def init_host(self, host):
        self._nodename = host
        self._service_status.host = host
        self._host.initialize()
        if self._host.is_available:
            virt_type = CONF.libvirt.virt_type
            if not self._host.has_domain_type(virt_type):
                LOG.warning("libvirt at %s cannot run %s guests (only %s)", self._host.uri,
                            virt_type, sorted({d for _a, d, _o in
                                               self._host.get_supported_instances()}))

    def cleanup_host(self, host):
        self._host.close()

    def _connection_changed(self, available, reason):
        """libvirtd came (back) or went: the compute service follows (see
        service_status)."""
        self._disabled_reason = None if available else reason
        if available:
            LOG.info("Connected to libvirt at %s", self._host.uri)
        else:
            LOG.error("libvirt at %s is not available: %s", self._host.uri, reason)
        self._service_status.changed(available, reason)

    def _handle_lifecycle_event(self, event):
        self.emit_event(event)

    def get_host_uptime(self):
        out, _err = processutils.execute("env", "LANG=C", "uptime")
        return out.rstrip("\n")

    def get_available_nodes(self, refresh=False):
        """This host's node; none while libvirt is unreachable (the service stays
        up and its node is left alone until the connection comes back)."""
        if refresh:
            self._service_status.retry_pending()
        if refresh and not self._host.is_available:
            LOG.warning("libvirt at %s is unreachable: no node to report (%s)",
                        self._host.uri, self._disabled_reason)
            return []
        return [self._nodename or CONF.host]

    def node_is_available(self, nodename):
        return nodename in self.get_available_nodes() and self._host.is_available

    # -- resources ----------------------------------------------------------------

    def _local_gb(self):
        return libvirt_host.disk_stats_gb(CONF.instances_path)

    def _instance_disk_gb(self):
        """GiB the instances' disks take on the instances path (allocated bytes)."""
        total = 0
        root = CONF.instances_path
        if os.path.isdir(root):
            for entry in os.scandir(root):
                if entry.is_dir() and entry.name != CONF.image_cache.subdirectory_name:
                    for f in os.scandir(entry.path):
                        if f.is_file():
                            total += f.stat().st_blocks * 512
        return total // units.Gi

    @reconnecting()
    def get_available_resource(self, nodename):
        total_gb, free_gb = self._local_gb()
        guests = self._host.list_guests()
        vcpus_used = 0
        for guest in guests:
            try:
                vcpus_used += guest.domain.info()[3] if guest.is_active() else 0
            except libvirt.libvirtError:
                pass
        return {
            "vcpus": self._host.get_cpu_count(),
            "memory_mb": self._host.get_memory_mb_total(),
            "local_gb": total_gb,
            "vcpus_used": vcpus_used,
            "memory_mb_used": self._host.get_memory_mb_used(),
            "local_gb_used": total_gb - free_gb,
            "hypervisor_type": self._host.get_hypervisor_type(),
            "hypervisor_version": self._host.get_hypervisor_version(),
            "hypervisor_hostname": nodename,
            "cpu_info": _json(self._host.get_cpu_info()),
            "disk_available_least": free_gb,
            "supported_instances": self._host.get_supported_instances(),
            "numa_topology": None,
        }

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        inventory = provider_tree.data(nodename).inventory
        ratios = self._get_allocation_ratios(inventory)
        total_gb, _free = self._local_gb()
        sizes = ((orc.VCPU, self._host.get_cpu_count(), CONF.reserved_host_cpus),
                 (orc.MEMORY_MB, self._host.get_memory_mb_total(),
                  CONF.reserved_host_memory_mb),
                 (orc.DISK_GB, total_gb, -(-CONF.reserved_host_disk_mb // 1024)))
        provider_tree.update_inventory(nodename, {
            rc: {"total": total, "reserved": min(reserved, total), "min_unit": 1,
                 "max_unit": total, "step_size": 1, "allocation_ratio": ratios[rc]}
            for rc, total, reserved in sizes if total > 0})
        provider_tree.add_traits(nodename, *sorted(self.static_traits()))

    def static_traits(self):
        """Traits of this host: its CPU flags and the device models guests can have."""
        known = set(os_traits.get_traits())
        traits = set()
        for flag in self._cpu_flags():
            name = "HW_CPU_X86_" + flag.upper().replace(".", "").replace("-", "_")
            if name in known:
                traits.add(name)
            alt = name.replace("_", "").replace("HWCPUX86", "HW_CPU_X86_")
            if alt in known:
                traits.add(alt)
        traits.update(t for t in _DEVICE_TRAITS if t in known)
        return traits

    def _cpu_flags(self):
        caps = self._host.get_capabilities()
        cpu = caps.find("host/cpu")
        flags = {f.get("name") for f in cpu.findall("feature")}
        flags.update(child.tag for child in cpu.find("features") or [])
        model = cpu.find("model")
        if model is not None:
            from xml.etree import ElementTree
            try:
                expanded = self._host.get_connection().baselineCPU(
                    [ElementTree.tostring(cpu, encoding="unicode")],
                    libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES)
                flags.update(f.get("name") for f in
                             ElementTree.fromstring(expanded).findall("feature")
                             if f.get("policy") in (None, "require"))
            except libvirt.libvirtError as exc:
                LOG.debug("Cannot expand the CPU features: %s", exc)
        return {f for f in flags if f}

    # -- instances ------------------------------------------------------------------

    @reconnecting()
    def list_instances(self):
        return [g.name for g in self._host.list_guests()]

    @reconnecting()
    def list_instance_uuids(self):
        return [g.uuid for g in self._host.list_guests()]

    @reconnecting()
    def instance_exists(self, instance):
        try:
            self._host.get_guest(instance)
            return True
        except exception.InstanceNotFound:
            return False

    @reconnecting()
    def get_info(self, instance, use_cache=True):
        guest = self._host.get_guest(instance)
        return driver.InstanceInfo(state=guest.get_power_state(), internal_id=guest.id)

    # -- guest configuration --------------------------------------------------------

    def _cpu_config(self):
        mode = CONF.libvirt.cpu_mode
        if mode is None:
            mode = "host-model" if CONF.libvirt.virt_type == "kvm" else "none"
        if mode == "none":
            return None
        if mode == "custom":
            if not CONF.libvirt.cpu_models:
                raise exception.NovaException(
                    "[libvirt] cpu_mode custom needs [libvirt] cpu_models")
            return vconfig.GuestCPU("custom", CONF.libvirt.cpu_models[0])
        return vconfig.GuestCPU(mode)

    def get_guest_config(self, instance, image_meta, network_info, disks,
                         kernel=None, ramdisk=None):
        """The GuestConfig of ``instance`` (see config.py)."""
        flavor = instance.flavor
        conf = vconfig.GuestConfig(CONF.libvirt.virt_type, instance.name, instance.uuid,
                                   flavor.memory_mb, flavor.vcpus)
        conf.cpu = self._cpu_config()
        props = image_meta.properties if image_meta is not None else None
        conf.machine_type = (props.get("hw_machine_type") if props is not None else None) \
            or CONF.libvirt.hw_machine_type
        if kernel:
            conf.os_kernel = kernel
            conf.os_initrd = ramdisk
            cmdline = props.get("os_command_line") if props is not None else None
            conf.os_cmdline = cmdline or "root=/dev/vda console=tty0 console=ttyS0"
        created = instance.created_at or datetime.datetime.utcnow()
        conf.metadata.append(vconfig.NovaInstanceMeta(
            instance.display_name or instance.uuid,
            created.strftime("%Y-%m-%d %H:%M:%S"), flavor,
            owner_user=(instance.user_id, instance.user_id) if instance.user_id else None,
            owner_project=((instance.project_id, instance.project_id)
                           if instance.project_id else None),
            root_image=instance.image_ref or None))
        bus = (props.get("hw_disk_bus") if props is not None else None) or "virtio"
        for disk in disks:
            dev = disk.target_dev if bus == "virtio" else "sd" + disk.target_dev[2:]
            conf.devices.append(vconfig.GuestDisk(disk.path, dev, disk.format, bus))
        vif_model = (props.get("hw_vif_model") if props is not None else None) or "virtio"
        for vif in network_info or []:
            conf.devices.append(libvirt_vif.get_config(vif, CONF.libvirt.virt_type,
                                                       vif_model))
        log_path = os.path.join(imagebackend.instance_dir(instance), CONSOLE_LOG)
        conf.devices.append(libvirt_console.serial_device(log_path) or
                            vconfig.GuestSerial(log_path))
        if guest_agent.wanted(image_meta):
            conf.devices.append(guest_agent.GuestAgentChannel())
        if CONF.vnc.enabled:
            conf.devices.append(vconfig.GuestGraphics("vnc", CONF.vnc.server_listen))
        if CONF.spice.enabled:
            conf.devices.append(vconfig.GuestGraphics("spice", CONF.spice.server_listen))
        return conf

    # -- spawn / destroy --------------------------------------------------------------

    @reconnecting(retry=False)
    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None, power_on=True,
              accel_info=None):
        if self.instance_exists(instance):
            raise exception.InstanceExists(name=instance.name)
        try:
            disks, kernel, ramdisk = imagebackend.create_instance_disks(
                context, self.image_cache, instance, image_meta)
            for vif in network_info or []:
                libvirt_vif.plug(instance, vif)
            conf = self.get_guest_config(instance, image_meta, network_info, disks,
                                         kernel, ramdisk)
            if lv_configdrive.required(instance, image_meta):
                lv_configdrive.attach(conf, instance, image_meta)
            guest = self._host.write_instance_config(conf.to_xml())
            lv_configdrive.after_define(context, instance, image_meta, network_info,
                                        admin_password, guest)
            if power_on:
                guest.launch()
        except Exception:
            with excutils.save_and_reraise_exception():
                LOG.error("Spawning %s failed; cleaning up", instance.uuid)
                self._cleanup_failed_spawn(context, instance, network_info)
        LOG.info("Instance %s spawned as %s", instance.uuid, instance.name)

    def _cleanup_failed_spawn(self, context, instance, network_info):
        """Undo a spawn that failed part-way: domain, VIFs, files (best effort:
        without libvirt the files and VIFs still go)."""
        try:
            self.destroy(context, instance, network_info)
        except Exception as exc:
            LOG.warning("Cleaning up the failed spawn of %s: %s", instance.uuid, exc)
            for vif in network_info or []:
                try:
                    libvirt_vif.unplug(instance, vif)
                except Exception:
                    LOG.exception("Unplugging %s failed", vif.get("id"))
            imagebackend.delete_instance_files(instance)

    @reconnecting()
    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        """Power off and undefine the domain, unplug VIFs, delete files; idempotent."""
        try:
            guest = self._host.get_guest(instance)
        except exception.InstanceNotFound:
            guest = None
        if guest is not None:
            guest.poweroff()
            guest.delete_configuration()
        for vif in network_info or []:
            libvirt_vif.unplug(instance, vif)
        if destroy_disks:
            imagebackend.delete_instance_files(instance)

    # -- rebuild, rescue, admin password (nova/virt/libvirt/rescue.py, guest_agent.py) ---

    def rebuild(self, context, instance, image_meta, injected_files, admin_password,
                allocations, bdms, detach_block_devices, attach_block_devices,
                network_info=None, evacuate=False, block_device_info=None,
                preserve_ephemeral=False, accel_uuids=None, reimage_boot_volume=False):
        lv_rescue.rebuild(self, context, instance, image_meta, injected_files,
                          admin_password, allocations, network_info=network_info,
                          preserve_ephemeral=preserve_ephemeral)

    def rescue(self, context, instance, network_info, image_meta, rescue_password,
               block_device_info=None):
        lv_rescue.rescue(self, context, instance, image_meta, rescue_password)

    def unrescue(self, context, instance):
        lv_rescue.unrescue(self, context, instance)

    def set_admin_password(self, instance, new_pass):
        guest_agent.set_admin_password(self._host, instance, new_pass)

    # -- power ------------------------------------------------------------------------

    def _shutdown_cleanly(self, guest, timeout, retry_interval):
        """ACPI shutdown, repeated every ``retry_interval`` s; whether it worked."""
        if guest.get_power_state() != power_state.RUNNING:
            return guest.get_power_state() == power_state.SHUTDOWN
        end = time.monotonic() + timeout
        retry_interval = retry_interval or timeout
        while time.monotonic() < end:
            try:
                guest.shutdown()
            except libvirt.libvirtError as exc:
                LOG.debug("ACPI shutdown of %s failed: %s", guest.uuid, exc)
            wait = min(retry_interval, max(0.0, end - time.monotonic()))
            if guest.wait_for_state((power_state.SHUTDOWN,), wait):
                return True
        return False

    @reconnecting()
    def power_off(self, instance, timeout=0, retry_interval=0):
        guest = self._host.get_guest(instance)
        if timeout and self._shutdown_cleanly(guest, timeout, retry_interval):
            LOG.info("Instance %s shut down cleanly", instance.uuid)
            return
        guest.poweroff()

    @reconnecting()
    def power_on(self, context, instance, network_info, block_device_info=None,
                 accel_info=None):
        guest = self._host.get_guest(instance)
        for vif in network_info or []:
            libvirt_vif.plug(instance, vif)
        if not guest.is_active():
            guest.launch()
        elif guest.get_power_state() == power_state.PAUSED:
            guest.resume()

    @reconnecting()
    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None, accel_info=None):
        guest = self._host.get_guest(instance)
        if reboot_type == "SOFT":
            if guest.get_power_state() != power_state.RUNNING:
                raise exception.InstanceInvalidState(
                    instance_uuid=instance.uuid, attr="power_state",
                    state=power_state.STATE_MAP.get(guest.get_power_state()),
                    method="reboot")
            timeout = CONF.reboot_timeout or CONF.libvirt.wait_soft_reboot_seconds
            if self._shutdown_cleanly(guest, timeout, 0):
                guest.launch()
                LOG.info("Instance %s soft rebooted", instance.uuid)
                return
            LOG.warning("Instance %s did not shut down within %s s; rebooting hard",
                        instance.uuid, timeout)
        self._hard_reboot(context, instance, network_info, guest)

    def _hard_reboot(self, context, instance, network_info, guest):
        guest.poweroff()
        if guest.has_managed_save():
            guest.domain.managedSaveRemove(0)
        for vif in network_info or []:
            libvirt_vif.plug(instance, vif)
        guest.launch()
        if not guest.wait_for_state((power_state.RUNNING,), 30, 0.2):
            raise lv_exc.InstanceRebootFailure(reason="the guest did not start")
        LOG.info("Instance %s hard rebooted", instance.uuid)

    @reconnecting()
    def pause(self, instance):
        self._host.get_guest(instance).pause()

    @reconnecting()
    def unpause(self, instance):
        self._host.get_guest(instance).resume()

    @reconnecting()
    def suspend(self, context, instance):
        guest = self._host.get_guest(instance)
        if guest.get_power_state() not in (power_state.RUNNING, power_state.PAUSED):
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr="power_state",
                state=power_state.STATE_MAP.get(guest.get_power_state()),
                method="suspend")
        guest.managed_save()

    @reconnecting()
    def resume(self, context, instance, network_info, block_device_info=None):
        guest = self._host.get_guest(instance)
        for vif in network_info or []:
            libvirt_vif.plug(instance, vif)
        guest.launch()

    @reconnecting(retry=False)
    def trigger_crash_dump(self, instance):
        guest = self._host.get_guest(instance)
        try:
            guest.inject_nmi()
        except libvirt.libvirtError as exc:
            code = exc.get_error_code()
            if code == libvirt.VIR_ERR_NO_SUPPORT:
                raise NotImplementedError(str(exc)) from exc
            if code == libvirt.VIR_ERR_OPERATION_INVALID:
                raise exception.InstanceInvalidState(
                    instance_uuid=instance.uuid, attr="power_state",
                    state=power_state.STATE_MAP.get(guest.get_power_state()),
                    method="trigger_crash_dump") from exc
            raise

    # -- console, diagnostics -----------------------------------------------------------

    @reconnecting()
    def get_console_output(self, context, instance):
        """The serial console log (its last 100 KiB) as text."""
        path = os.path.join(imagebackend.instance_dir(instance), CONSOLE_LOG)
        self._host.get_guest(instance)
        if not os.path.exists(path):
            return ""
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - MAX_CONSOLE_BYTES))
            data = f.read()
        return data.decode("utf-8", "replace")

    @reconnecting()
    def get_vnc_console(self, context, instance):
        return libvirt_console.vnc_console(self._host.get_guest(instance))

    @reconnecting()
    def get_spice_console(self, context, instance):
        return libvirt_console.spice_console(self._host.get_guest(instance))

    @reconnecting()
    def get_serial_console(self, context, instance):
        return libvirt_console.serial_console(self._host.get_guest(instance))

    def _stats(self, instance):
        """What libvirt tells about the guest's devices: one read for both
        diagnostics formats."""
        guest = self._host.get_guest(instance)
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

    @reconnecting()
    def get_instance_diagnostics(self, instance):
        """The 2.48 standard diagnostics of the guest (see the driver contract)."""
        stats = self._stats(instance)
        info = stats["info"]
        used = info[2] // 1024
        mem = stats["memory"]
        if "actual" in mem and "unused" in mem:
            used = (mem["actual"] - mem["unused"]) // 1024
        diags = diagnostics.Diagnostics(
            state=diagnostics.STATES.get(stats["state"], "pending"), driver="libvirt",
            hypervisor=CONF.libvirt.virt_type, hypervisor_os="linux",
            uptime=_domain_uptime(stats["guest"]) if stats["active"] else None,
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

    @reconnecting()
    def get_diagnostics(self, instance):
        """The free-form diagnostics of before 2.48 (cpu0_time, memory, vda_read...)."""
        stats = self._stats(instance)
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

    # -- images ---------------------------------------------------------------------------

    def cache_image(self, context, image_id):
        before = os.path.exists(self.image_cache.path(image_id))
        self.image_cache.fetch(context, image_id)
        return not before

    def manage_image_cache(self, context, all_instances=None):
        """Remove unused base images ([image_cache]); the removed paths."""
        return self.image_cache.remove_unused()

    @reconnecting(retry=False)
    def snapshot(self, context, instance, image_id, update_task_state):
        """Upload the root disk of ``instance`` as image ``image_id`` (qcow2).

        A running or paused guest is copied live where libvirt can (it keeps
        running); otherwise it is managed-saved for the copy and restored
        afterwards (see snapshot.py).
        """
        guest = self._host.get_guest(instance)
        state = guest.get_power_state()
        root = os.path.join(imagebackend.instance_dir(instance), "disk")
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        workdir = lv_snapshot.snapshot_dir(os.path.join(CONF.instances_path, "snapshots"))
        try:
            out = os.path.join(workdir, "snapshot.qcow2")
            live = state in (power_state.RUNNING, power_state.PAUSED)
            if live:
                try:
                    lv_snapshot.live(guest, root, out, workdir)
                except lv_snapshot.LiveSnapshotUnsupported as exc:
                    LOG.info("No live snapshot of %s (%s): taking it cold", instance.uuid,
                             exc)
                    live = False
            if not live:
                self._cold_snapshot(guest, state, root, out)
            update_task_state(task_state=task_states.IMAGE_UPLOADING,
                              expected_state=task_states.IMAGE_PENDING_UPLOAD)
            meta = {"disk_format": "qcow2", "container_format": "bare",
                    "properties": self._snapshot_properties(context, instance, image_id)}
            try:
                with open(out, "rb") as data:
                    self.image_api.update(context, image_id, meta, data=data,
                                          purge_props=False)
            except exception.ImageNotFound:
                raise
            except Exception as exc:
                raise lv_exc.SnapshotUploadFailed(image_id=image_id, reason=exc) from exc
        finally:
            lv_snapshot.remove_dir(workdir)
        LOG.info("Snapshot %s of %s uploaded (%s)", image_id, instance.uuid,
                 "live" if live else "cold")

    def _cold_snapshot(self, guest, state, root, out):
        """Copy the disk with the guest stopped (managed-saved if it ran)."""
        was_running = state in (power_state.RUNNING, power_state.PAUSED)
        if was_running:
            guest.managed_save()
        try:
            lv_snapshot.cold(root, out)
        finally:
            if was_running:
                guest.launch()
                if state == power_state.PAUSED:
                    guest.pause()

    def _snapshot_properties(self, context, instance, image_id):
        props = {}
        try:
            current = self.image_api.get(context, image_id)
            props.update(current.get("properties") or {})
        except exception.NovaException:
            pass
        for key in ("kernel_id", "ramdisk_id"):
            if getattr(instance, key, None):
                props[key] = getattr(instance, key)
        if instance.os_type:
            props["os_type"] = instance.os_type
        return props


def _domain_uptime(guest):
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


def _json(value):
    from oslo_serialization import jsonutils
    return jsonutils.dumps(value)

