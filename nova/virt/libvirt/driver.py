"""The libvirt driver: real guests through libvirt (QEMU/KVM).

``compute_driver = libvirt.LibvirtDriver``, the ComputeDriver face of the
modules beside it, which it calls with itself or its host: host (connection,
events, capabilities), service_status, resources (inventory, traits),
guest_config (the domain; config writes its XML), spawn (and destroy), power,
interfaces (hot-plug), rescue (and rebuild), guest_agent, resize, live and
migration, console, guest_diagnostics, imagecache / imagebackend, snapshot.
"""

import os

from oslo_concurrency import processutils
from oslo_log import log as logging

import nova.conf
from nova import exception
from nova.virt import driver
from nova.virt.libvirt import console as libvirt_console
from nova.virt.libvirt import guest_agent
from nova.virt.libvirt import guest_config
from nova.virt.libvirt import guest_diagnostics
from nova.virt.libvirt import host as libvirt_host
from nova.virt.libvirt import imagecache
from nova.virt.libvirt import interfaces as lv_interfaces
from nova.virt.libvirt import live as lv_live
from nova.virt.libvirt import power
from nova.virt.libvirt import rescue as lv_rescue
from nova.virt.libvirt import resize as lv_resize
from nova.virt.libvirt import resources
from nova.virt.libvirt import service_status
from nova.virt.libvirt import snapshot as lv_snapshot
from nova.virt.libvirt import spawn as lv_spawn

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

reconnecting = libvirt_host.reconnecting


class LibvirtDriver(driver.ComputeDriver):
    capabilities = dict(driver.ComputeDriver.capabilities,
                        has_imagecache=True, supports_migrate_to_same_host=True,
                        supports_image_type_raw=True, supports_image_type_qcow2=True,
                        supports_image_type_aki=True, supports_image_type_ari=True,
                        supports_image_type_ami=True, supports_image_type_vmdk=True,
                        supports_image_type_vhd=True, supports_image_type_vhdx=True,
                        supports_attach_interface=True)

    def __init__(self, virtapi=None, read_only=False, uri=None):
        super().__init__(virtapi)
        libvirt_host.silence_libvirt_errors()
        self._host = libvirt_host.Host(uri, read_only,
                                       lifecycle_callback=self._handle_lifecycle_event,
                                       connection_callback=self._connection_changed)
        self.image_cache = imagecache.ImageCache()
        self._image_api = None
        self._nodename = None
        self._service_status = service_status.ServiceStatus()
        self.active_migrations = lv_live.ActiveMigrations()

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
        """libvirtd came (back) or went: the compute service follows."""
        self._service_status.connection_changed(self._host.uri, available, reason)

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
                        self._host.uri, self._service_status.disabled_reason)
            return []
        return [self._nodename or CONF.host]

    def node_is_available(self, nodename):
        return nodename in self.get_available_nodes() and self._host.is_available

    # -- resources (resources.py) --------------------------------------------------

    @reconnecting()
    def get_available_resource(self, nodename):
        return resources.available_resource(self._host, nodename)

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        resources.update_provider_tree(self, provider_tree, nodename)

    def static_traits(self):
        """Traits of this host: its CPU flags and the device models guests can have."""
        return resources.static_traits(self._host)

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

    def get_guest_config(self, instance, image_meta, network_info, disks,
                         kernel=None, ramdisk=None):
        """The GuestConfig of ``instance`` (see guest_config.py)."""
        return guest_config.get_guest_config(instance, image_meta, network_info, disks,
                                             kernel, ramdisk)

    # -- spawn / destroy (spawn.py) ---------------------------------------------------

    @reconnecting(retry=False)
    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None, power_on=True,
              accel_info=None):
        lv_spawn.spawn(self, context, instance, image_meta, admin_password,
                       network_info, power_on)

    @reconnecting()
    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        """Power off and undefine the domain, unplug VIFs, delete files; idempotent."""
        lv_spawn.destroy(self, instance, network_info, destroy_disks)

    # -- interface hot-plug (nova/virt/libvirt/interfaces.py) ----------------------

    @reconnecting()
    def attach_interface(self, context, instance, image_meta, vif):
        lv_interfaces.attach(self._host, instance, image_meta, vif, context=context)

    @reconnecting()
    def detach_interface(self, context, instance, vif):
        lv_interfaces.detach(self._host, instance, vif, context=context)

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

    # -- moving guests: resize and cold migration (resize.py) -------------------------

    @reconnecting(retry=False)
    def migrate_disk_and_power_off(self, context, instance, dest, flavor, network_info,
                                   block_device_info=None, timeout=0, retry_interval=0):
        return lv_resize.migrate_disk_and_power_off(
            self, context, instance, dest, flavor, network_info, timeout, retry_interval)

    @reconnecting(retry=False)
    def finish_migration(self, context, migration, instance, disk_info, network_info,
                         image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True):
        lv_resize.finish_migration(self, context, migration, instance, disk_info,
                                   network_info, image_meta, resize_instance, power_on)

    @reconnecting()
    def confirm_migration(self, context, migration, instance, network_info):
        lv_resize.confirm_migration(self, context, migration, instance, network_info)

    @reconnecting(retry=False)
    def finish_revert_migration(self, context, instance, network_info, migration,
                                block_device_info=None, power_on=True):
        lv_resize.finish_revert_migration(self, context, instance, network_info,
                                          migration, power_on)

    # -- moving guests: live migration (live.py, migration.py) -------------------------

    def check_can_live_migrate_destination(self, context, instance, src_compute_info,
                                           dst_compute_info, block_migration=False,
                                           disk_over_commit=False):
        return lv_live.check_can_live_migrate_destination(self, context, instance,
                                                          block_migration)

    @reconnecting()
    def check_can_live_migrate_source(self, context, instance, dest_check_data,
                                      block_device_info=None):
        return lv_live.check_can_live_migrate_source(self, context, instance,
                                                     dest_check_data)

    def cleanup_live_migration_destination_check(self, context, dest_check_data):
        lv_live.cleanup_destination_check(dest_check_data)

    def pre_live_migration(self, context, instance, block_device_info, network_info,
                           disk_info, migrate_data):
        return lv_live.pre_live_migration(self, context, instance, network_info,
                                          migrate_data)

    def live_migration(self, context, instance, dest, post_method, recover_method,
                       block_migration=False, migrate_data=None):
        lv_live.live_migration(self, context, instance, dest, post_method,
                               recover_method, block_migration, migrate_data)

    def live_migration_force_complete(self, instance):
        self.active_migrations.get(instance.uuid).force_complete()

    def live_migration_abort(self, instance):
        self.active_migrations.get(instance.uuid).abort()

    def live_migration_progress(self, instance):
        """The memory_*/disk_* bytes of the running live migration of
        ``instance`` (None when none runs here)."""
        return self.active_migrations.progress(instance.uuid)

    def post_live_migration(self, context, instance, block_device_info,
                            migrate_data=None):
        lv_live.post_live_migration(self, context, instance, migrate_data)

    @reconnecting()
    def post_live_migration_at_source(self, context, instance, network_info):
        lv_live.post_live_migration_at_source(self, context, instance, network_info)

    @reconnecting()
    def post_live_migration_at_destination(self, context, instance, network_info,
                                           block_migration=False,
                                           block_device_info=None):
        lv_live.post_live_migration_at_destination(self, context, instance,
                                                   network_info)

    @reconnecting()
    def rollback_live_migration_at_destination(self, context, instance, network_info,
                                               block_device_info, destroy_disks=True,
                                               migrate_data=None):
        lv_live.rollback_at_destination(self, context, instance, network_info,
                                        destroy_disks, migrate_data)

    # -- power (power.py) -------------------------------------------------------------

    @reconnecting()
    def power_off(self, instance, timeout=0, retry_interval=0):
        power.power_off(self._host, instance, timeout, retry_interval)

    @reconnecting()
    def power_on(self, context, instance, network_info, block_device_info=None,
                 accel_info=None):
        power.power_on(self._host, instance, network_info)

    @reconnecting()
    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None, accel_info=None):
        power.reboot(self._host, instance, network_info, reboot_type)

    @reconnecting()
    def pause(self, instance):
        self._host.get_guest(instance).pause()

    @reconnecting()
    def unpause(self, instance):
        self._host.get_guest(instance).resume()

    @reconnecting()
    def suspend(self, context, instance):
        power.suspend(self._host, instance)

    @reconnecting()
    def resume(self, context, instance, network_info, block_device_info=None):
        power.resume(self._host, instance, network_info)

    @reconnecting(retry=False)
    def trigger_crash_dump(self, instance):
        power.trigger_crash_dump(self._host, instance)

    # -- consoles (console.py), diagnostics (guest_diagnostics.py) ---------------------

    @reconnecting()
    def get_console_output(self, context, instance):
        """The serial console log (its last 100 KiB) as text."""
        self._host.get_guest(instance)
        return libvirt_console.console_output(instance)

    @reconnecting()
    def get_vnc_console(self, context, instance):
        return libvirt_console.vnc_console(self._host.get_guest(instance))

    @reconnecting()
    def get_spice_console(self, context, instance):
        return libvirt_console.spice_console(self._host.get_guest(instance))

    @reconnecting()
    def get_serial_console(self, context, instance):
        return libvirt_console.serial_console(self._host.get_guest(instance))

    @reconnecting()
    def get_instance_diagnostics(self, instance):
        """The 2.48 standard diagnostics of the guest (see the driver contract)."""
        return guest_diagnostics.instance_diagnostics(self._host, instance)

    @reconnecting()
    def get_diagnostics(self, instance):
        """The free-form diagnostics of before 2.48 (cpu0_time, memory, vda_read...)."""
        return guest_diagnostics.diagnostics(self._host, instance)

    # -- images (imagecache.py, snapshot.py) ----------------------------------------------

    def cache_image(self, context, image_id):
        before = os.path.exists(self.image_cache.path(image_id))
        self.image_cache.fetch(context, image_id)
        return not before

    def manage_image_cache(self, context, all_instances=None):
        """Remove unused base images ([image_cache]); the removed paths."""
        return self.image_cache.remove_unused()

    @reconnecting(retry=False)
    def snapshot(self, context, instance, image_id, update_task_state):
        """Upload the root disk of ``instance`` as image ``image_id`` (qcow2): live
        where libvirt can, else with the guest managed-saved (see snapshot.py)."""
        lv_snapshot.take(self, context, instance, image_id, update_task_state)
