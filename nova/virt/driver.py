"""The contract between nova-compute and a hypervisor (ComputeDriver).

nova-compute loads one driver, named by [DEFAULT] compute_driver relative to
nova.virt (e.g. 'fake.FakeDriver', 'libvirt.LibvirtDriver'). Methods a driver
does not support raise NotImplementedError; the compute manager treats that
as "this hypervisor cannot do it".
"""

from oslo_log import log as logging
from oslo_utils import importutils
import os_traits

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


# Driver capabilities that Placement sees as traits on the compute node
# provider (the scheduler can require or forbid them).
CAPABILITY_TRAITS_MAP = {
    "supports_attach_interface": os_traits.COMPUTE_NET_ATTACH_INTERFACE,
    "supports_device_tagging": os_traits.COMPUTE_DEVICE_TAGGING,
    "supports_tagged_attach_interface": os_traits.COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG,
    "supports_tagged_attach_volume": os_traits.COMPUTE_VOLUME_ATTACH_WITH_TAG,
    "supports_extend_volume": os_traits.COMPUTE_VOLUME_EXTEND,
    "supports_multiattach": os_traits.COMPUTE_VOLUME_MULTI_ATTACH,
    "supports_trusted_certs": os_traits.COMPUTE_TRUSTED_CERTS,
    "supports_accelerators": os_traits.COMPUTE_ACCELERATORS,
    "supports_migrate_to_same_host": os_traits.COMPUTE_SAME_HOST_COLD_MIGRATE,
    "supports_image_type_raw": os_traits.COMPUTE_IMAGE_TYPE_RAW,
    "supports_image_type_qcow2": os_traits.COMPUTE_IMAGE_TYPE_QCOW2,
    "supports_image_type_iso": os_traits.COMPUTE_IMAGE_TYPE_ISO,
    "supports_image_type_vmdk": os_traits.COMPUTE_IMAGE_TYPE_VMDK,
    "supports_image_type_aki": os_traits.COMPUTE_IMAGE_TYPE_AKI,
    "supports_image_type_ami": os_traits.COMPUTE_IMAGE_TYPE_AMI,
    "supports_image_type_ari": os_traits.COMPUTE_IMAGE_TYPE_ARI,
    "supports_image_type_vhd": os_traits.COMPUTE_IMAGE_TYPE_VHD,
    "supports_image_type_vhdx": os_traits.COMPUTE_IMAGE_TYPE_VHDX,
    "supports_image_type_ploop": os_traits.COMPUTE_IMAGE_TYPE_PLOOP,
    "supports_secure_boot": os_traits.COMPUTE_SECURITY_UEFI_SECURE_BOOT,
    "supports_remote_managed_ports": os_traits.COMPUTE_REMOTE_MANAGED_PORTS,
}


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
        self._event_listener = None

    # -- events -------------------------------------------------------------

    def register_event_listener(self, callback):
        """Have ``callback(event)`` called with each nova.virt.event the driver emits."""
        self._event_listener = callback

    def emit_event(self, event):
        """Hand ``event`` to the registered listener (errors are logged, not raised)."""
        if self._event_listener is None:
            LOG.debug("Dropping event %s: no listener", event)
            return
        try:
            self._event_listener(event)
        except Exception:
            LOG.exception("Error handling event %s", event)

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

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        """Describe ``nodename`` in ``provider_tree`` (nova/compute/provider_tree.py).

        The driver sets the inventories (and may add child providers, traits
        and aggregates) of the provider named ``nodename``; the resource
        tracker then adds the capability traits and pushes the result to
        Placement. ``allocations`` is only given when the driver asked for it
        (reshaping inventories between providers).
        """
        raise NotImplementedError()

    def _get_allocation_ratios(self, inventory):
        """{resource class: allocation ratio} for VCPU, MEMORY_MB and DISK_GB.

        A configured [DEFAULT] *_allocation_ratio wins; otherwise the ratio
        already in ``inventory`` (perhaps set by an operator in Placement)
        stays; a resource seen for the first time gets initial_*_allocation_ratio.
        """
        result = {}
        for kind, rc in (("cpu", "VCPU"), ("ram", "MEMORY_MB"), ("disk", "DISK_GB")):
            configured = getattr(CONF, "%s_allocation_ratio" % kind)
            if configured:
                result[rc] = configured
            elif rc in inventory:
                result[rc] = inventory[rc]["allocation_ratio"]
            else:
                result[rc] = getattr(CONF, "initial_%s_allocation_ratio" % kind)
        return result

    def capabilities_as_traits(self):
        """{trait: supported} for every capability that maps to a trait."""
        return {trait: bool(self.capabilities.get(capability, False))
                for capability, trait in CAPABILITY_TRAITS_MAP.items()}

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

    # -- instance lifecycle -----------------------------------------------------

    def prepare_for_spawn(self, instance):
        """Get ready for the guest of a new instance (its networks exist; its
        block devices are being prepared; spawn comes next).

        The default does nothing. Raises to fail the build (the compute
        manager then cleans up, as after a failed spawn).
        """

    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None, power_on=True,
              accel_info=None):
        """Create and (unless ``power_on`` is False) start a new guest.

        ``image_meta`` is an ImageMeta object, ``network_info`` the instance's
        NetworkInfo, ``allocations`` its Placement allocations. Raises on
        failure; the compute manager then cleans up and reschedules.
        """
        raise NotImplementedError()

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        """Power the guest off and remove it from the hypervisor (idempotent)."""
        raise NotImplementedError()

    def get_info(self, instance, use_cache=True):
        """InstanceInfo of a guest; raises InstanceNotFound when it is not there."""
        raise NotImplementedError()

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None, accel_info=None):
        """Reboot the guest; ``reboot_type`` is 'SOFT' or 'HARD'."""
        raise NotImplementedError()

    def power_off(self, instance, timeout=0, retry_interval=0):
        """Stop the guest (a clean shutdown within ``timeout`` seconds, then force)."""
        raise NotImplementedError()

    def power_on(self, context, instance, network_info, block_device_info=None,
                 accel_info=None):
        raise NotImplementedError()

    def trigger_crash_dump(self, instance):
        """Inject an NMI into the guest so that it dumps its memory (and usually
        reboots); NotImplementedError when the hypervisor cannot."""
        raise NotImplementedError()

    def pause(self, instance):
        raise NotImplementedError()

    def unpause(self, instance):
        raise NotImplementedError()

    def suspend(self, context, instance):
        raise NotImplementedError()

    def resume(self, context, instance, network_info, block_device_info=None):
        raise NotImplementedError()

    # -- rebuild, rescue, passwords, network info -----------------------------------

    def rebuild(self, context, instance, image_meta, injected_files, admin_password,
                allocations, bdms, detach_block_devices, attach_block_devices,
                network_info=None, evacuate=False, block_device_info=None,
                preserve_ephemeral=False, accel_uuids=None, reimage_boot_volume=False):
        """Rebuild the guest in place from ``image_meta`` (an ImageMeta).

        Optional: NotImplementedError (the default) makes the compute manager
        destroy the guest with its disks and spawn it again from the new
        image. A driver that implements it keeps what makes the guest the
        same guest on its hypervisor (name, uuid, MAC addresses) and, with
        ``preserve_ephemeral``, its ephemeral disks. It calls
        ``instance.save`` with task_state rebuild_block_device_mapping and
        then rebuild_spawning as it goes (the manager's default does).
        """
        raise NotImplementedError()

    def rescue(self, context, instance, network_info, image_meta, rescue_password,
               block_device_info=None):
        """Boot the guest from a rescue disk made from ``image_meta``.

        The guest's own root disk stays attached as a second disk so a user
        can repair it; ``rescue_password`` is the rescue system's
        administrator password (injected where the driver can).
        InstanceNotRescuable when the guest cannot be rescued.
        """
        raise NotImplementedError()

    def unrescue(self, context, instance):
        """Leave rescue: the guest boots from its own disks again, as before
        rescue (the rescue disk is removed)."""
        raise NotImplementedError()

    def set_admin_password(self, instance, new_pass):
        """Set the administrator password inside the running guest.

        InstanceAgentNotEnabled when the guest has no agent that could do it
        (the API answers 409); SetAdminPasswdNotSupported when the guest OS
        cannot; NotImplementedError when the hypervisor never can (501).
        """
        raise NotImplementedError()

    def inject_network_info(self, instance, nw_info):
        """Hand the guest its (changed) network configuration; a no-op where
        the guest reads it from the metadata service or config drive."""
        pass

    def soft_delete(self, instance):
        """Set the guest aside for a deferred delete (keeping its disks).

        NotImplementedError: the compute powers it off instead.
        """
        raise NotImplementedError()

    def restore(self, instance):
        """Bring back a guest set aside by :meth:`soft_delete`.

        NotImplementedError: the compute powers it on instead.
        """
        raise NotImplementedError()

    # -- snapshots, console log, diagnostics --------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        """Upload the guest's root disk to the image service as ``image_id``.

        The image record already exists (the compute API created it, queued,
        with the snapshot's properties); the driver only uploads its data,
        through ``nova.image.api.API().update(context, image_id, meta, data)``
        (``meta`` may set ``disk_format``/``container_format`` of what it
        uploads). On entry the task state is ``image_snapshot``; the driver
        moves it on, in this order, by calling::

            update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD,
                              expected_state=task_states.IMAGE_SNAPSHOT)
            # ... capture the disk (the guest may be paused or running) ...
            update_task_state(task_state=task_states.IMAGE_UPLOADING,
                              expected_state=task_states.IMAGE_PENDING_UPLOAD)
            # ... upload ...

        and returns when the upload is done; the compute manager then clears
        the task state. ``update_task_state`` raises
        UnexpectedDeletingTaskStateError or InstanceNotFound when the server
        was deleted meanwhile: let it propagate. Any exception fails the
        snapshot: the manager deletes the image, records a fault and puts the
        server back in its previous state. The guest must be left in the
        power state it had on entry. InstanceNotFound when the guest is not
        on this hypervisor.
        """
        raise NotImplementedError()

    def attach_interface(self, context, instance, image_meta, vif):
        """Plug ``vif`` (a nova.network.model.VIF, its port already bound to
        this host) into the guest: live when it runs, and in its persistent
        definition so that it stays after a reboot. InstanceNotFound when the
        guest is not here; any other exception makes the manager release the
        port and report InterfaceAttachFailed."""
        raise NotImplementedError()

    def detach_interface(self, context, instance, vif):
        """Unplug ``vif`` from the guest, live and persistent; a VIF the guest
        does not have is not an error (the port is released anyway)."""
        raise NotImplementedError()

    def get_console_output(self, context, instance):
        """The guest's serial console log, all of it, as bytes (or str).

        The compute manager trims it to the last lines the user asked for
        and decodes it as ASCII (undecodable bytes replaced). It works while
        the guest is stopped too (the log of its last run), and returns b""
        for a guest that has logged nothing. InstanceNotFound when the guest
        is not on this hypervisor; ConsoleNotAvailable when the hypervisor
        keeps no log for it; NotImplementedError when it cannot read logs at
        all (the API answers 501).
        """
        raise NotImplementedError()

    def get_diagnostics(self, instance):
        """The guest's diagnostics before microversion 2.48: a flat dict.

        Free-form, as upstream's drivers answer it: names such as
        ``cpu0_time``, ``memory``, ``memory-actual``, ``vda_read``,
        ``vda_write_req``, ``tap<id>_rx``, ``tap<id>_tx_packets``, with
        numbers as values. Called only while the guest is running (the
        manager refuses otherwise); InstanceNotFound when the guest is not
        on this hypervisor.
        """
        raise NotImplementedError()

    def get_instance_diagnostics(self, instance):
        """The guest's diagnostics in the standard format (microversion 2.48).

        A ``nova.virt.diagnostics.Diagnostics``: state, driver, hypervisor,
        hypervisor_os, uptime (seconds), config_drive, memory_details
        {maximum, used} in MiB, and one add_cpu()/add_nic()/add_disk() per
        virtual device (num_cpus/num_nics/num_disks follow). Fields the
        hypervisor cannot tell stay None. Called only while the guest is
        running; InstanceNotFound when it is not on this hypervisor.
        """
        raise NotImplementedError()

    # -- remote consoles -------------------------------------------------------------

    def get_vnc_console(self, context, instance):
        """Where the running guest's VNC server listens: a nova.console.types.ConsoleVNC.

        ``host`` is the address the console proxies use to reach it (the
        host's [vnc] server_proxyclient_address), ``port`` the live port.
        ConsoleTypeUnavailable when the guest has no VNC server;
        InstanceNotFound when it is not on this hypervisor;
        NotImplementedError when the hypervisor has no VNC consoles (501).
        """
        raise NotImplementedError()

    def get_spice_console(self, context, instance):
        """Where the running guest's SPICE server listens: a ConsoleSpice
        (``tls_port`` set when it also listens with TLS). As get_vnc_console."""
        raise NotImplementedError()

    def get_serial_console(self, context, instance):
        """The guest's interactive serial console as a TCP endpoint: a
        ConsoleSerial. ConsoleTypeUnavailable when it has none. As get_vnc_console."""
        raise NotImplementedError()

    # -- images -----------------------------------------------------------------

    def cache_image(self, context, image_id):
        """Fetch image ``image_id`` into this host's image cache ahead of use.

        True when the image was fetched now, False when it was already cached;
        an error raises. A hypervisor without an image cache raises
        NotImplementedError.
        """
        raise NotImplementedError()


    # -- moving guests: resize and cold migration ----------------------------------
    #
    # The compute manager drives a resize or cold migration in three steps on
    # two hosts (the same host when resizing in place):
    #   source: migrate_disk_and_power_off -> destination: finish_migration
    # and then either confirm_migration on the source (drop what is left there)
    # or, on revert, destroy on the destination and finish_revert_migration on
    # the source. ``migration`` is a nova.objects.Migration; ``flavor`` the
    # flavor the guest moves to.

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        """Stop the guest on this (source) host and make its disks available
        to host ``dest`` (an address or host name; the same host on a resize in
        place).

        ``timeout``/``retry_interval`` bound a clean shutdown as power_off()
        does. The driver keeps enough on the source to bring the guest back
        (finish_revert_migration) until confirm_migration. Returns
        ``disk_info``: a JSON-serialisable description of the disks (opaque to
        the manager) handed to finish_migration on the destination.
        InstanceFaultRollback wrapping the cause when nothing was changed and
        the guest may stay where it was; any other exception fails the move.
        """
        raise NotImplementedError()

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True):
        """Build the guest on this (destination) host from the disks that
        migrate_disk_and_power_off() made available.

        ``disk_info`` is what that call returned; ``resize_instance`` is True
        when the flavor changed (the disks may have to grow to
        ``instance.flavor``); ``image_meta`` an ImageMeta; ``allocations`` the
        instance's allocations on this host. The guest is started unless
        ``power_on`` is False (it was stopped before the move).
        """
        raise NotImplementedError()

    def confirm_migration(self, context, migration, instance, network_info):
        """Called on the source host once the user (or the auto-confirm
        window) has accepted the move: remove what was kept there for a
        revert. Idempotent."""
        raise NotImplementedError()

    def finish_revert_migration(self, context, instance, network_info, migration,
                                block_device_info=None, power_on=True):
        """Called on the source host on revert, after the destination's guest
        was destroyed: bring the guest back here as it was before the move
        (the old flavor, the kept disks), started unless ``power_on`` is
        False."""
        raise NotImplementedError()

    # -- moving guests: live migration ---------------------------------------------
    #
    # Order, with the host that runs each call:
    #   destination: check_can_live_migrate_destination (returns dest_check_data)
    #   source:      check_can_live_migrate_source(dest_check_data) -> migrate_data
    #   destination: cleanup_live_migration_destination_check (always, after the
    #                source check)
    #   destination: pre_live_migration(migrate_data) -> migrate_data
    #   source:      live_migration(post_method, recover_method) which calls
    #                post_method(context, instance, dest, block_migration,
    #                migrate_data) on success or recover_method(context,
    #                instance, dest, migrate_data) on failure
    #   source:      post_live_migration, post_live_migration_at_source
    #   destination: post_live_migration_at_destination
    #   on failure, destination: rollback_live_migration_at_destination
    # ``migrate_data`` is a plain dict of JSON-serialisable values that the
    # drivers on both hosts agree on; the manager adds "migration" (the
    # Migration's uuid), "block_migration" and "is_shared_instance_path".

    def check_can_live_migrate_destination(self, context, instance, src_compute_info,
                                           dst_compute_info, block_migration=False,
                                           disk_over_commit=False):
        """On the destination: can this host take ``instance`` live?

        ``src_compute_info``/``dst_compute_info`` describe both compute nodes
        (dicts with at least ``hypervisor_type``, ``hypervisor_hostname``,
        ``cpu_info``). Returns ``dest_check_data`` (a dict) for the source's
        check; raises MigrationPreCheckError (or a subclass) to refuse.
        """
        raise NotImplementedError()

    def check_can_live_migrate_source(self, context, instance, dest_check_data,
                                      block_device_info=None):
        """On the source: can ``instance`` leave this host live to the
        destination that answered ``dest_check_data``? Returns the
        ``migrate_data`` dict the remaining steps receive (typically
        ``dest_check_data`` plus what the source found: shared storage,
        block_migration decided); MigrationPreCheckError to refuse.
        """
        raise NotImplementedError()

    def cleanup_live_migration_destination_check(self, context, dest_check_data):
        """On the destination: drop whatever check_can_live_migrate_destination
        left behind (temporary files on shared storage checks...)."""
        pass

    def pre_live_migration(self, context, instance, block_device_info, network_info,
                           disk_info, migrate_data):
        """On the destination, before the source starts copying: prepare
        disks, networking and whatever the incoming guest needs. Returns
        ``migrate_data`` (possibly updated: ports, paths the source must
        know)."""
        raise NotImplementedError()

    def live_migration(self, context, instance, dest, post_method, recover_method,
                       block_migration=False, migrate_data=None):
        """On the source: move the running guest to ``dest``.

        May return before the move is over (the driver then calls one of the
        callbacks later from its own thread) or block until it is. Exactly one
        of ``post_method(context, instance, dest, block_migration,
        migrate_data)`` (the guest now runs on ``dest``) or
        ``recover_method(context, instance, dest, migrate_data)`` (it still
        runs here) is called.
        """
        raise NotImplementedError()

    def live_migration_force_complete(self, instance):
        """Make a running live migration of ``instance`` finish now (e.g. by
        pausing the guest or switching to post-copy)."""
        raise NotImplementedError()

    def live_migration_abort(self, instance):
        """Cancel a running live migration of ``instance``; the driver then
        calls the recover_method given to live_migration()."""
        raise NotImplementedError()

    def post_live_migration(self, context, instance, block_device_info,
                            migrate_data=None):
        """On the source, once the guest runs on the destination: detach
        what the source still holds for it (volume connections...)."""
        pass

    def post_live_migration_at_source(self, context, instance, network_info):
        """On the source, last step: remove the guest's leftovers here
        (its definition, local disks unless the storage is shared, vifs)."""
        raise NotImplementedError()

    def post_live_migration_at_destination(self, context, instance, network_info,
                                           block_migration=False,
                                           block_device_info=None):
        """On the destination, once the guest runs here: make it a normal
        guest of this host (persistent definition, networking finished)."""
        raise NotImplementedError()

    def rollback_live_migration_at_destination(self, context, instance, network_info,
                                               block_device_info, destroy_disks=True,
                                               migrate_data=None):
        """On the destination after a failed live migration: remove what
        pre_live_migration (and a partial copy) created here; local disks too
        when ``destroy_disks``."""
        raise NotImplementedError()


class InstanceInfo:
    """What the hypervisor says about one guest."""

    def __init__(self, state, internal_id=None):
        self.state = state  # a nova.compute.power_state value
        self.internal_id = internal_id

    def __eq__(self, other):
        return (self.__class__ == other.__class__
                and self.__dict__ == other.__dict__)


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
