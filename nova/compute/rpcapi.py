"""Client side of the compute RPC API (topic 'compute', one server per host).

Every method names its target host (``host`` or ``instance.host``). A *call*
waits for the compute's answer (or raises MessagingTimeout, or the nova
exception the compute raised); a *cast* returns once the message is queued
and the caller learns the outcome only from the instance's state, action
events and faults.

The client is capped by ``[upgrade_levels] compute`` (a version, a release
alias from VERSION_ALIASES, or ``auto``: what the oldest running nova-compute
speaks). A method newer than the cap raises nova.rpc.VersionCapExceeded in
the caller; see doc/source/contributor/rpc-method.rst before adding one.

API version history (keep in step with RPC_API_VERSION, the manager's target
and nova/objects/service.py SERVICE_VERSION_HISTORY):

  6.0 - get_host_uptime
  6.1 - cache_images
  6.2 - set_host_enabled
  6.3 - build_and_run_instance, terminate_instance, reboot_instance,
        start_instance, stop_instance, pause/unpause_instance,
        suspend/resume_instance, trigger_crash_dump
  6.4 - external_instance_event
  6.5 - snapshot_instance, get_console_output, get_diagnostics, get_instance_diagnostics
  6.6 - get_vnc_console, get_spice_console, get_serial_console, validate_console_port
  6.7 - rebuild_instance, rescue/unrescue_instance, set_admin_password, inject_network_info
  6.8 - (rpcapi_shelve) shelve/shelve_offload/unshelve/backup/soft_delete/restore_instance
  6.9 - (rpcapi_migrate) the resize, cold and live migration steps
  6.10 - (rpcapi_interfaces) attach_interface, detach_interface
"""

import oslo_messaging as messaging

import nova.conf
from nova.compute import rpcapi_interfaces
from nova.compute import rpcapi_migrate
from nova.compute import rpcapi_shelve
from nova.objects import service as service_obj
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "compute"

# The newest version this client can send (the last line of the history).
RPC_API_VERSION = "6.10"


class ComputeAPI(rpcapi_interfaces.InterfaceMethods, rpcapi_shelve.ParkingMethods,
                 rpcapi_migrate.MoveMethods):
    """The compute RPC client. Its methods return None unless they say otherwise."""

    # Release alias -> version, for [upgrade_levels] compute.
    VERSION_ALIASES = service_obj.rpc_versions("compute_rpc")

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, version="6.0")
        self.router = rpc.CappedClient(target, "compute", "nova-compute", "compute_rpc",
                                       aliases=self.VERSION_ALIASES, transport=transport)

    @property
    def client(self):
        """The capped oslo.messaging client (its cap is resolved on first use)."""
        return self.router.client

    def get_host_uptime(self, ctxt, host):
        """A call (6.0): the uptime string of compute ``host``'s hypervisor."""
        cctxt = self.router.prepare("get_host_uptime", version="6.0", server=host)
        return cctxt.call(ctxt, "get_host_uptime")

    def cache_images(self, ctxt, host, image_ids):
        """A call (6.1): ask compute ``host`` to cache ``image_ids``; {image_id: outcome}.

        Outcomes: 'cached' (fetched now), 'existing' (already there),
        'unsupported' (the hypervisor has no image cache) or 'error'; one
        image's failure does not stop the others. Fetching can be slow: the
        call waits up to [DEFAULT] long_rpc_timeout while the compute keeps
        telling it that it is still working.
        """
        cctxt = self.router.prepare("cache_images", version="6.1", server=host,
                                    call_monitor_timeout=CONF.rpc_response_timeout,
                                    timeout=CONF.long_rpc_timeout)
        return cctxt.call(ctxt, "cache_images", image_ids=image_ids)

    def set_host_enabled(self, ctxt, host, enabled):
        """A call (6.2): tell compute ``host`` its service was enabled/disabled.

        The compute adds or removes COMPUTE_STATUS_DISABLED on its resource
        providers before it answers, so a request scheduled after the
        os-services update returns already sees the new trait. Returns
        'enabled' or 'disabled'. A compute that is down catches up from the
        service's disabled flag on its next periodic resource update.
        """
        cctxt = self.router.prepare("set_host_enabled", version="6.2", server=host)
        return cctxt.call(ctxt, "set_host_enabled", enabled=enabled)

    # -- instances ------------------------------------------------------------------

    INSTANCE_ACTIONS_VERSION = "6.3"

    def check_instance_action(self, method, version=None):
        """Raise VersionCapExceeded (a 409) now if the instance action
        ``method`` (introduced in ``version``, default 6.3) cannot be sent at
        this process's cap.

        The API calls it before it sets a task state, so a refused action
        leaves the instance as it was.
        """
        self.router.prepare(method, version=version or self.INSTANCE_ACTIONS_VERSION)

    def _cast(self, ctxt, host, method, **kwargs):
        cctxt = self.router.prepare(method, version=self.INSTANCE_ACTIONS_VERSION,
                                    server=host)
        cctxt.cast(ctxt, method, **kwargs)

    def build_and_run_instance(self, ctxt, instance, host, image, request_spec,
                               filter_properties, admin_password=None, injected_files=None,
                               requested_networks=None, security_groups=None,
                               block_device_mapping=None, node=None, limits=None,
                               host_list=None, accel_uuids=None):
        """A cast (6.3): build and boot ``instance`` on ``host``/``node``.

        The resources are already claimed in Placement. The compute moves the
        instance to ACTIVE, or hands it back to the conductor to try the next
        of ``host_list`` (alternates), or sets ERROR with a fault and releases
        the claim; the caller sees only the instance's state.
        """
        self._cast(ctxt, host, "build_and_run_instance", instance=instance, image=image,
                   request_spec=request_spec, filter_properties=filter_properties,
                   admin_password=admin_password, injected_files=injected_files,
                   requested_networks=requested_networks, security_groups=security_groups,
                   block_device_mapping=block_device_mapping, node=node, limits=limits,
                   host_list=host_list, accel_uuids=accel_uuids)

    def terminate_instance(self, ctxt, instance, bdms=None):
        """A cast (6.3): destroy ``instance`` on its host and delete its record.

        The caller has set task_state 'deleting'; the compute releases the
        Placement allocation and soft-deletes the instance when done.
        """
        self._cast(ctxt, instance.host, "terminate_instance", instance=instance, bdms=bdms)

    def reboot_instance(self, ctxt, instance, block_device_info=None, reboot_type="SOFT"):
        """A cast (6.3): reboot ``instance`` ('SOFT' or 'HARD').

        The caller has set task_state rebooting(_hard); the compute clears it
        and records the power state when done.
        """
        self._cast(ctxt, instance.host, "reboot_instance", instance=instance,
                   block_device_info=block_device_info, reboot_type=reboot_type)

    def start_instance(self, ctxt, instance):
        """A cast (6.3): power ``instance`` on (task_state powering-on -> ACTIVE)."""
        self._cast(ctxt, instance.host, "start_instance", instance=instance)

    def stop_instance(self, ctxt, instance, clean_shutdown=True):
        """A cast (6.3): power ``instance`` off (powering-off -> STOPPED).

        With ``clean_shutdown`` the guest is asked to shut down first, within
        the configured shutdown timeout, before the power is cut.
        """
        self._cast(ctxt, instance.host, "stop_instance", instance=instance,
                   clean_shutdown=clean_shutdown)

    def pause_instance(self, ctxt, instance):
        """A cast (6.3): pause ``instance`` in memory (pausing -> PAUSED)."""
        self._cast(ctxt, instance.host, "pause_instance", instance=instance)

    def unpause_instance(self, ctxt, instance):
        """A cast (6.3): unpause ``instance`` (unpausing -> ACTIVE)."""
        self._cast(ctxt, instance.host, "unpause_instance", instance=instance)

    def suspend_instance(self, ctxt, instance):
        """A cast (6.3): suspend ``instance`` to disk (suspending -> SUSPENDED)."""
        self._cast(ctxt, instance.host, "suspend_instance", instance=instance)

    def resume_instance(self, ctxt, instance):
        """A cast (6.3): resume a suspended ``instance`` (resuming -> ACTIVE)."""
        self._cast(ctxt, instance.host, "resume_instance", instance=instance)

    def external_instance_event(self, ctxt, instances, events, host=None):
        """A cast (6.4): hand external events (InstanceExternalEvent) to a host.

        ``host`` defaults to the first instance's; the compute wakes whatever
        waits for each event (e.g. network-vif-plugged during a build) and
        ignores events nobody waits for.
        """
        host = host or instances[0].host
        cctxt = self.router.prepare("external_instance_event", version="6.4", server=host)
        cctxt.cast(ctxt, "external_instance_event", instances=instances, events=events)

    def trigger_crash_dump(self, ctxt, instance):
        """A cast (6.3): inject an NMI into ``instance`` so the guest dumps its kernel."""
        self._cast(ctxt, instance.host, "trigger_crash_dump", instance=instance)

    # -- snapshots, console log, diagnostics (6.5) -----------------------------------

    GUEST_VERSION = "6.5"

    def snapshot_instance(self, ctxt, instance, image_id):
        """A cast (6.5): upload a snapshot of ``instance`` as image ``image_id``.

        The caller has created the (queued) image and set task_state
        image_snapshot_pending. The compute moves the task through
        image_snapshot, image_pending_upload and image_uploading and clears
        it when the image is active; on failure it deletes the image, records
        a fault and clears the task, leaving the vm_state as it was.
        """
        cctxt = self.router.prepare("snapshot_instance", version=self.GUEST_VERSION,
                                    server=instance.host)
        cctxt.cast(ctxt, "snapshot_instance", instance=instance, image_id=image_id)

    def get_console_output(self, ctxt, instance, tail_length=None):
        """A call (6.5): the last ``tail_length`` lines (None: all) of the
        guest's serial log, as text.

        Raises what the driver raises: NotImplementedError when the
        hypervisor cannot read the log, ConsoleNotAvailable, InstanceNotFound.
        """
        cctxt = self.router.prepare("get_console_output", version=self.GUEST_VERSION,
                                    server=instance.host)
        return cctxt.call(ctxt, "get_console_output", instance=instance,
                          tail_length=tail_length)

    def get_diagnostics(self, ctxt, instance):
        """A call (6.5): the driver's free-form diagnostics dict (API < 2.48).

        InstanceInvalidState when the guest is not running;
        NotImplementedError when the hypervisor cannot tell.
        """
        cctxt = self.router.prepare("get_diagnostics", version=self.GUEST_VERSION,
                                    server=instance.host)
        return cctxt.call(ctxt, "get_diagnostics", instance=instance)

    def get_instance_diagnostics(self, ctxt, instance):
        """A call (6.5): the standard diagnostics (API 2.48) as a dict of
        nova.virt.diagnostics.FIELDS; same errors as get_diagnostics."""
        cctxt = self.router.prepare("get_instance_diagnostics",
                                    version=self.GUEST_VERSION, server=instance.host)
        return cctxt.call(ctxt, "get_instance_diagnostics", instance=instance)

    # -- remote consoles ------------------------------------------------------------

    CONSOLES_VERSION = "6.6"

    def _console_call(self, ctxt, instance, method, **kwargs):
        cctxt = self.router.prepare(method, version=self.CONSOLES_VERSION,
                                    server=instance.host)
        return cctxt.call(ctxt, method, instance=instance, **kwargs)

    def get_vnc_console(self, ctxt, instance, console_type):
        """A call (6.6): issue a console token for the guest's VNC console.

        Returns connect_info: {token, access_url, host, port, tls_port,
        internal_access_path}; the token's hash is in the cell database when
        it returns. Raises ConsoleTypeInvalid / ConsoleTypeUnavailable (400),
        InstanceInvalidState (409) for a guest that is not running,
        NotImplementedError for a hypervisor without such consoles.
        """
        return self._console_call(ctxt, instance, "get_vnc_console",
                                  console_type=console_type)

    def get_spice_console(self, ctxt, instance, console_type):
        """A call (6.6): as get_vnc_console, for spice-html5 or spice-direct."""
        return self._console_call(ctxt, instance, "get_spice_console",
                                  console_type=console_type)

    def get_serial_console(self, ctxt, instance, console_type):
        """A call (6.6): as get_vnc_console, for the serial console (TCP)."""
        return self._console_call(ctxt, instance, "get_serial_console",
                                  console_type=console_type)

    def validate_console_port(self, ctxt, instance, port, console_type):
        """A call (6.6): whether ``port`` is still the guest's console of that type.

        The console proxies ask it before they relay a connection; False for
        a guest that is gone, stopped or whose console moved.
        """
        return self._console_call(ctxt, instance, "validate_console_port", port=port,
                                  console_type=console_type)

    # -- rebuild, rescue, passwords, network info (6.7) ----------------------------------

    RECOVERY_VERSION = "6.7"

    def _cast_recovery(self, ctxt, instance, method, **kwargs):
        cctxt = self.router.prepare(method, version=self.RECOVERY_VERSION,
                                    server=instance.host)
        cctxt.cast(ctxt, method, instance=instance, **kwargs)

    def rebuild_instance(self, ctxt, instance, orig_image_ref, image_ref, injected_files,
                         new_pass, orig_sys_metadata, bdms, preserve_ephemeral=False,
                         request_spec=None):
        """A cast (6.7): rebuild ``instance`` on its host from ``image_ref``.

        The API has written the new image and fields and set task_state
        'rebuilding' (the conductor checked a new image against the host).
        The compute moves the task through rebuild_block_device_mapping and
        rebuild_spawning and ends in ACTIVE (STOPPED if it was stopped); a
        failure leaves ERROR with a fault.
        """
        self._cast_recovery(ctxt, instance, "rebuild_instance",
                            orig_image_ref=orig_image_ref, image_ref=image_ref,
                            injected_files=injected_files, new_pass=new_pass,
                            orig_sys_metadata=orig_sys_metadata, bdms=bdms,
                            preserve_ephemeral=preserve_ephemeral,
                            request_spec=request_spec)

    def rescue_instance(self, ctxt, instance, rescue_password, rescue_image_ref=None,
                        clean_shutdown=True):
        """A cast (6.7): boot ``instance`` from a rescue disk (rescuing -> RESCUED).

        ``rescue_image_ref`` None: the server's own image. A failure records
        a fault and leaves the server as it was.
        """
        self._cast_recovery(ctxt, instance, "rescue_instance",
                            rescue_password=rescue_password,
                            rescue_image_ref=rescue_image_ref,
                            clean_shutdown=clean_shutdown)

    def unrescue_instance(self, ctxt, instance):
        """A cast (6.7): boot ``instance`` from its own disks again
        (unrescuing -> ACTIVE)."""
        self._cast_recovery(ctxt, instance, "unrescue_instance")

    def set_admin_password(self, ctxt, instance, new_pass):
        """A call (6.7): set the administrator password inside the guest.

        The caller has set task_state updating_password; the compute clears
        it whatever happens. Raises InstanceAgentNotEnabled or
        SetAdminPasswdNotSupported (409s), InstancePasswordSetFailed, or
        NotImplementedError when the hypervisor cannot.
        """
        cctxt = self.router.prepare("set_admin_password", version=self.RECOVERY_VERSION,
                                    server=instance.host)
        return cctxt.call(ctxt, "set_admin_password", instance=instance,
                          new_pass=new_pass)

    def inject_network_info(self, ctxt, instance):
        """A cast (6.7): hand the guest its network configuration again."""
        self._cast_recovery(ctxt, instance, "inject_network_info")
